import { describeExit, runCommand, type CommandResult } from '../process/run-process.js';
import type { ExecProbeSpec } from './probe-spec.js';
import { cutText, failVerdict, passVerdict, type AttemptOptions, type ProbeVerdict } from './probe-verdict.js';

/** What is kept of the command's stdout, and of its stderr. */
export const maxOutputBytes = 16 * 1024;

// The message holds one line of the output, cut to this.
const maxLineLength = 200;

/**
 * Runs the command (never through a shell) and judges its exit: 0 passes,
 * anything else fails with `exit_code`; the first line it printed is the
 * message. Killed with SIGKILL at the deadline.
 *
 * @example
 * const verdict = await runExecProbe(
 *   { protocol: 'exec', command: 'pg_isready', args: ['-h', '127.0.0.1'], cwd: '/', env: {} },
 *   { timeoutMs: 2_000 },
 * );
 * verdict.message; // '127.0.0.1:5432 - accepting connections'
 */
export const runExecProbe = async (spec: ExecProbeSpec, options: AttemptOptions): Promise<ProbeVerdict> => {
  const result = await runCommand({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: { ...inheritedEnv(), ...spec.env },
    timeoutMs: options.timeoutMs,
    maxOutputBytes,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (options.signal?.aborted === true) return failVerdict('unavailable', 'check cancelled');
  return judgeCommandResult(result, options.timeoutMs);
};

/** The verdict on how a command ended. */
export const judgeCommandResult = (result: CommandResult, timeoutMs: number): ProbeVerdict => {
  if (!result.ok) return failVerdict('unavailable', result.message);
  const line = readFirstLine(result.stdout) ?? readFirstLine(result.stderr);
  const said = line === null ? '' : `: ${line}`;
  if (result.timedOut) return failVerdict('deadline', `no exit within ${timeoutMs} ms, killed${said}`);
  if (result.code === 0) return passVerdict(line ?? 'exit code 0');
  return failVerdict('exit_code', `${describeExit(result)}${said}`, 'unhealthy');
};

/** The first line with more than blanks in it, trimmed and cut to 200 characters; null when there is none. */
export const readFirstLine = (output: string): string | null => {
  for (const line of output.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed !== '') return cutText(trimmed, maxLineLength);
  }
  return null;
};

const inheritedEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
