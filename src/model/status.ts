import type { CheckProtocol, CheckRecord } from './check-record.js';
import type { ComponentHealth, PluginInfo } from './health-report.js';
import type { PluginState } from './plugin-state.js';

export interface ExitRecord {
  at: number;
  code: number | null;
  signal: string | null;
  /** The last lines of stderr (up to 4 KiB) when the exit was a crash. */
  stderr: string;
}

/** A process of an earlier generation whose stop is under way. */
export interface StoppingProcess {
  generation: number;
  /** The leader's pid, which is also its process group's id. */
  pid: number;
}

/** A plugin another waits for (dependsOn), with the state that keeps it waiting. */
export interface DependencyWait {
  name: string;
  state: PluginState;
}

/** Everything known about one plugin at one moment; a plain value. Times are epoch ms. */
export interface PluginStatus {
  name: string;
  state: PluginState;
  /** Why the current state was entered. */
  reason: string;
  since: number;
  critical: boolean;
  command: string;
  args: string[];
  /** The names of the variables the config adds to its environment; their values are never reported. */
  envKeys: string[];
  pid: number | null;
  /** Counts process starts; a check of an older generation is ignored. */
  generation: number;
  /**
   * Earlier generations still being stopped (their processes still run);
   * with `pid` and `generation`, every process of the plugin. Absent means none.
   */
  stopping?: StoppingProcess[];
  address: string | null;
  connected: boolean;
  info: PluginInfo | null;
  startedAt: number | null;
  lastCheck: CheckRecord | null;
  lastHealthyAt: number | null;
  /** The most recent checks, oldest first, at most `recentCheckLimit`. */
  recentChecks: CheckRecord[];
  /** The plugin's own message from its last answered check. */
  message: string;
  components: ComponentHealth[];
  /** Consecutive failed checks. */
  failureCount: number;
  /** Every restart since the supervisor began. */
  restartCount: number;
  /** Automatic restarts since the last reset (what maxRestarts counts). */
  restarts: number;
  nextRestartAt: number | null;
  lastExit: ExitRecord | null;
  /** The last start failure, with the tail of the plugin's stderr. */
  lastError: string | null;
  /**
   * Whether it may take work: healthy or degraded, its `readiness:` probe
   * (when it has one) passing, and (in a supervisor's snapshot) every plugin
   * in its dependsOn healthy or degraded. Absent in a status built by hand:
   * then it is ready while healthy or degraded.
   */
  ready?: boolean;
  /** Its `readiness:` probe; null (or absent) when it has none. */
  readiness?: ReadinessProbeStatus | null;
  /** The plugins it depends on (config `dependsOn`); absent when none. */
  dependsOn?: string[];
  /** Of dependsOn, those whose restart restarts it (config `restartWith`); absent when none. */
  restartWith?: string[];
  /** Held before its start until these are healthy or degraded (it is `stopped` meanwhile); absent when not waiting. */
  waitingFor?: DependencyWait[];
}

/** A plugin's `readiness:` probe as the API shows it; a plain value. */
export interface ReadinessProbeStatus {
  protocol: Exclude<CheckProtocol, 'plugin'>;
  /** What is asked, in words: `http http://127.0.0.1:8080/ready`. */
  target: string;
  /**
   * `passing` after successThreshold passes in a row, `failing` after
   * failureThreshold failures in a row, `unknown` until either since the
   * process came up (not ready yet).
   */
  verdict: 'unknown' | 'passing' | 'failing';
  reason: string;
  since: number;
  lastCheck: CheckRecord | null;
  /** Failed probes in a row. */
  failureCount: number;
}

/** Where a dependency stands: not checked yet, or the verdict of its checks. */
export type DependencyState = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

/** One dependency as the API shows it; a plain value. */
export interface DependencyStatus {
  name: string;
  protocol: Exclude<CheckProtocol, 'plugin'>;
  /** What is asked, in words: `tcp 127.0.0.1:5432`. */
  target: string;
  critical: boolean;
  state: DependencyState;
  reason: string;
  since: number;
  lastCheck: CheckRecord | null;
  lastHealthyAt: number | null;
  failureCount: number;
  recentChecks: CheckRecord[];
}

export const recentCheckLimit = 20;

export interface EventLoopLag {
  /** Milliseconds, over the last sampling window. */
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A part of hale itself (its NATS link, its watchdog): never critical, so
 * one that is down degrades the verdict and never fails readiness.
 */
export interface LinkStatus {
  name: string;
  kind: 'nats' | 'watchdog';
  state: 'healthy' | 'degraded';
  critical: false;
  /** Where it goes, in words: `nats://127.0.0.1:4222`. */
  target: string;
  reason: string;
  since: number;
  /** What it has done, for the link's kind (published, pending, dropped …). */
  stats: Record<string, number>;
}

/** Where the supervisor is in its own life: created, opening and starting, running, stopping, stopped. */
export type SupervisorPhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** How far start-up has come: how many plugins have had their first start tried (come up or failed), of how many. */
export interface StartupProgress {
  tried: number;
  total: number;
}

export interface SupervisorSnapshot {
  version: string;
  pid: number;
  startedAt: number;
  now: number;
  shuttingDown: boolean;
  /** Absent means running (a snapshot built by hand). */
  phase?: SupervisorPhase;
  /**
   * Until every plugin of the first config has had its first start tried:
   * how far it is; null (or absent) from then on. Not ready while set.
   */
  startup?: StartupProgress | null;
  eventLoopLag: EventLoopLag;
  /** hale's own log lines dropped because stdout did not keep up. */
  droppedLogLines: number;
  plugins: PluginStatus[];
  /** The dependencies under `checks:`. */
  dependencies: DependencyStatus[];
  /** hale's own parts (its watchdog, its NATS link); absent or empty when there are none. */
  links?: LinkStatus[];
  /**
   * What holds each plugin's processes together so that a stop ends them
   * all: a cgroup v2 each, or process groups and the HALE_INSTANCE mark.
   * Absent until the state dir is open.
   */
  containment?: 'cgroup' | 'process-group';
}

/**
 * What a backend already counts that moves with its snapshot: every event
 * changes what the snapshot says, and these are the rest that can change
 * without one.
 */
export interface SnapshotVersion {
  /** The id of the newest event. */
  lastEventId: number;
  phase: SupervisorPhase;
  /** Start-up has tried every plugin of the first config. */
  initialized: boolean;
  /** Moves whenever the event-loop lag sample may have. */
  lagEpoch: number;
  droppedLogLines: number;
  /** How many times one of hale's own links (NATS, the watchdog) reported. */
  linkReports: number;
}
