import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogLine } from './hale-process.js';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

// npm as a user runs it, minus the network chatter: packages come from the cache when it has them.
const npmEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  HALE_API_TOKEN: '',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_prefer_offline: 'true',
  npm_config_update_notifier: 'false',
});

/** Runs `command args` in `cwd` to its end (SIGKILL after `timeoutMs`), with npm's network chatter off. */
export const runCommand = (command: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: npmEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** The written supervisor.yaml with free ports (API and gRPC on 0), so tests run side by side; nothing else changes. */
export const freeScaffoldPorts = (project: string): void => {
  const file = join(project, 'supervisor.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('port: 8080', 'port: 0').replace('127.0.0.1:50051', '127.0.0.1:0'));
};

export interface NpmStart {
  child: ChildProcessWithoutNullStreams;
  lines: LogLine[];
  output: () => string;
  line(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** `npm start` in `cwd`, hale's JSON log lines parsed as they come (npm's own banner lines are kept as text). */
export const startNpmStart = (cwd: string): NpmStart => {
  const child = spawn('npm', ['start'], { cwd, env: npmEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const lines: LogLine[] = [];
  let text = '';
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  createInterface({ input: child.stdout }).on('line', (raw) => {
    text += `${raw}\n`;
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.match(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    output: () => text,
    exited,
    line: (match, timeoutMs) => {
      const past = lines.find(match);
      if (past !== undefined) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching log line within ${timeoutMs} ms; npm start said:\n${text.slice(-3000)}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
};

/** True while a process with this pid exists. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits (bounded) until `pid` is gone; false when it outlived `timeoutMs`. */
export const waitGone = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
};

/** Ends what `startNpmStart` started and is still there: npm by its pid, and the hale pids given (a hale npm left behind). */
export const stopAllNpmStarts = async (halePids: number[] = []): Promise<void> => {
  for (const pid of halePids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
};

/**
 * The walk a new user takes in a scaffold: `npm install`, `npm start`, the plugin healthy,
 * then SIGTERM to npm's pid as a service manager sends it. Returns what it saw, for the test to judge.
 */
export const walkScaffold = async (
  project: string,
  plugin: string,
  whileHealthy: (url: string) => Promise<void> = async () => {},
): Promise<{ install: Ran; healthy: LogLine; halePid: number; exited: { code: number | null; signal: NodeJS.Signals | null }; haleGone: boolean }> => {
  const install = await runCommand('npm', ['install'], project);
  if (install.code !== 0) throw new Error(`npm install failed (${install.code}):\n${install.stdout}\n${install.stderr}`);
  const start = startNpmStart(project);
  const listening = await start.line((l) => typeof l.api === 'string', 60_000);
  const halePid = Number(listening.pid);
  try {
    const healthy = await start.line((l) => l.event === 'transition' && l.plugin === plugin && l.to === 'healthy', 90_000);
    await whileHealthy(String(listening.api));
    start.child.kill('SIGTERM');
    const exited = await Promise.race([start.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('npm start outlived SIGTERM by 30 s')), 30_000))]);
    const haleGone = await waitGone(halePid, 10_000);
    return { install, healthy, halePid, exited, haleGone };
  } finally {
    await stopAllNpmStarts([halePid]);
  }
};
