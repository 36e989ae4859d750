import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliMain = `${repoRoot}dist/cli.js`;
export const greeterMain = `${repoRoot}dist/plugins/greeter/main.js`;
export const flakyMain = `${repoRoot}dist/plugins/flaky/main.js`;

/** Integration tests run what `npm run build` made; say so plainly when it is missing. */
export const requireBuilt = (): void => {
  for (const file of [cliMain, greeterMain, flakyMain]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
};

export const fixture = (name: string): string => `${repoRoot}test/fixtures/${name}`;
