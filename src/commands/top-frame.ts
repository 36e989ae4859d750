import type { PluginProcessBody, PluginsStatusBody } from '../api/bodies.js';
import { formatBytes } from '../config/size.js';
import { fitWidth } from './fit-width.js';
import { formatSpan, formatTable } from './format-duration.js';
import { formatCpu, formatMemory } from './resource-columns.js';

const row = (p: PluginProcessBody): string[] => [
  p.name,
  p.state,
  p.pid === null ? '-' : String(p.pid),
  formatCpu(p.resources),
  formatMemory(p.resources),
  p.resources === null ? '-' : String(p.resources.processes),
  String(p.restartCount),
  p.uptimeSeconds === null ? '-' : formatSpan(p.uptimeSeconds * 1_000),
];

/**
 * One screen of `hale top`: a line about the whole (plugins, their CPU and
 * memory together, the time), then a row per plugin. Lines are cut to `width`.
 *
 * @example
 * formatTopFrame(body, 'http://127.0.0.1:8080', new Date(), 80);
 * // 'hale top  http://127.0.0.1:8080  2 plugins  CPU 12.5%  MEM 210 MiB  09:41:07\n\nNAME  STATE …'
 */
export const formatTopFrame = (body: PluginsStatusBody, url: string, now: Date, width: number | undefined): string => {
  const sampled = body.plugins.flatMap((p) => (p.resources === null ? [] : [p.resources]));
  const cpu = sampled.reduce((sum, r) => sum + r.cpuPercent, 0);
  const memory = sampled.reduce((sum, r) => sum + r.memoryBytes, 0);
  const clock = now.toISOString().slice(11, 19);
  const head = `hale top  ${url}  ${body.plugins.length} plugin${body.plugins.length === 1 ? '' : 's'}  CPU ${cpu.toFixed(1)}%  MEM ${formatBytes(memory)}  ${clock} UTC`;
  const table = formatTable([['NAME', 'STATE', 'PID', 'CPU', 'MEM', 'PROCS', 'RESTARTS', 'UPTIME'], ...body.plugins.map(row)]);
  return fitWidth(`${head}\n\n${table}`, width);
};
