import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The machine's CPU time so far, in clock ticks: all of it, and the busy part (neither idle nor iowait). */
export const readMachineTicks = (): { total: number; busy: number } => {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { total, busy: total - (fields[3] ?? 0) - (fields[4] ?? 0) };
};

/**
 * How busy the whole machine was between two readings, as % of one core
 * (so 200 is two cores flat out): what everything together cost, the plugins included.
 *
 * @example
 * const before = readMachineTicks();
 * await delay(10_000);
 * machineBusyPercent(before, readMachineTicks()); // 37.5
 */
export const machineBusyPercent = (before: { total: number; busy: number }, after: { total: number; busy: number }): number => {
  const total = after.total - before.total;
  return total <= 0 ? 0 : ((after.busy - before.busy) / total) * 100 * cpus().length;
};
