import type { HealthReportInput, PluginLogger } from 'hale/sdk';
import type { Faults } from './faults.js';

export interface FlakyHealth {
  health: () => Promise<HealthReportInput>;
  /** Starts the clocks of --unhealthy-after and --degrade-after. */
  start: () => void;
  /** Reports UNHEALTHY from now on; only a new process is healthy again. */
  turnUnhealthy: (why: string) => void;
  /** Answers every HealthCheck `slowMs` late for the next `forMs` (a later call replaces an earlier one). */
  slowDown: (slowMs: number, forMs: number, why: string) => void;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * flaky's health: healthy until --degrade-after or --unhealthy-after turns it
 * (UNHEALTHY wins over DEGRADED), or until a trigger does; each answer late by
 * --slow, or by a slow-down while one lasts (the longer delay wins).
 *
 * @example
 * const flaky = createFlakyHealth(faults, log);
 * flaky.start();
 * await flaky.health(); // { status: 'healthy', ... }
 * flaky.turnUnhealthy('SIGUSR1');
 * await flaky.health(); // { status: 'unhealthy', message: 'unhealthy since SIGUSR1' }
 */
export const createFlakyHealth = (faults: Faults, log: PluginLogger): FlakyHealth => {
  let status: HealthReportInput['status'] = 'healthy';
  let message = 'no fault yet';
  let slow = { ms: 0, until: 0 };
  const turn = (afterMs: number | null, to: 'degraded' | 'unhealthy', flag: string): void => {
    if (afterMs === null) return;
    setTimeout(() => {
      if (status === 'unhealthy') return;
      status = to;
      message = `${to} since ${afterMs} ms after start (${flag})`;
      log.warn(`fault: now reporting ${to.toUpperCase()} (${flag} ${afterMs}ms)`);
    }, afterMs);
  };
  const answerDelay = (): number => Math.max(faults.slowMs, Date.now() < slow.until ? slow.ms : 0);
  return {
    start: () => {
      if (faults.slowMs > 0) log.warn(`fault: every HealthCheck answers after ${faults.slowMs} ms (--slow)`);
      turn(faults.degradeAfterMs, 'degraded', '--degrade-after');
      turn(faults.unhealthyAfterMs, 'unhealthy', '--unhealthy-after');
    },
    turnUnhealthy: (why) => {
      status = 'unhealthy';
      message = `unhealthy since ${why}`;
      log.warn(`fault: now reporting UNHEALTHY until restarted (${why})`);
    },
    slowDown: (slowMs, forMs, why) => {
      slow = { ms: slowMs, until: Date.now() + forMs };
      log.warn(`fault: every HealthCheck answers after ${slowMs} ms for ${forMs} ms (${why})`);
    },
    health: async () => {
      const ms = answerDelay();
      if (ms > 0) await delay(ms);
      return { status, message };
    },
  };
};
