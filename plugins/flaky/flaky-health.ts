import type { HealthReportInput, PluginLogger } from 'hale/sdk';
import type { Faults } from './faults.js';

export interface FlakyHealth {
  health: () => Promise<HealthReportInput>;
  /** Starts the clocks of --unhealthy-after and --degrade-after. */
  start: () => void;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * flaky's health: healthy until --degrade-after or --unhealthy-after turns it
 * (UNHEALTHY wins over DEGRADED), each answer late by --slow.
 *
 * @example
 * const flaky = createFlakyHealth(faults, log);
 * flaky.start();
 * await flaky.health(); // { status: 'healthy', ... }
 */
export const createFlakyHealth = (faults: Faults, log: PluginLogger): FlakyHealth => {
  let status: HealthReportInput['status'] = 'healthy';
  let message = 'no fault yet';
  const turn = (afterMs: number | null, to: 'degraded' | 'unhealthy', flag: string): void => {
    if (afterMs === null) return;
    setTimeout(() => {
      if (status === 'unhealthy') return;
      status = to;
      message = `${to} since ${afterMs} ms after start (${flag})`;
      log.warn(`fault: now reporting ${to.toUpperCase()} (${flag} ${afterMs}ms)`);
    }, afterMs);
  };
  return {
    start: () => {
      if (faults.slowMs > 0) log.warn(`fault: every HealthCheck answers after ${faults.slowMs} ms (--slow)`);
      turn(faults.degradeAfterMs, 'degraded', '--degrade-after');
      turn(faults.unhealthyAfterMs, 'unhealthy', '--unhealthy-after');
    },
    health: async () => {
      if (faults.slowMs > 0) await delay(faults.slowMs);
      return { status, message };
    },
  };
};
