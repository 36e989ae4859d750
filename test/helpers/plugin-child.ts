import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCookie } from '../../src/protocol.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A plugin process started the way a supervisor starts one, with what it printed so far. */
export interface PluginChild {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** The first line on stdout (the handshake), or a rejection saying the process exited first. */
  firstLine: Promise<string>;
  /** Everything on stderr so far. */
  stderr: () => string;
  /** Resolves with the first stderr line that contains `text`. */
  stderrLine: (text: string) => Promise<string>;
  exited: Promise<Exit>;
}

const started = new Set<ChildProcessWithoutNullStreams>();
const dirs = new Set<string>();

/** Races `promise` against `ms`; the rejection names what was awaited. */
export const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

/** A fresh private (0700) socket directory, removed by `cleanUp`. */
export const makeSocketDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-sdk-'));
  dirs.add(dir);
  return dir;
};

/** The environment a supervisor gives a plugin: the cookie and, unless null, the socket dir. */
export const pluginEnv = (socketDir: string | null, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  [defaultCookie.key]: defaultCookie.value,
  ...(socketDir === null ? {} : { HALE_PLUGIN_SOCKET_DIR: socketDir }),
  ...extra,
});

/** Starts `node main args` with stdin, stdout and stderr as pipes, as a supervisor does. */
export const startPluginChild = (main: string, args: string[], env: Record<string, string>): PluginChild => {
  const child = spawn(process.execPath, [main, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  child.stdin.on('error', () => undefined);
  let stderr = '';
  const watchers: Array<{ text: string; resolve: (line: string) => void }> = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const watcher of [...watchers]) {
      const line = stderr.split('\n').find((l) => l.includes(watcher.text));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    }
  });
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exited.then((exit) => reject(new Error(`exited (${JSON.stringify(exit)}) before a line on stdout; stderr:\n${stderr}`)));
  });
  firstLine.catch(() => undefined);
  const stderrLine = (text: string): Promise<string> =>
    new Promise((resolve) => {
      const line = stderr.split('\n').find((l) => l.includes(text));
      if (line !== undefined) resolve(line);
      else watchers.push({ text, resolve });
    });
  if (child.pid === undefined) throw new Error(`could not start ${main}`);
  return { child, pid: child.pid, firstLine, stderr: () => stderr, stderrLine, exited };
};

/** Kills (by pid) every process started here that is still running, and removes the socket dirs. */
export const cleanUp = async (): Promise<void> => {
  const running = [...started].filter((child) => child.exitCode === null && child.signalCode === null);
  started.clear();
  await Promise.all(
    running.map((child) => {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        // It exited between the check and the kill.
      }
      return within(gone, 5_000, `exit of pid ${child.pid}`);
    }),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
};
