// The greeter: a healthy hale plugin with a service of its own.
import { servePlugin } from 'hale/sdk';
import { createGreetings } from './greetings.js';

const greetings = createGreetings();

await servePlugin({
  name: 'greeter',
  version: '1.0.0',
  description: 'Says hello (hale.example.greeter.v1.Greeter); always healthy.',
  services: [greetings.service],
  health: () => ({
    status: 'healthy',
    components: [{ name: 'greetings', status: 'healthy', message: `${greetings.count()} greetings served` }],
  }),
});
