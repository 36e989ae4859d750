import { isServing } from '../supervisor/overall.js';
import type { PluginStatus, ReadinessProbeStatus } from '../model/status.js';
import type { CheckRecord } from '../model/check-record.js';
import { uptimeSecondsOf } from '../model/uptime.js';
import type { CheckBody, PluginBody, PluginDetailBody, ReadinessProbeBody } from './bodies.js';
import { formatGoDuration } from './go-duration.js';

/** An epoch-ms time as ISO text, null kept. */
export const isoOrNull = (epochMs: number | null): string | null => (epochMs === null ? null : new Date(epochMs).toISOString());

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
  ready: status.ready ?? isServing(status.state),
  ...(status.dependsOn === undefined ? {} : { dependsOn: status.dependsOn }),
  ...(status.waitingFor === undefined ? {} : { waitingFor: status.waitingFor }),
});

/**
 * A plugin's `readiness:` probe as JSON, or null when it has none.
 *
 * @example
 * toReadinessBody(status.readiness)?.verdict; // 'passing'
 */
export const toReadinessBody = (readiness: ReadinessProbeStatus | null | undefined): ReadinessProbeBody | null =>
  readiness === null || readiness === undefined
    ? null
    : {
        verdict: readiness.verdict,
        protocol: readiness.protocol,
        target: readiness.target,
        reason: readiness.reason,
        since: new Date(readiness.since).toISOString(),
        failureCount: readiness.failureCount,
        lastCheck: readiness.lastCheck === null ? null : toCheckBody(readiness.lastCheck),
      };

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
