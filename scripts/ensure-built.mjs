// `npm start` on a fresh clone: build once, and again whenever a source file is newer than the build.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (dir) => {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
};

const builtAt = (() => {
  try {
    return Math.min(
      statSync('dist/cli.js').mtimeMs,
      statSync('dist/plugins/flaky/main.js').mtimeMs,
      statSync('dist/dashboard/main.js').mtimeMs,
    );
  } catch {
    return 0;
  }
})();

if (builtAt < Math.max(newest('src'), newest('plugins'), newest('dashboard'))) {
  process.stderr.write('hale: building (npm run build)…\n');
  execSync('npm run build', { stdio: 'inherit' });
}
