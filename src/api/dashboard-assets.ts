import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard, read once, served from memory. */
export interface DashboardAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/** The dashboard's files by name (`index.html`, `main.js` …), or why there are none. */
export type DashboardAssets = { ok: true; files: ReadonlyMap<string, DashboardAsset> } | { ok: false; message: string };

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Where the built dashboard is: beside this file's compiled self in dist/,
 * or, when this file runs from src/ under a test runner, in the build.
 *
 * @example
 * findDashboardDir(); // '/usr/lib/node_modules/hale/dist/dashboard'
 */
export const findDashboardDir = (): string | null => {
  const candidates = [new URL('../dashboard/', import.meta.url)];
  if (import.meta.url.endsWith('.ts')) candidates.push(new URL('../../dist/dashboard/', import.meta.url));
  const found = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(join(path, 'index.html')));
  return found ?? null;
};

/**
 * Reads every servable file of the dashboard into memory: a handful of small
 * files, so a request never touches the disk and a file changed under a
 * running supervisor cannot serve half of a new build.
 *
 * @example
 * const assets = loadDashboardAssets();
 * if (assets.ok) assets.files.get('index.html');
 */
export const loadDashboardAssets = (dir: string | null = findDashboardDir()): DashboardAssets => {
  if (dir === null) return { ok: false, message: 'the dashboard is not built (dist/dashboard is missing); run npm run build' };
  const files = new Map<string, DashboardAsset>();
  for (const name of readdirSync(dir)) {
    const contentType = contentTypes[extname(name)];
    if (contentType !== undefined) files.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), contentType });
  }
  return { ok: true, files };
};
