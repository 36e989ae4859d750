import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { postRoute, sendSignal, type SignalSent, type SoakSignal } from './hale-api.js';
import { faultTiming } from './timing.js';

/** The faults the soak injects, each through hale's API. */
export type FaultKind = 'sigkill' | 'sigstop-hold' | 'sigstop-short' | 'health-flip' | 'slow-answers' | 'bad-handshake' | 'reload-race';

export const faultKinds: readonly FaultKind[] = [
  'sigkill',
  'sigstop-hold',
  'sigstop-short',
  'health-flip',
  'slow-answers',
  'bad-handshake',
  'reload-race',
];

/** How many restarts a fault must cause: exactly one number, unless the soak could not time it precisely. */
export interface RestartRange {
  min: number;
  max: number;
}

/** A fault as injected: what it must cause, and from when the plugin must be quiet. */
export interface Injected {
  kind: FaultKind;
  /** The pid that got the (first) signal. */
  pid: number;
  restarts: RestartRange;
  /** Epoch ms when the fault is over from the soak's side (for a slow spell, when the spell ends). */
  endsAt: number;
  /** For a short SIGSTOP: how long the process may have been stopped at most. */
  pauseMs?: number;
  /**
   * The plugin was replaced by a reload: its restartCount began again at 0,
   * and `restarts` counts from there.
   */
  rebase?: true;
}

export type Injection = { ok: true; injected: Injected } | { ok: false; message: string };

/** Where a fault goes: hale's API, the plugin, and the plugin's --fault-dir. */
export interface FaultTarget {
  baseUrl: string;
  plugin: string;
  faultDir: string;
  /** Changes the plugin's config in the file (a reload then restarts it). */
  bumpConfig: () => void;
  /** Resolves true once hale next logs that a reload stops this plugin (false if not within `timeoutMs`). */
  nextReloadStop: (timeoutMs: number) => Promise<boolean>;
}

const signalTimeoutMs = 5_000;
const exactly = (n: number): RestartRange => ({ min: n, max: n });

const send = (target: FaultTarget, signal: SoakSignal): Promise<SignalSent> =>
  sendSignal(target.baseUrl, target.plugin, signal, signalTimeoutMs);

const single = async (target: FaultTarget, kind: FaultKind, signal: SoakSignal, restarts: number, endsAfterMs = 0): Promise<Injection> => {
  const sent = await send(target, signal);
  if (!sent.ok) return { ok: false, message: sent.message };
  return { ok: true, injected: { kind, pid: sent.pid, restarts: exactly(restarts), endsAt: Date.now() + endsAfterMs } };
};

// SIGSTOP, a short wait, SIGCONT; timing and restart bounds are explained in timing.ts.
const stopShortly = async (target: FaultTarget): Promise<Injection> => {
  const started = Date.now();
  const stopped = await send(target, 'SIGSTOP');
  if (!stopped.ok) return { ok: false, message: stopped.message };
  await delay(faultTiming.shortStopMs);
  const continued = await send(target, 'SIGCONT');
  const pauseMs = Date.now() - started;
  // A plugin left stopped is killed by hale: one restart then.
  if (!continued.ok) return { ok: false, message: `${continued.message} (after SIGSTOP; the plugin stays stopped)` };
  const certain = pauseMs <= faultTiming.shortStopCertainMs;
  return {
    ok: true,
    injected: { kind: 'sigstop-short', pid: stopped.pid, restarts: { min: 0, max: certain ? 0 : 1 }, endsAt: Date.now(), pauseMs },
  };
};

// The marker makes the next start print a bad handshake line; the kill makes that start happen.
const failNextHandshake = async (target: FaultTarget): Promise<Injection> => {
  const marker = join(target.faultDir, 'bad-handshake');
  writeFileSync(marker, '');
  const killed = await send(target, 'SIGKILL');
  if (killed.ok) return { ok: true, injected: { kind: 'bad-handshake', pid: killed.pid, restarts: exactly(2), endsAt: Date.now() } };
  rmSync(marker, { force: true });
  return { ok: false, message: killed.message };
};

// Where the manual request lands: a little into the reload (while it reads the file), or in its stop of the old process.
const raceDelaysMs = [0, 5, 20] as const;
// A reload reads the file off the event loop; on a loaded machine that can take seconds.
const reloadTimeoutMs = 20_000;
let races = 0;

/** The plugin's config changed on disk, POST /config/reload, and a restart or start of it sent while the reload runs. */
const raceReload = async (target: FaultTarget): Promise<Injection> => {
  const round = races++;
  const action = round % 2 === 0 ? 'restart' : 'start';
  const inStop = round % 4 >= 2;
  target.bumpConfig();
  const stopSeen = inStop ? target.nextReloadStop(reloadTimeoutMs) : null;
  const reloading = postRoute(target.baseUrl, '/config/reload', reloadTimeoutMs);
  if (stopSeen === null) await delay(raceDelaysMs[round % raceDelaysMs.length] ?? 0);
  else await stopSeen;
  const controlled = postRoute(target.baseUrl, `/plugins/${encodeURIComponent(target.plugin)}/${action}`, reloadTimeoutMs);
  const [reloaded, answered] = await Promise.all([reloading, controlled]);
  if (!reloaded.ok) return { ok: false, message: reloaded.message };
  if (!answered.ok) return { ok: false, message: `${answered.message} (racing a reload)` };
  // The new runner counts from 0; a restart that reached it is its one restart, a start or one that reached the old runner none.
  return { ok: true, injected: { kind: 'reload-race', pid: 0, restarts: { min: 0, max: 1 }, endsAt: Date.now(), rebase: true } };
};

/**
 * Injects one fault into a running plugin through POST /plugins/NAME/signal
 * and says how many restarts it must cause:
 * - sigkill: 1 (the crash);
 * - sigstop-hold: 1 (no SIGCONT: hale finds it silent after
 *   failureThreshold checks and kills it);
 * - sigstop-short: 0 (a pause far shorter than checkTimeout);
 * - health-flip: 1 (SIGUSR1: flaky reports UNHEALTHY until restarted);
 * - slow-answers: 0 (SIGUSR2: answers slower than degradedLatency, within
 *   checkTimeout, for a spell: degraded, then healthy);
 * - bad-handshake: 2 (the kill, then the start that prints a bad line);
 * - reload-race: the plugin's config is changed and reloaded while a restart
 *   or start of it is in flight: a new runner, 0 or 1 restarts counted
 *   afresh (see Injected.rebase). Only the invariant check can see what a
 *   lost race would leave: a second process nobody reports.
 *
 * @example
 * const injection = await injectFault('sigkill', { baseUrl, plugin: 'flaky-01', faultDir });
 * if (injection.ok) injection.injected.restarts; // { min: 1, max: 1 }
 */
export const injectFault = (kind: FaultKind, target: FaultTarget): Promise<Injection> => {
  switch (kind) {
    case 'sigkill':
      return single(target, kind, 'SIGKILL', 1);
    case 'sigstop-hold':
      return single(target, kind, 'SIGSTOP', 1);
    case 'sigstop-short':
      return stopShortly(target);
    case 'health-flip':
      return single(target, kind, 'SIGUSR1', 1);
    case 'slow-answers':
      return single(target, kind, 'SIGUSR2', 0, faultTiming.slowForMs);
    case 'bad-handshake':
      return failNextHandshake(target);
    case 'reload-race':
      return raceReload(target);
  }
};
