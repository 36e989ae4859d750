// The build's files that tsc does not emit: every non-TypeScript file hale runs from src/ (the watchdog's sh loop), copied to the same place under dist/.
import { chmodSync, cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const assets = ['.sh'];
for (const entry of readdirSync('src', { withFileTypes: true, recursive: true })) {
  if (!entry.isFile() || !assets.some((ending) => entry.name.endsWith(ending))) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', relative('src', from)));
}

// `hale` is dist/cli.js itself (package.json's bin, the Docker image's link): its shebang carries hale's node flags.
chmodSync(join('dist', 'cli.js'), 0o755);
