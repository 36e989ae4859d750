import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Faults } from './faults.js';
import type { FlakyHealth } from './flaky-health.js';

/**
 * Faults set off while flaky runs: SIGUSR1 turns it UNHEALTHY until it is
 * restarted; SIGUSR2 slows its answers by --usr2-slow for --usr2-for.
 * Listening to SIGUSR1 also keeps Node from opening its inspector on it.
 *
 * @example
 * listenForTriggers(createFlakyHealth(faults, log), faults);
 * process.kill(process.pid, 'SIGUSR1'); // from now on: UNHEALTHY
 */
export const listenForTriggers = (flaky: FlakyHealth, faults: Faults): void => {
  process.on('SIGUSR1', () => flaky.turnUnhealthy('SIGUSR1'));
  process.on('SIGUSR2', () => flaky.slowDown(faults.usr2SlowMs, faults.usr2ForMs, 'SIGUSR2'));
};

/** The one-shot faults --fault-dir knows, each a file name in that folder. */
export type OneShotFault = 'bad-handshake';

/**
 * Takes a one-shot fault: true when DIR/NAME existed and is now deleted, so
 * only this start shows the fault and the next one is clean. No folder, or
 * no such file, is false.
 *
 * @example
 * if (takeOneShot(faults.faultDir, 'bad-handshake')) printBadHandshake();
 */
export const takeOneShot = (dir: string | null, fault: OneShotFault): boolean => {
  if (dir === null) return false;
  try {
    // Deleting is the test: no window between "it exists" and "it is gone" for two starts to share.
    unlinkSync(join(dir, fault));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
};
