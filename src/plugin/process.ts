import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { execa, type Options, type ResultPromise } from 'execa';
import { isCgroupPopulated, signalCgroup, withCgroup } from './cgroup.js';
import { instanceMarkVariable } from './instance-mark.js';
import { findSetpriv, supportsPdeathsig, withParentDeath } from './parent-death.js';
import { findMarkedPids, groupHasLiveMembers } from './process-group.js';
import { resolveCommand } from './resolve-command.js';
import { isRunning, readProcStat, readStartTime, type ProcStat } from '../state/proc-stat.js';

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

/** What marks and holds every process of one plugin generation, forks included. */
export interface SpawnContainment {
  /** The HALE_INSTANCE value (`<runId>/<plugin>/<generation>`); a fork inherits it. */
  mark: string;
  /** The plugin's own cgroup v2 directory, which the process enters before it runs; null without. */
  cgroup: string | null;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the plugin; nothing is inherited besides. */
  env: Record<string, string>;
  /** The mark put in its environment, and the cgroup it runs in. */
  containment?: SpawnContainment | null;
}

export type SpawnResult =
  | { ok: true; process: PluginProcess }
  | { ok: false; code: string; message: string };

type SpawnFailure = { ok: false; code: string; message: string };

let setprivProbe: Promise<string | null> | undefined;

/** The setpriv that knows --pdeathsig, looked for once per supervisor; null where there is none. */
const findParentDeathLauncher = (): Promise<string | null> => {
  setprivProbe ??= (async () => {
    const setpriv = findSetpriv(process.platform, process.env.PATH);
    if (setpriv === null) return null;
    const help = await execa(setpriv, ['--help'], { reject: false, timeout: 2_000, stdin: 'ignore', stderr: 'ignore' });
    return help.exitCode === 0 && supportsPdeathsig(String(help.stdout)) ? setpriv : null;
  })();
  return setprivProbe;
};

const shell = '/bin/sh';

/**
 * The command line to spawn: in the plugin's cgroup (a shell that enters it
 * and execs the rest) where it has one, under setpriv with a parent-death
 * signal where it can, else the command as given. Each step execs the next:
 * the pid is the plugin's own.
 */
const planCommand = async (options: SpawnOptions): Promise<{ ok: true; command: string; args: string[] } | SpawnFailure> => {
  const setpriv = await findParentDeathLauncher();
  const cgroup = options.containment?.cgroup ?? null;
  if (setpriv === null && cgroup === null) return { ok: true, command: options.command, args: options.args };
  // A launcher execs the command itself; finding it first keeps a missing or non-executable one our clear spawn error.
  const found = resolveCommand(options.command, { cwd: options.cwd, path: options.env.PATH });
  if (!found.ok) {
    const error = Object.assign(new Error(found.code), { code: found.code });
    return { ok: false, code: found.code, message: describeSpawnError(options.command, options.cwd, error) };
  }
  const inner = setpriv === null ? { command: found.path, args: options.args } : withParentDeath(setpriv, found.path, options.args);
  return { ok: true, ...(cgroup === null ? inner : withCgroup(shell, cgroup, inner.command, inner.args)) };
};

/** The plugin's environment with its mark first (a bounded read of /proc/PID/environ finds it soonest); hale's mark wins. */
const markEnvironment = (env: Record<string, string>, containment: SpawnContainment | null): Record<string, string> => {
  if (containment === null) return env;
  const rest = { ...env };
  delete rest[instanceMarkVariable];
  return { [instanceMarkVariable]: containment.mark, ...rest };
};

/** Resolves once the subprocess has started or failed to. */
const awaitSpawn = (subprocess: ResultPromise, command: string, cwd: string): Promise<{ ok: true } | SpawnFailure> => {
  // execa settles once the pipes close too; exit is read from the 'exit' event instead.
  void subprocess.catch(() => undefined);
  return new Promise((resolve) => {
    subprocess.once('spawn', () => resolve({ ok: true }));
    subprocess.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, code: error.code ?? 'UNKNOWN', message: describeSpawnError(command, cwd, error) }),
    );
  });
};

