import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { execa, type Options, type ResultPromise } from 'execa';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** A failure to start a process, in words that name the command or the directory at fault. */
export type StartFailure = { ok: false; code: string; message: string };

/** Where the standard streams of a started process go: a pipe to us, nowhere, or our own. */
export type StreamRoute = 'pipe' | 'ignore' | 'inherit';

export interface StartOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the process; nothing is inherited besides. */
  env: Record<string, string>;
  stdin: 'pipe';
  stdout: StreamRoute;
  stderr: StreamRoute;
  /** The command an error names, when `command` is a launcher that execs it; `command` by default. */
  shownCommand?: string;
}

/** A process started in its own process group and session; streams are null unless piped. */
export interface StartedProcess {
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves as soon as the process has exited (not when its pipes close). */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, once it has. */
  exitInfo(): ExitInfo | null;
}

export type StartResult = { ok: true; process: StartedProcess } | StartFailure;

/**
 * Why `command` could not start, in words: a missing command and a missing
 * working directory (both ENOENT to spawn) told apart.
 *
 * @example
 * describeSpawnError('nope', '/srv', Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT' })); // 'command not found: nope (not on PATH)'
 */
export const describeSpawnError = (command: string, cwd: string, error: NodeJS.ErrnoException): string => {
  switch (error.code) {
    case 'ENOENT':
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

/**
 * Sends a signal to a pid, or to a process group as `-pgid`; false when nothing was there to get it.
 *
 * @example
 * signalProcess(-4242, 'SIGTERM'); // the whole group led by 4242
 */
export const signalProcess = (target: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once the subprocess has started or failed to. */
const awaitSpawn = (subprocess: ResultPromise, command: string, cwd: string): Promise<{ ok: true } | StartFailure> => {
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

/**
 * Starts a long-lived process: an argument array (never a shell), its own
 * process group and session (setsid), its environment exactly `env`, stdin a
 * pipe from us. The one place hale starts a process with execa.
 *
 * @example
 * const started = await startProcess({ command: 'node', args: ['main.js'], cwd: '/srv', env: {}, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
 * if (started.ok) started.process.stdin.end();
 */
export const startProcess = async (options: StartOptions): Promise<StartResult> => {
  const subprocess = execa(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    // Its own process group (setsid), so a signal to the group reaches every process it forked.
    detached: true,
    buffer: false,
    reject: false,
    cleanup: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
    stdin: options.stdin,
    stdout: options.stdout,
    stderr: options.stderr,
  } satisfies Options);
  const shown = options.shownCommand ?? options.command;
  const spawned = await awaitSpawn(subprocess, shown, options.cwd);
  const { pid, stdin, stdout, stderr } = subprocess;
  const missingPipe = (route: StreamRoute, stream: Readable | null): boolean => route === 'pipe' && stream === null;
  if (!spawned.ok || pid === undefined || stdin === null || missingPipe(options.stdout, stdout) || missingPipe(options.stderr, stderr)) {
    return spawned.ok ? { ok: false, code: 'UNKNOWN', message: `could not start ${shown}` } : spawned;
  }
  // A write to a process that is gone is seen on its exit, not thrown here.
  stdin.on('error', () => undefined);
  const { exited, exitInfo } = watchExit(subprocess);
  return { ok: true, process: { pid, stdin, stdout, stderr, exited, exitInfo } };
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
 * Runs a short command to its end (a check, a look at a tool; not a plugin):
 * an argument array, never a shell, no stdin, SIGKILL to the process at
 * `timeoutMs` or when `signal` aborts, at most `maxOutputBytes` of each
 * stream kept.
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
