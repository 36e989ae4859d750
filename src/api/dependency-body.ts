import type { DependencyStatus } from '../model/status.js';
import type { DependencyBody } from './bodies.js';
import { formatGoDuration } from './go-duration.js';
import { isoOrNull, toCheckBody } from './plugin-body.js';

/**
 * A dependency as JSON, in the same words as a plugin where they mean the same
 * (`status`, `healthy`, `lastCheckTime`, `responseTime`, `failureCount`).
 *
 * @example
 * toDependencyBody(status, false).healthy; // true
 */
export const toDependencyBody = (d: DependencyStatus, withChecks: boolean): DependencyBody => ({
  status: d.state,
  healthy: d.state === 'healthy' || d.state === 'degraded',
  critical: d.critical,
  protocol: d.protocol,
  target: d.target,
  reason: d.reason,
  since: new Date(d.since).toISOString(),
  lastCheckTime: isoOrNull(d.lastCheck?.at ?? null),
  lastHealthyTime: isoOrNull(d.lastHealthyAt),
  responseTime: formatGoDuration(d.lastCheck?.latencyMs ?? 0),
  responseTimeMs: d.lastCheck?.latencyMs ?? null,
  message: d.lastCheck?.message ?? '',
  failureCount: d.failureCount,
  ...(withChecks ? { recentChecks: d.recentChecks.map(toCheckBody) } : {}),
});
