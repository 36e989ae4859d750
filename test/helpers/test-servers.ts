import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isExecutableFile, servers } from '../../scripts/provision-test-servers.mjs';
import { repoRoot } from './paths.js';

/** One program the tests drive besides hale, as scripts/provision-test-servers.mjs found or fetched it. */
export interface TestServer {
  path: string;
  /** Where it came from: `env` (HALE_TEST_*), `system`, or `cache` (.cache/test-servers/root). */
  source: string;
  /** Directories of the libraries fetched beside it, for LD_LIBRARY_PATH; empty unless it came from the cache. */
  libraryPath: string[];
}

export type TestServerKey = 'natsServer' | 'chromium';

/** What npm test wrote after provisioning (scripts/provision-test-servers.mjs). */
export const serversFile = join(repoRoot, '.cache', 'test-servers', 'servers.json');

const specOf = (key: TestServerKey) => {
  const spec = servers.find((server) => server.key === key);
  if (spec === undefined) throw new Error(`no test server ${key} in scripts/provision-test-servers.mjs`);
  return spec;
};

const readServersFile = (): Partial<Record<TestServerKey, TestServer>> => {
  try {
    return JSON.parse(readFileSync(serversFile, 'utf8')) as Partial<Record<TestServerKey, TestServer>>;
  } catch {
    return {};
  }
};

/**
 * The program to run for KEY: the one HALE_TEST_* names, else the one npm
 * test provisioned, else one on this machine; throws, saying how to get one,
 * when there is none, so a machine without it fails the test rather than
 * skipping it.
 *
 * @example
 * const nats = findTestServer('natsServer'); // { path: '/usr/sbin/nats-server', source: 'system', libraryPath: [] }
 */
export const findTestServer = (key: TestServerKey): TestServer => {
  const spec = specOf(key);
  const envVar = spec.envVar;
  const named = process.env[envVar];
  if (named !== undefined && named !== '') {
    if (!isExecutableFile(named)) throw new Error(`${envVar}=${named} is not an executable file`);
    return { path: named, source: 'env', libraryPath: [] };
  }
  const provisioned = readServersFile()[key];
  if (provisioned !== undefined && provisioned.source !== 'env' && isExecutableFile(provisioned.path)) return provisioned;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, spec.name));
  const found = [...spec.systemPaths, ...onPath].find(isExecutableFile);
  if (found !== undefined) return { path: found, source: 'system', libraryPath: [] };
  throw new Error(
    `no ${spec.name} for the tests: run \`node scripts/provision-test-servers.mjs\` (npm test does), or set ${envVar} to one`,
  );
};

/**
 * The environment to run SERVER with: LD_LIBRARY_PATH gains the libraries
 * fetched beside it.
 *
 * @example
 * spawn(server.path, args, { env: envFor(server) });
 */
export const envFor = (server: TestServer): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  if (server.libraryPath.length === 0) return env;
  const existing = env.LD_LIBRARY_PATH;
  env.LD_LIBRARY_PATH = [...server.libraryPath, ...(existing === undefined || existing === '' ? [] : [existing])].join(delimiter);
  return env;
};
