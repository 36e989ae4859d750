import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { defaultApiConfig } from '../../src/config/api-defaults.js';
import type { PluginConfig, SupervisorConfig } from '../../src/config/types.js';
import { defaultCookie } from '../../src/protocol.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { createSupervisor, type Supervisor } from '../../src/supervisor/supervisor.js';
import { createMemoryLogger } from './memory-log.js';
import { repoRoot } from './paths.js';
import { waitForEvent } from './wait-for-event.js';

/** A plugin config with test-sized durations (around 100 ms) unless overridden. */
export const pluginConfig = (name: string, args: string[], overrides: Partial<PluginConfig> = {}): PluginConfig => ({
  name,
  command: process.execPath,
  args,
  env: {},
  cwd: repoRoot,
  critical: true,
  address: null,
  handshake: { cookieKey: defaultCookie.key, cookieValue: defaultCookie.value, protocolVersions: [1], minPort: 10_000, maxPort: 25_000 },
  health: { protocol: 'plugin', watch: true, retries: 0, retryDelayMs: 100 },
  checkInterval: 100,
  checkTimeout: 100,
  failureThreshold: 2,
  successThreshold: 1,
  maxRestarts: 3,
  restartBackoff: 100,
  maxRestartBackoff: 1_000,
  startInterval: 50,
  startTimeout: 5_000,
  stopTimeout: 1_000,
  resetAfter: 600_000,
  guardInterval: null,
  degradedLatency: null,
  stopSignal: 'SIGTERM',
  noRestartExitCodes: [78],
  restart: 'always',
  backoff: 'linear',
  readiness: null,
  dependsOn: [],
  restartWith: [],
  memoryMax: null,
  envFile: null,
  runAs: null,
  ...overrides,
});

const madeStateDirs: string[] = [];
// Registered when a test file imports this helper, so it runs after that file's own hooks have stopped its supervisors;
// a benchmark imports it outside vitest, where there is no suite to register with.
if (process.env.VITEST !== undefined) {
  afterAll(() => {
    for (const dir of madeStateDirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

/** A state dir in the temp dir, removed when the test file is done. */
const makeStateDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-state-'));
  madeStateDirs.push(dir);
  return dir;
};

export const supervisorConfig = (plugins: PluginConfig[], stateDir = makeStateDir()): SupervisorConfig => ({
  source: '<test>',
  stateDir,
  api: { ...defaultApiConfig, port: 0, corsOrigins: [], rateLimit: { ...defaultApiConfig.rateLimit } },
  grpc: { enabled: true, address: '127.0.0.1:0' },
  log: { level: 'debug' },
  defaults: { ...pluginConfig('defaults', []) },
  plugins,
  checks: [],
  nats: null,
  federation: { enabled: false, staleAfterMs: 30_000 },
});

export interface Supervised {
  supervisor: Supervisor;
  /** Every log line the supervisor wrote, parsed. */
  logLines: Array<Record<string, unknown>>;
  events: SupervisorEvent[];
  /** The first event that matches, whether it already happened or is yet to come. */
  first<M extends SupervisorEvent>(match: (event: SupervisorEvent) => event is M, timeoutMs?: number): Promise<M>;
  first(match: (event: SupervisorEvent) => boolean, timeoutMs?: number): Promise<SupervisorEvent>;
}

/** Starts a supervisor whose log lines are kept in memory; stop it with `supervisor.stop`. */
export const startSupervised = (plugins: PluginConfig[], options: { stateDir?: string; random?: () => number } = {}): Promise<Supervised> =>
  startSupervisedConfig(supervisorConfig(plugins, options.stateDir), options.random === undefined ? {} : { random: options.random });

/** startSupervised for a whole config, e.g. one read from a file. */
export const startSupervisedConfig = async (config: SupervisorConfig, options: { random?: () => number } = {}): Promise<Supervised> => {
  const { log, lines: logLines } = createMemoryLogger('debug');
  const supervisor = createSupervisor(config, { log, ...options });
  const events: SupervisorEvent[] = [];
  supervisor.events.subscribe((event) => events.push(event));
  const first = (match: (event: SupervisorEvent) => boolean, timeoutMs = 10_000) => {
    const past = events.find(match);
    return past !== undefined ? Promise.resolve(past) : waitForEvent(supervisor.events, match, timeoutMs);
  };
  await supervisor.start();
  return { supervisor, logLines, events, first };
};