const watchExit = (subprocess: ResultPromise): { exited: Promise<ExitInfo>; exitInfo: () => ExitInfo | null } => {
  let exit: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  return { exited, exitInfo: () => exit };
};

const signalTarget = (target: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
};

const commonOptions = (options: SpawnOptions) =>
  ({
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    // Its own process group (setsid), so a stop reaches every process it forked.
    detached: true,
    buffer: false,
    reject: false,
    cleanup: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
  }) satisfies Options;

/**
 * Starts a plugin: an argument array (never a shell), its own process group,
 * stdin kept open as a pipe (a plugin exits when it closes: its parent is gone),
 * and on Linux with setpriv, SIGTERM as its parent-death signal.
 *
 * @example
 * const spawned = await spawnPlugin({ command: 'node', args: ['main.js'], cwd: '/srv', env: {} });
 * if (spawned.ok) spawned.process.signalGroup('SIGTERM');
 */
export const spawnPlugin = async (options: SpawnOptions): Promise<SpawnResult> => {
  const containment = options.containment ?? null;
  const plan = await planCommand(options);
  if (!plan.ok) return plan;
  const subprocess = execa(plan.command, plan.args, {
    ...commonOptions({ ...options, env: markEnvironment(options.env, containment) }),
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const spawned = await awaitSpawn(subprocess, options.command, options.cwd);
  const { pid, stdout, stderr, stdin } = subprocess;
  if (!spawned.ok || pid === undefined || stdout === null || stderr === null) {
    return spawned.ok ? { ok: false, code: 'UNKNOWN', message: `could not start ${options.command}` } : spawned;
  }
  // A write to a plugin that is gone is not our error to throw.
  stdin?.on('error', () => undefined);
  const { exited, exitInfo } = watchExit(subprocess);
  const leaderStart = readStartTime(pid);
  // The group's number is free again once the group is empty; a live process holding it with another start time is someone else's.
  const stillOurs = (): boolean => {
    const holder = readStartTime(pid);
    return holder === null || leaderStart === null || holder === leaderStart;
  };
  // Beyond the group: the cgroup holds every fork; the mark finds those that left the group (setsid).
  // A look for the mark reads every /proc/PID/environ: what it found is remembered, and looked at again first.
  let marked: ProcStat[] = [];
  const findMarked = (mark: string): number[] => {
    marked = findMarkedPids(mark).flatMap((target) => readProcStat(target) ?? []);
    return marked.map((stat) => stat.pid);
  };
  const markedStillRun = (): boolean =>
    marked.some((known) => {
      const now = readProcStat(known.pid);
      return now !== null && isRunning(now) && now.startTime === known.startTime;
    });
  // With a cgroup, it holds every fork already: the walk through every /proc/PID/environ is left to the watchdog and the next start.
  const signalContained = (signal: NodeJS.Signals): boolean => {
    if (containment === null) return false;
    if (containment.cgroup !== null) return signalCgroup(containment.cgroup, signal);
    return findMarked(containment.mark).filter((target) => signalTarget(target, signal)).length > 0;
  };
  const containedAlive = (): boolean => {
    if (containment === null) return false;
    if (containment.cgroup !== null) return isCgroupPopulated(containment.cgroup);
    return markedStillRun() || findMarked(containment.mark).length > 0;
  };
  return {
    ok: true,
    process: {
      pid,
      stdout,
      stderr,
      exited,
      exitInfo,
      containment,
      signalGroup: (signal) => {
        const group = stillOurs() && signalTarget(-pid, signal);
        return signalContained(signal) || group;
      },
      groupAlive: () => (stillOurs() && groupHasLiveMembers(pid)) || containedAlive(),
    },
  };
};

/** A helper process of the supervisor itself (the watchdog), talked to over its stdin. */
export interface HelperProcess {
  readonly pid: number;
  readonly stdin: Writable;
  readonly exited: Promise<ExitInfo>;
  exitInfo(): ExitInfo | null;
  /** Sends a signal to the helper alone; false when it was not there to get it. */
  kill(signal: NodeJS.Signals): boolean;
}

export type HelperSpawnResult = { ok: true; process: HelperProcess } | SpawnFailure;

/**
 * Starts a helper that must outlive the supervisor's death: its own process
 * group and session (so a Ctrl-C or a hangup of the terminal does not reach
 * it), no parent-death signal, stdin a pipe from us, stdout ignored and
 * stderr shared with ours.
 *
 * @example
 * const spawned = await spawnHelper({ command: process.execPath, args: ['dist/watchdog/main.js'], cwd: '/', env: {} });
 * if (spawned.ok) spawned.process.stdin.end();
 */
export const spawnHelper = async (options: SpawnOptions): Promise<HelperSpawnResult> => {
  const subprocess = execa(options.command, options.args, { ...commonOptions(options), stdin: 'pipe', stdout: 'ignore', stderr: 'inherit' });
  const spawned = await awaitSpawn(subprocess, options.command, options.cwd);
  const { pid, stdin } = subprocess;
  if (!spawned.ok || pid === undefined || stdin === null) {
    return spawned.ok ? { ok: false, code: 'UNKNOWN', message: `could not start ${options.command}` } : spawned;
  }
  // A write to a helper that is gone is seen on its exit, not thrown here.
  stdin.on('error', () => undefined);
  const { exited, exitInfo } = watchExit(subprocess);
  return { ok: true, process: { pid, stdin, exited, exitInfo, kill: (signal) => signalTarget(pid, signal) } };
};

/** An execa output transform that passes on the first `max` bytes and drops the rest, reading it all the same. */
const keepFirstBytes = (max: number) => {
  let kept = 0;
  return {
    binary: true,
    *transform(chunk: unknown) {
      if (!(chunk instanceof Uint8Array) || kept >= max) return;
      const part = chunk.subarray(0, max - kept);
      kept += part.byteLength;
      yield part;
    },
  };
};

export interface CommandOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the command; nothing is inherited besides. */
  env: Record<string, string>;
  timeoutMs: number;
  /** What is kept of stdout, and of stderr, in bytes. */
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export type CommandResult =
  | { ok: true; code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }
  | { ok: false; message: string };

/**
 * Runs a short command to its end (a check, not a plugin): an argument array,
 * never a shell, no stdin, SIGKILL to the process at `timeoutMs` or when
 * `signal` aborts, at most `maxOutputBytes` of each stream kept.
 *
 * @example
 * const result = await runCommand({ command: 'pg_isready', args: ['-q'], cwd: '/', env: { PATH: '/usr/bin' }, timeoutMs: 2_000, maxOutputBytes: 16_384 });
 * if (result.ok && result.code === 0) console.log(result.stdout);
 */
export const runCommand = async (options: CommandOptions): Promise<CommandResult> => {
  const result = await execa(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    stdin: 'ignore',
    // maxBuffer alone closes the pipe at the limit, and a chatty command then dies of EPIPE; this reads on and keeps the start.
    stdout: keepFirstBytes(options.maxOutputBytes),
    stderr: keepFirstBytes(options.maxOutputBytes),
    encoding: 'buffer',
    reject: false,
    // execa reads 0 as no timeout at all.
    timeout: Math.max(1, options.timeoutMs),
    killSignal: 'SIGKILL',
    forceKillAfterDelay: false,
    maxBuffer: options.maxOutputBytes,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  });
  // Neither an exit code nor a signal: it never ran.
  if (result.exitCode === undefined && result.signal === undefined) {
    const cause = result.cause;
    const message =
      cause instanceof Error && 'code' in cause
        ? describeSpawnError(options.command, options.cwd, cause as NodeJS.ErrnoException)
        : `could not start ${options.command}: ${String(result.shortMessage)}`;
    return { ok: false, message };
  }
  const text = (bytes: Uint8Array | undefined): string => (bytes === undefined ? '' : Buffer.from(bytes).toString('utf8'));
  return {
    ok: true,
    code: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: text(result.stdout),
    stderr: text(result.stderr),
    timedOut: result.timedOut,
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
