import type { PluginStatus } from './status.js';

/**
 * How long the current process has served, or null when none is running.
 *
 * @example
 * uptimeSecondsOf({ pid: 12, startedAt: 1_000 }, 3_500); // 2.5
 */
export const uptimeSecondsOf = (status: Pick<PluginStatus, 'pid' | 'startedAt'>, now: number): number | null =>
  status.pid === null || status.startedAt === null ? null : Math.max(0, now - status.startedAt) / 1_000;
