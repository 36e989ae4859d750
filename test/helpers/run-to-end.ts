import { spawn } from 'node:child_process';
import { cliMain } from './paths.js';

/** What a program that ran to its end said, and how it ended. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` to its end, collecting its output; SIGKILL after
 * `timeoutMs`, so a test never waits for ever.
 *
 * @example
 * const { code, stdout } = await runToEnd('npm', ['pack', '--json'], { cwd: repoRoot });
 */
export const runToEnd = (
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/**
 * Runs `hale ARGS` (the built CLI) to its end, with HALE_URL, HALE_API_TOKEN
 * and HALE_API_PORT cleared unless `env` gives them.
 *
 * @example
 * const { code } = await runHaleCli(['status'], { cwd: dir, env: { HALE_URL: url } });
 */
export const runHaleCli = (args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Ran> =>
  runToEnd(process.execPath, [cliMain, ...args], {
    cwd: options.cwd,
    env: { ...process.env, HALE_URL: '', HALE_API_TOKEN: '', HALE_API_PORT: '', ...options.env },
    timeoutMs: options.timeoutMs ?? 60_000,
  });
