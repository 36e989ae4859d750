import type { CheckOutcome, PluginState } from '../lifecycle/state.js';
import type { HealthStatus } from '../plugin/health-report.js';
import { isServing } from '../supervisor/overall.js';
import type { CheckFailure, CheckRecord, PluginStatus } from '../supervisor/status.js';
import { formatGoDuration } from './go-duration.js';

export interface ComponentBody {
  name: string;
  status: HealthStatus;
  critical: boolean;
  latencyMs: number;
  message: string;
}

export interface ExitBody {
  time: string;
  code: number | null;
  signal: string | null;
  /** The tail of stderr when the exit was a crash. */
  stderr: string;
}

/** One plugin as the API shows it: Hockeypuck's fields first, ours beside them. */
export interface PluginBody {
  // Hockeypuck's monitor names these; dashboards read them.
  status: PluginState;
  lastCheckTime: string | null;
  lastHealthyTime: string | null;
  failureCount: number;
  restartCount: number;
  responseTime: string;
  healthy: boolean;
  // hale's own.
  state: PluginState;
  reason: string;
  since: string;
  critical: boolean;
  pid: number | null;
  uptimeSeconds: number | null;
  responseTimeMs: number | null;
  message: string;
  restarts: number;
  nextRestartTime: string | null;
  lastExit: ExitBody | null;
  lastError: string | null;
  components: ComponentBody[];
  version: string;
}

export interface CheckBody {
  time: string;
  outcome: CheckOutcome;
  status: HealthStatus;
  responseTime: string;
  responseTimeMs: number;
  message: string;
  /** Why a failed check failed. */
  failure?: CheckFailure;
}

export type PluginDetailBody = PluginBody & { name: string; recentChecks: CheckBody[] };

/** An epoch-ms time as ISO text, null kept. */
export const isoOrNull = (epochMs: number | null): string | null => (epochMs === null ? null : new Date(epochMs).toISOString());

/**
 * How long the current process has served, or null when none is running.
 *
 * @example
 * uptimeSecondsOf({ pid: 12, startedAt: 1_000 }, 3_500); // 2.5
 */
export const uptimeSecondsOf = (status: Pick<PluginStatus, 'pid' | 'startedAt'>, now: number): number | null =>
  status.pid === null || status.startedAt === null ? null : Math.max(0, now - status.startedAt) / 1_000;

/**
 * One recorded check as JSON.
 *
 * @example
 * toCheckBody({ at: 0, outcome: 'pass', status: 'healthy', latencyMs: 15, message: '' }).responseTime; // '15ms'
 */
export const toCheckBody = (check: CheckRecord): CheckBody => ({
  time: new Date(check.at).toISOString(),
  outcome: check.outcome,
  status: check.status,
  responseTime: formatGoDuration(check.latencyMs),
  responseTimeMs: check.latencyMs,
  message: check.message,
  ...(check.failure === undefined ? {} : { failure: check.failure }),
});

/**
 * A plugin's status as JSON; `now` is the snapshot's clock, for uptime.
 *
 * @example
 * toPluginBody(snapshot.plugins[0], snapshot.now).lastCheckTime; // '2024-01-15T10:29:45.000Z'
 */
export const toPluginBody = (status: PluginStatus, now: number): PluginBody => ({
  status: status.state,
  lastCheckTime: isoOrNull(status.lastCheck?.at ?? null),
  lastHealthyTime: isoOrNull(status.lastHealthyAt),
  failureCount: status.failureCount,
  restartCount: status.restartCount,
  // Go prints a zero duration as "0s"; a dashboard parsing it gets a number either way.
  responseTime: formatGoDuration(status.lastCheck?.latencyMs ?? 0),
  healthy: isServing(status.state),
  state: status.state,
  reason: status.reason,
  since: new Date(status.since).toISOString(),
  critical: status.critical,
  pid: status.pid,
  uptimeSeconds: uptimeSecondsOf(status, now),
  responseTimeMs: status.lastCheck?.latencyMs ?? null,
  message: status.message,
  restarts: status.restarts,
  nextRestartTime: isoOrNull(status.nextRestartAt),
  lastExit:
    status.lastExit === null
      ? null
      : {
          time: new Date(status.lastExit.at).toISOString(),
          code: status.lastExit.code,
          signal: status.lastExit.signal,
          stderr: status.lastExit.stderr,
        },
  lastError: status.lastError,
  components: status.components.map((c) => ({
    name: c.name,
    status: c.status,
    critical: c.critical,
    latencyMs: c.latencyMs,
    message: c.message,
  })),
  version: status.info?.version ?? '',
});

/**
 * The detailed form for /plugins/health: the body plus the name and the recent checks.
 *
 * @example
 * toPluginDetailBody(status, now).recentChecks.length; // up to recentCheckLimit
 */
export const toPluginDetailBody = (status: PluginStatus, now: number): PluginDetailBody => ({
  name: status.name,
  ...toPluginBody(status, now),
  recentChecks: status.recentChecks.map(toCheckBody),
});
