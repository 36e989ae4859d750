// hale as a library (README, hale as a library): a host program keeps its plugins in-process: the host program starts its plugins
// under a Supervisor, follows their events, and talks to a plugin's own service over the channel hale gives it.
// Run it from the repository (after `npm run build`): node --import tsx examples/library/host.ts
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSupervisor, formatConfigIssue, parseConfigText, type Supervisor, type SupervisorEvent } from 'hale';

const root = fileURLToPath(new URL('../../', import.meta.url));
const say = (line: string) => process.stdout.write(`host: ${line}\n`);

const loaded = parseConfigText(
  [
    'log: { level: warn }',
    'grpc: { enabled: false }',
    `stateDir: ${mkdtempSync(join(tmpdir(), 'hale-host-'))}`,
    'defaults: { checkInterval: 500ms, startInterval: 50ms, successThreshold: 1, restartBackoff: 0s }',
    'plugins:',
    `  - { name: greeter, command: node, args: [${root}dist/plugins/greeter/main.js] }`,
  ].join('\n'),
  { file: '<host>', env: process.env },
);
if (!loaded.ok) throw new Error(loaded.issues.map(formatConfigIssue).join('\n'));

const definition = protoLoader.loadSync('hale/example/greeter/v1/greeter.proto', { includeDirs: [`${root}proto`] });
const { Greeter } = (
  grpc.loadPackageDefinition(definition) as unknown as {
    hale: { example: { greeter: { v1: { Greeter: grpc.ServiceClientConstructor } } } };
  }
).hale.example.greeter.v1;

/** One SayHello over the plugin's current channel; the answer or the gRPC status that came back. */
const sayHello = (supervisor: Supervisor, name: string): Promise<string> => {
  const open = supervisor.channel('greeter');
  if (open === null) return Promise.resolve('no channel: the greeter does not serve');
  return hello(open.target, open.channel, name);
};

const hello = (target: string, channel: grpc.Channel, name: string): Promise<string> =>
  new Promise((resolve) => {
    const client = new Greeter(target, grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as {
      sayHello(
        request: { name: string },
        options: grpc.CallOptions,
        callback: (error: grpc.ServiceError | null, answer?: { message: string }) => void,
      ): void;
    };
    client.sayHello({ name }, { deadline: Date.now() + 2_000 }, (error: grpc.ServiceError | null, answer?: { message: string }) =>
      resolve(error === null ? `answered "${answer?.message}"` : `failed with ${grpc.status[error.code]}`),
    );
  });

const next = (supervisor: Supervisor, match: (event: SupervisorEvent) => boolean): Promise<SupervisorEvent> =>
  new Promise((resolve) => {
    const off = supervisor.events.subscribe((event) => {
      if (!match(event)) return;
      off();
      resolve(event);
    });
  });

const healthy = (event: SupervisorEvent) => event.type === 'transition' && event.plugin === 'greeter' && event.to === 'healthy';

const supervisor = createSupervisor(loaded.config);
supervisor.events.subscribe((event) => {
  if (event.type === 'transition') say(`${event.plugin}: ${event.from} → ${event.to}`);
});
const up = next(supervisor, healthy);
await supervisor.start();
await up;

const first = supervisor.channel('greeter');
say(`generation ${first?.generation}: ${await sayHello(supervisor, 'host')}`);

// The plugin crashes; hale restarts it. The old channel reaches a process that is gone.
const back = next(supervisor, healthy);
process.kill(supervisor.plugin('greeter')?.pid ?? 0, 'SIGKILL');
await back;
if (first !== null) say(`old channel (generation ${first.generation}): ${await hello(first.target, first.channel, 'host')}`);
const second = supervisor.channel('greeter');
say(`generation ${second?.generation}: ${await sayHello(supervisor, 'host again')}`);

await supervisor.stop('host done');
say('stopped');
