import type { ResourceBody } from './bodies.js';
import type { ResourceUsage } from '../model/resources.js';

/**
 * A resource sample as the API shows it: the time as an ISO string.
 *
 * @example
 * toResourceBody({ cpuSeconds: 1.5, cpuPercent: 2, memoryBytes: 5e7, processes: 1, sampledAt: 0, source: 'proc' }).sampledAt;
 * // '1970-01-01T00:00:00.000Z'
 */
export const toResourceBody = (usage: ResourceUsage | null): ResourceBody | null =>
  usage === null ? null : { ...usage, sampledAt: new Date(usage.sampledAt).toISOString() };
