import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { groupHasLiveMembers } from './process-group.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/**
 * A running plugin process, leader of its own process group so that a stop
 * reaches everything it forked. The only place hale talks to execa.
 */
export interface PluginProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves as soon as the process has exited (not when its pipes close). */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, once it has. */
  exitInfo(): ExitInfo | null;
  /** Sends a signal to the whole process group; false when nothing was there to get it. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** True while any process of the group runs (zombies aside), the leader's children included. */
  groupAlive(): boolean;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the plugin; nothing is inherited besides. */
  env: Record<string, string>;
}

export type SpawnResult =
  | { ok: true; process: PluginProcess }
  | { ok: false; code: string; message: string };

/**
 * Starts a plugin: an argument array (never a shell), its own process group,
 * stdin kept open as a pipe (a plugin exits when it closes: its parent is gone).
 *
 * @example
 * const spawned = await spawnPlugin({ command: 'node', args: ['main.js'], cwd: '/srv', env: {} });
 * if (spawned.ok) spawned.process.signalGroup('SIGTERM');
 */
export const spawnPlugin = async (options: SpawnOptions): Promise<SpawnResult> => {
  const subprocess = execa(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    // Its own process group (setsid), so a stop reaches every process it forked.
    detached: true,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
  });
  // execa settles once the pipes close too; exit is read from the 'exit' event instead.
  void subprocess.catch(() => undefined);

  const spawned = await new Promise<{ ok: true } | { ok: false; code: string; message: string }>((resolve) => {
    subprocess.once('spawn', () => resolve({ ok: true }));
    subprocess.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, code: error.code ?? 'UNKNOWN', message: describeSpawnError(options.command, options.cwd, error) }),
    );
  });
  const { pid, stdout, stderr, stdin } = subprocess;
  if (!spawned.ok || pid === undefined || stdout === null || stderr === null) {
    return spawned.ok ? { ok: false, code: 'UNKNOWN', message: `could not start ${options.command}` } : spawned;
  }
  // A write to a plugin that is gone is not our error to throw.
  stdin?.on('error', () => undefined);

  let exit: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  };

  return {
    ok: true,
    process: {
      pid,
      stdout,
      stderr,
      exited,
      exitInfo: () => exit,
      signalGroup,
      groupAlive: () => groupHasLiveMembers(pid),
    },
  };
};

const describeSpawnError = (command: string, cwd: string, error: NodeJS.ErrnoException): string => {
  switch (error.code) {
    case 'ENOENT':
      // spawn says ENOENT for a missing cwd too; tell the two apart.
      return existsSync(cwd) ? `command not found: ${command} (not on PATH)` : `the working directory does not exist: ${cwd}`;
    case 'EACCES':
      return `permission denied: ${command} is not executable`;
    default:
      return `could not start ${command}: ${error.message}`;
  }
};

/** "exit code 1", "killed by SIGKILL": how a process ended, in words. */
export const describeExit = ({ code, signal }: ExitInfo): string =>
  signal !== null ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
