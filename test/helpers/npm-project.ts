import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogged, stopAllHale, type HaleProcess, type LogLine } from './hale-process.js';
import { runToEnd, type Ran } from './run-to-end.js';

export type { Ran } from './run-to-end.js';

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
  runToEnd(command, args, { cwd, env: npmEnv(), timeoutMs });

/** The written supervisor.yaml with free ports (API and gRPC on 0), so tests run side by side; nothing else changes. */
export const freeScaffoldPorts = (project: string): void => {
  const file = join(project, 'supervisor.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('port: 8080', 'port: 0').replace('127.0.0.1:50051', '127.0.0.1:0'));
};

/** `npm start` in `cwd`, hale's JSON log lines parsed as they come (npm's own banner lines are kept as text). */
export const startNpmStart = (cwd: string): HaleProcess => startLogged('npm', ['start'], { cwd, env: npmEnv() });

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
  await stopAllHale();
};

/**
 * The walk a new user takes in a scaffold: `npm install`, `npm start`, the plugin healthy,
 * then SIGTERM to npm's pid as a service manager sends it. Returns what it saw, for the test to judge.
 */
export const walkScaffold = async (
  project: string,
  plugin: string,
  whileHealthy: (url: string) => Promise<void> = async () => {},
): Promise<{
  install: Ran;
  healthy: LogLine;
  halePid: number;
  exited: { code: number | null; signal: NodeJS.Signals | null };
  haleGone: boolean;
}> => {
  const install = await runCommand('npm', ['install'], project);
  if (install.code !== 0) throw new Error(`npm install failed (${install.code}):\n${install.stdout}\n${install.stderr}`);
  const start = startNpmStart(project);
  const listening = await start.line((l) => typeof l.api === 'string', 60_000);
  const halePid = Number(listening.pid);
  try {
    const healthy = await start.line((l) => l.event === 'transition' && l.plugin === plugin && l.to === 'healthy', 90_000);
    await whileHealthy(String(listening.api));
    start.child.kill('SIGTERM');
    const exited = await Promise.race([
      start.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('npm start outlived SIGTERM by 30 s')), 30_000)),
    ]);
    const haleGone = await waitGone(halePid, 10_000);
    return { install, healthy, halePid, exited, haleGone };
  } finally {
    await stopAllNpmStarts([halePid]);
  }
};
