// The browser loads the dashboard's modules from one flat folder: gather the compiled ones and the static files there.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/dashboard';
const compiled = 'dist/dashboard-build';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const gather = (dir) => {
  for (const name of readdirSync(dir)) if (name.endsWith('.js')) cpSync(join(dir, name), join(out, name));
};
gather(join(compiled, 'dashboard', 'src'));
// Shared with the CLI's `hale logs --follow`: one reader of text/event-stream.
cpSync(join(compiled, 'src', 'client', 'sse-reader.js'), join(out, 'sse-reader.js'));
for (const name of readdirSync('dashboard/static')) cpSync(join('dashboard/static', name), join(out, name));
rmSync(compiled, { recursive: true, force: true });
