import type { PluginLogger } from 'hale/sdk';

// Long enough for any test or demo; short enough that a forgotten fixture does not live for days.
const maxHangMs = 60 * 60 * 1_000;
const sliceMs = 1_000;

/**
 * Stops answering anything: the event loop is blocked (asleep, not spinning)
 * so RPCs and SIGTERM go unheard and only SIGKILL ends the process. Every
 * second it checks that its parent is still `parent` (the pid read at start);
 * when the parent is gone it exits, so a hung fixture never outlives whoever started it.
 *
 * @example
 * const parent = process.ppid;
 * setTimeout(() => hangForever(parent, log), 2_000);
 */
export const hangForever = (parent: number, log: PluginLogger): never => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + maxHangMs;
  while (Date.now() < until) {
    Atomics.wait(cell, 0, 0, sliceMs);
    if (process.ppid !== parent) {
      log.warn('hang: the parent is gone; exiting');
      process.exit(1);
    }
  }
  log.warn(`hang: still hung after ${maxHangMs} ms; exiting`);
  process.exit(1);
};
