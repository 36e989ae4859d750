import type { PluginsStatusBody, ResourceBody } from '../api/bodies.js';
import type { ApiClient } from '../client/api-client.js';
import { formatBytes } from '../config/size.js';

/**
 * A CPU percentage as a column shows it: `12.5%`, `-` without a sample.
 *
 * @example
 * formatCpu({ cpuPercent: 12.46 } as ResourceBody); // '12.5%'
 */
export const formatCpu = (resources: ResourceBody | null): string =>
  resources === null ? '-' : `${resources.cpuPercent.toFixed(resources.cpuPercent >= 100 ? 0 : 1)}%`;

/**
 * Memory as a column shows it: `150 MiB`, `-` without a sample.
 *
 * @example
 * formatMemory({ memoryBytes: 157286400 } as ResourceBody); // '150 MiB'
 */
export const formatMemory = (resources: ResourceBody | null): string => (resources === null ? '-' : formatBytes(resources.memoryBytes));

/**
 * Each plugin's resources from GET /plugins/status, by name; empty when
 * that answer cannot be had (a hale too old to sample shows `-`).
 *
 * @example
 * const resources = await readResources(client);
 * formatMemory(resources.get('greeter') ?? null);
 */
export const readResources = async (client: ApiClient): Promise<Map<string, ResourceBody | null>> => {
  const answer = await client.get<PluginsStatusBody>('/plugins/status');
  if (!answer.ok || !Array.isArray(answer.body.plugins)) return new Map();
  return new Map(answer.body.plugins.map((plugin) => [plugin.name, readSample(plugin.resources)]));
};

// Whatever the answer holds, only numbers reach the columns.
const readSample = (resources: unknown): ResourceBody | null => {
  if (typeof resources !== 'object' || resources === null) return null;
  const { cpuPercent, memoryBytes } = resources as Partial<ResourceBody>;
  return Number.isFinite(cpuPercent) && Number.isFinite(memoryBytes) ? (resources as ResourceBody) : null;
};

/**
 * A plugin's resources in words, for `hale status NAME`; null without a sample.
 *
 * @example
 * describeResources({ cpuPercent: 0.4, memoryBytes: 50e6, processes: 2, source: 'cgroup' });
 * // 'CPU 0.4%, memory 47.7 MiB in 2 processes (its cgroup)'
 */
export const describeResources = (resources: unknown): string | null => {
  const sample = readSample(resources);
  if (sample === null) return null;
  const processes = Number.isSafeInteger(sample.processes) ? sample.processes : 0;
  const from = sample.source === 'cgroup' ? 'its cgroup' : 'its process tree';
  return `CPU ${formatCpu(sample)}, memory ${formatMemory(sample)} in ${processes} process${processes === 1 ? '' : 'es'} (${from})`;
};
