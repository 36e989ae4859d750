import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cliMain, readHaleNodeFlags, repoRoot } from './paths.js';

export type LogLine = Record<string, unknown> & { msg?: string; plugin?: string; event?: string };

/** `hale` run as users run it: `node dist/cli.js ...`, its JSON log lines parsed as they come. */
export interface HaleProcess {
  child: ChildProcessWithoutNullStreams;
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (past or future) that matches, or rejects with the last lines after `timeoutMs`. */
  line(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcessWithoutNullStreams>();

/**
 * Runs `command args` whose stdout is hale's JSON log (hale itself, or `npm start` running it), parsing lines as they
 * come; a line that is not JSON (npm's banner) is kept as `{msg, unparsed: true}`. `stopAllHale` ends it.
 *
 * @example
 * const npm = startLogged('npm', ['start'], { cwd: project, env: process.env });
 */
export const startLogged = (command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): HaleProcess => {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  const lines: LogLine[] = [];
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, unparsed: true };
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
      started.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    line: (match, timeoutMs = 10_000) => {
      const past = lines.find(match);
      if (past !== undefined) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const tail = lines
            .slice(-10)
            .map((l) => JSON.stringify(l))
            .join('\n  ');
          reject(new Error(`no matching log line within ${timeoutMs} ms; the last lines:\n  ${tail}\nstderr: ${stderr}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
};

/**
 * `hale ARGS` as users run it: `node FLAGS dist/cli.js ARGS` with the flags of its shebang (or `nodeFlags`), in `cwd`,
 * with `env` over this process's environment.
 */
export const startHale = (
  args: string[],
  env: Record<string, string> = {},
  cwd: string = repoRoot,
  nodeFlags: string[] = readHaleNodeFlags(),
): HaleProcess => startLogged(process.execPath, [...nodeFlags, cliMain, ...args], { cwd, env: { ...process.env, ...env } });

/** Ends every hale this test file started and is still running, by pid. */
export const stopAllHale = async (): Promise<void> => {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
};
