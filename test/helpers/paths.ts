import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliMain = `${repoRoot}dist/cli.js`;
export const greeterMain = `${repoRoot}dist/plugins/greeter/main.js`;
export const flakyMain = `${repoRoot}dist/plugins/flaky/main.js`;

/**
 * The node flags on dist/cli.js's shebang line (`#!/usr/bin/env -S node FLAGS`), which `hale` runs with: tests and
 * benches that start `node dist/cli.js` pass them too, so they measure hale as users run it.
 */
export const readHaleNodeFlags = (): string[] => {
  const first = readFileSync(cliMain, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!\S*env -S /, '').split(/\s+/);
  return words[0] === 'node' ? words.slice(1).filter((word) => word.startsWith('--')) : [];
};

/** Integration tests run what `npm run build` made; say so plainly when it is missing. */
export const requireBuilt = (): void => {
  for (const file of [cliMain, greeterMain, flakyMain]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
};

export const fixture = (name: string): string => `${repoRoot}test/fixtures/${name}`;
