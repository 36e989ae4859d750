import type { Writable } from 'node:stream';
import { signalProcess, startProcess, type ExitInfo, type StartFailure } from '../process/run-process.js';

/** The watchdog process as the supervisor holds it: talked to over its stdin. */
export interface WatchdogProcess {
  readonly pid: number;
  readonly stdin: Writable;
  readonly exited: Promise<ExitInfo>;
  exitInfo(): ExitInfo | null;
  /** Sends a signal to the watchdog alone; false when it was not there to get it. */
  kill(signal: NodeJS.Signals): boolean;
}

export type WatchdogSpawnResult = { ok: true; process: WatchdogProcess } | StartFailure;

/**
 * Starts the watchdog program, which must outlive the supervisor's death:
 * its own process group and session (so a Ctrl-C or a hangup of the
 * terminal does not reach it), no parent-death signal, stdin a pipe from
 * us, stdout ignored and stderr shared with ours.
 *
 * @example
 * const args = ['dist/containment/hale-watchdog.sh', process.execPath, 'dist/containment/watchdog-main.js'];
 * const spawned = await spawnWatchdog({ command: '/bin/sh', args, cwd: '/', env: {} });
 * if (spawned.ok) spawned.process.stdin.end();
 */
export const spawnWatchdog = async (options: {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}): Promise<WatchdogSpawnResult> => {
  const started = await startProcess({ ...options, stdin: 'pipe', stdout: 'ignore', stderr: 'inherit' });
  if (!started.ok) return started;
  const { pid, stdin, exited, exitInfo } = started.process;
  return { ok: true, process: { pid, stdin, exited, exitInfo, kill: (signal) => signalProcess(pid, signal) } };
};
