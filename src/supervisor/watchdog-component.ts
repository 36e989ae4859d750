import type { GuardHealth } from '../containment/process-guard.js';
import type { LinkStatus } from '../model/status.js';

/**
 * The watchdog as a component of /health: healthy while one runs, degraded
 * while none does (another is on its way), never critical — without it
 * hale still supervises; only a SIGKILL of hale would then leave plugins.
 *
 * @example
 * supervisor.reportLink(watchdogComponent(guard.health())); // { name: 'watchdog', kind: 'watchdog', state: 'healthy', … }
 */
export const watchdogComponent = (health: GuardHealth): LinkStatus => ({
  name: 'watchdog',
  kind: 'watchdog',
  state: health.watchdog === 'running' ? 'healthy' : 'degraded',
  critical: false,
  target: 'a process of its own that ends every plugin should hale die',
  reason: health.watchdog === 'running' ? `running; ${health.reason}` : health.reason,
  since: health.since,
  stats: { restarts: health.restarts },
});
