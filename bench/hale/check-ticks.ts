import { percentile } from '../stats.js';
import type { HealthEntry } from './plugin-api.js';

/** How punctual and how quick a supervisor's health checks were over a window. */
export interface TickStats {
  plugins: number;
  /** Checks recorded in the window, every plugin together. */
  checks: number;
  failed: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Gaps between a plugin's consecutive checks. */
  gaps: number;
  gapP50Ms: number;
  gapP99Ms: number;
  gapMaxMs: number;
  /** Gaps longer than the interval plus the tolerance, but under two intervals. */
  late: number;
  /** Gaps of two intervals or more: at least one tick was missed. */
  missed: number;
  /** From the first check in the window to the last, ms. */
  coveredMs: number;
}

export interface TickOptions {
  intervalMs: number;
  /** How far past the interval a check may start before it counts as late. */
  toleranceMs: number;
  /** Epoch ms; checks before it (start-up) are left out. */
  since: number;
}

const maxOf = (values: number[]): number => values.reduce((max, value) => Math.max(max, value), 0);

/**
 * Latency percentiles and late or missed ticks from the recent checks
 * GET /plugins/health lists for each plugin.
 *
 * @example
 * analyzeChecks(await readPluginHealth(url), { intervalMs: 1_000, toleranceMs: 25, since: windowStart });
 * // { plugins: 500, checks: 9500, latencyP99Ms: 3.1, late: 0, missed: 0, ... }
 */
export const analyzeChecks = (plugins: HealthEntry[], { intervalMs, toleranceMs, since }: TickOptions): TickStats => {
  const latencies: number[] = [];
  const gaps: number[] = [];
  let failed = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const plugin of plugins) {
    const times = plugin.recentChecks
      .map((check) => ({ at: Date.parse(check.time), check }))
      .filter(({ at }) => at >= since)
      .sort((a, b) => a.at - b.at);
    for (const [index, { at, check }] of times.entries()) {
      latencies.push(check.responseTimeMs);
      if (check.outcome === 'fail') failed += 1;
      first = Math.min(first, at);
      last = Math.max(last, at);
      const previous = times[index - 1];
      if (previous !== undefined) gaps.push(at - previous.at);
    }
  }
  return {
    plugins: plugins.length,
    checks: latencies.length,
    failed,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencyMaxMs: maxOf(latencies),
    gaps: gaps.length,
    gapP50Ms: percentile(gaps, 50),
    gapP99Ms: percentile(gaps, 99),
    gapMaxMs: maxOf(gaps),
    late: gaps.filter((gap) => gap > intervalMs + toleranceMs && gap < 2 * intervalMs).length,
    missed: gaps.filter((gap) => gap >= 2 * intervalMs).length,
    coveredMs: latencies.length === 0 ? 0 : last - first,
  };
};
