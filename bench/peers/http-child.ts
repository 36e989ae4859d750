import { join } from 'node:path';
import { repoRoot } from '../../test/helpers/paths.js';

/** The node:http server every peer runs: the peers' equivalent of a plugin (`node http-child.mjs PORT`, answers `{"pid":N}`). */
export const httpChildPath = join(repoRoot, 'bench/fixtures/http-child.mjs');

/** Where the child on `port` answers GET /. */
export const childUrl = (port: number): string => `http://127.0.0.1:${port}/`;

/** The names of `count` children: c0, c1, … */
export const childNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `c${i}`);
