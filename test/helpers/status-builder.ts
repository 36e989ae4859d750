import type { ApiBackend } from '../../src/api/backend.js';
import type { ControlResult, DrillSignal, SignalResult } from '../../src/model/control.js';
import { createEventBus, type EventBus } from '../../src/util/event-bus.js';
import { createEventLog } from '../../src/supervisor/event-log.js';
import { createHistory } from '../../src/supervisor/history.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import type { ControlAction, Operation } from '../../src/model/operation.js';
import type { PluginStatus, SupervisorSnapshot } from '../../src/model/status.js';

/** A fixed clock for snapshots: 2024-01-15T10:30:00.000Z. */
export const snapshotNow = Date.UTC(2024, 0, 15, 10, 30, 0);

/** A healthy, connected, critical plugin; override what the test is about. */
export const buildPluginStatus = (name: string, overrides: Partial<PluginStatus> = {}): PluginStatus => ({
  name,
  state: 'healthy',
  reason: 'checks pass',
  since: snapshotNow - 60_000,
  critical: true,
  command: `/opt/plugins/${name}`,
  args: ['--serve'],
  envKeys: [],
  pid: 4242,
  generation: 1,
  address: `unix:/tmp/hale-test/${name}.sock`,
  connected: true,
  info: { name, version: '1.0.0', description: `the ${name} plugin` },
  startedAt: snapshotNow - 90_000,
  lastCheck: { at: snapshotNow - 15_000, outcome: 'pass', status: 'healthy', latencyMs: 15, message: 'ok' },
  lastHealthyAt: snapshotNow - 15_000,
  recentChecks: [
    { at: snapshotNow - 45_000, outcome: 'pass', status: 'healthy', latencyMs: 12, message: 'ok' },
    { at: snapshotNow - 15_000, outcome: 'pass', status: 'healthy', latencyMs: 15, message: 'ok' },
  ],
  message: 'ok',
  components: [{ name: 'database', status: 'healthy', critical: true, latencyMs: 3, message: 'reachable' }],
  failureCount: 0,
  restartCount: 0,
  restarts: 0,
  nextRestartAt: null,
  lastExit: null,
  lastError: null,
  ...overrides,
});

export const buildSnapshot = (plugins: PluginStatus[], overrides: Partial<SupervisorSnapshot> = {}): SupervisorSnapshot => ({
  version: '0.1.0-test',
  pid: 999,
  startedAt: snapshotNow - 120_000,
  now: snapshotNow,
  shuttingDown: false,
  eventLoopLag: { meanMs: 0.5, p99Ms: 2, maxMs: 4 },
  droppedLogLines: 0,
  plugins,
  dependencies: [],
  ...overrides,
});

/** A backend over a snapshot the test may replace; it records every restart, stop, start and signal asked of it. */
export interface RecordingBackend extends ApiBackend {
  current: SupervisorSnapshot;
  /** Publish here to feed the backend's event log (GET /events). */
  bus: EventBus<SupervisorEvent>;
  requests: Array<{ name: string; action: ControlAction | DrillSignal; reason: string }>;
}

const unknownPlugin = (name: string) => ({ ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` }) as const;

export const createRecordingBackend = (snapshot: SupervisorSnapshot): RecordingBackend => {
  const bus = createEventBus<SupervisorEvent>();
  const history = createHistory(bus);
  const backend: RecordingBackend = {
    current: snapshot,
    bus,
    eventLog: createEventLog(bus, { firstId: 1 }),
    requests: [],
    snapshot: () => backend.current,
    control: async (name, action, reason): Promise<ControlResult> => {
      backend.requests.push({ name, action, reason });
      const plugin = backend.current.plugins.find((p) => p.name === name);
      if (plugin === undefined) return unknownPlugin(name);
      const operation: Operation = {
        id: `op-${backend.requests.length}`,
        action,
        plugin: name,
        reason,
        status: 'pending',
        requestedAt: snapshotNow,
        finishedAt: null,
        outcome: null,
        requests: 1,
      };
      return { ok: true, operation, coalesced: false, accepted: true, state: action === 'stop' ? 'stopped' : 'restarting' };
    },
    signal: (name, signal): SignalResult => {
      backend.requests.push({ name, action: signal, reason: 'signal' });
      const plugin = backend.current.plugins.find((p) => p.name === name);
      if (plugin === undefined) return unknownPlugin(name);
      if (plugin.pid === null) return { ok: false, code: 'not_running', message: `"${name}" has no running process` };
      return { ok: true, plugin: name, pid: plugin.pid, signal };
    },
    operation: () => undefined,
    history: (name, limit) =>
      backend.current.plugins.some((p) => p.name === name) ? { plugin: name, ...history.of(name, limit) } : undefined,
    logs: (name) =>
      backend.current.plugins.some((p) => p.name === name)
        ? { plugin: name, lines: [], stats: { lines: 0, dropped: 0, truncated: 0 } }
        : undefined,
    reload: async () => ({ ok: false, code: 'reload_unavailable', message: 'a test backend has no config file', issues: [] }),
  };
  return backend;
};
