import type { Readable } from 'node:stream';
import { planContainedCommand, watchContainedProcesses, type RunAs, type SpawnContainment } from '../containment/contain-plugin.js';
import { startProcess, type ExitInfo, type StartFailure, type StartResult } from '../process/run-process.js';
import { createTurnQueue } from '../util/turn-queue.js';

/**
 * A running plugin process, leader of its own process group so that a stop
 * reaches everything it forked.
 */
export interface PluginProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves as soon as the process has exited (not when its pipes close). */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, once it has. */
  exitInfo(): ExitInfo | null;
  /**
   * Sends a signal to the whole process group and, with a containment, to
   * every process of the plugin's cgroup and every process with its mark
   * (forks in a session of their own); false when nothing was there to get it.
   */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** True while any process of the group, the cgroup or the mark runs (zombies aside). */
  groupAlive(): boolean;
  /** What holds the plugin's processes together besides its process group; null without. */
  readonly containment: SpawnContainment | null;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the plugin; nothing is inherited besides. */
  env: Record<string, string>;
  /** The mark put in its environment, and the cgroup it runs in. */
  containment?: SpawnContainment | null;
  /** The user and group it runs as; hale's own when absent. */
  runAs?: RunAs | null;
  /** Aborted while the spawn waits for its turn: nothing is spawned. */
  signal?: AbortSignal;
}

export type SpawnResult = { ok: true; process: PluginProcess } | StartFailure;

// One queue for the whole process: a spawn blocks hale until the child execs, and hundreds of them in one turn left
// every handshake, check answer and PING ACK unread until the last, while the timers waiting for them ran out.
const spawns = createTurnQueue();

/**
 * Starts a plugin: an argument array (never a shell), its own process group,
 * stdin kept open as a pipe (a plugin exits when it closes: its parent is gone),
 * and on Linux with setpriv, SIGTERM as its parent-death signal. Spawns take
 * turns: one per event-loop turn, so the I/O of plugins already started is
 * read between two of them.
 *
 * @example
 * const spawned = await spawnPlugin({ command: 'node', args: ['main.js'], cwd: '/srv', env: {} });
 * if (spawned.ok) spawned.process.signalGroup('SIGTERM');
 */
export const spawnPlugin = async (options: SpawnOptions): Promise<SpawnResult> => {
  const containment = options.containment ?? null;
  const plan = await planContainedCommand(options, containment);
  if (!plan.ok) return plan;
  const started = await spawns.run((): Promise<StartResult> | StartFailure =>
    options.signal?.aborted === true
      ? { ok: false, code: 'ABORT_ERR', message: `the start of ${options.command} was called off before it was spawned` }
      : startProcess({ ...plan, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', shownCommand: options.command }),
  );
  if (!started.ok) return started;
  const { pid, stdout, stderr, exited, exitInfo } = started.process;
  if (stdout === null || stderr === null) return { ok: false, code: 'UNKNOWN', message: `could not start ${options.command}` };
  return { ok: true, process: { pid, stdout, stderr, exited, exitInfo, containment, ...watchContainedProcesses(pid, containment) } };
};
