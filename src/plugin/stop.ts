import { setTimeout as delay } from 'node:timers/promises';
import type { StopSignal } from '../config/types.js';
import type { PluginClient } from '../grpc/plugin-client.js';
import type { StopStage } from '../model/events.js';
import { settleWithin } from '../util/settle.js';
import type { PluginProcess } from './spawn-plugin.js';

export interface StopOptions {
  reason: string;
  stopTimeout: number;
  stopSignal: StopSignal;
}

// How long a SIGKILLed process may take to be reaped, and how long leftovers of its group get.
const killGrace = 5_000;
const leftoverGrace = 500;
const leftoverPoll = 50;

/** Resolves true if the process exits within `ms`, false otherwise. */
const exitsWithin = async (process: PluginProcess, ms: number): Promise<boolean> => {
  if (process.exitInfo() !== null) return true;
  if (ms <= 0) return false;
  return settleWithin(
    process.exited.then(() => true),
    ms,
    false,
  );
};

/**
 * Stops a plugin in stages and says which stage ended it: the Shutdown RPC
 * (graceful), then `stopSignal` to its process group (terminated), then, once
 * stopTimeout has passed, SIGKILL to the group (killed). Whatever the plugin
 * forked and left behind is ended too.
 *
 * @example
 * const stage = await stopPlugin(process, client, { reason: 'shutdown', stopTimeout: 10_000, stopSignal: 'SIGTERM' });
 */
export const stopPlugin = async (
  process: PluginProcess,
  client: PluginClient | null,
  { reason, stopTimeout, stopSignal }: StopOptions,
): Promise<StopStage> => {
  const deadline = Date.now() + stopTimeout;
  const left = () => deadline - Date.now();
  let stage: StopStage = 'exited';
  if (process.exitInfo() === null) stage = await stopLeader(process, client, reason, stopSignal, stopTimeout, left);
  client?.close();
  await endLeftovers(process, stopSignal);
  return stage;
};

const stopLeader = async (
  process: PluginProcess,
  client: PluginClient | null,
  reason: string,
  stopSignal: StopSignal,
  stopTimeout: number,
  left: () => number,
): Promise<StopStage> => {
  // Half of stopTimeout for the graceful way, the rest for the signal.
  const gracefulBudget = Math.floor(stopTimeout / 2);
  if (client !== null && gracefulBudget > 0) {
    const asked = await client.shutdown(reason, gracefulBudget);
    if (asked.ok && (await exitsWithin(process, left() - (stopTimeout - gracefulBudget)))) return 'graceful';
  }
  process.signalGroup(stopSignal);
  if (await exitsWithin(process, left())) return 'terminated';
  process.signalGroup('SIGKILL');
  await exitsWithin(process, killGrace);
  return 'killed';
};

// A child the plugin forked may outlive it; a stopped plugin leaves nothing behind.
const endLeftovers = async (process: PluginProcess, stopSignal: StopSignal): Promise<void> => {
  if (!process.groupAlive()) return;
  process.signalGroup(stopSignal);
  for (let waited = 0; waited < leftoverGrace && process.groupAlive(); waited += leftoverPoll) {
    await delay(leftoverPoll);
  }
  if (process.groupAlive()) process.signalGroup('SIGKILL');
};
