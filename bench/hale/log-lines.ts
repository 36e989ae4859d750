import type { HaleProcess, LogLine } from '../../test/helpers/hale-process.js';

/**
 * Resolves with the first matching log line that arrives after this call (the
 * lines already seen never match). Call it before the act it waits for.
 *
 * @example
 * const down = nextLine(hale, (l) => l.event === 'transition' && l.to === 'unhealthy');
 * process.kill(pid, 'SIGKILL');
 * await down;
 */
export const nextLine = (hale: HaleProcess, match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> => {
  const seen = new Set(hale.lines);
  return hale.line((line) => !seen.has(line) && match(line), timeoutMs);
};

/**
 * The epoch ms a log line was written at (pino's ISO `time`, ms precision).
 *
 * @example
 * logTimeMs({ time: '2025-01-01T00:00:00.125Z' }); // 1735689600125
 */
export const logTimeMs = (line: LogLine): number => {
  const time = Date.parse(String(line.time));
  if (Number.isNaN(time)) throw new Error(`a log line without a time: ${JSON.stringify(line)}`);
  return time;
};

/** A lifecycle transition of `plugin` into `to`. */
export const isTransition =
  (plugin: string, to: string) =>
  (line: LogLine): boolean =>
    line.event === 'transition' && line.plugin === plugin && line.to === to;

/**
 * Resolves with the line that made the last of `names` healthy for the first
 * time (lines already seen count), so its time is when all were healthy.
 *
 * @example
 * const last = await allHealthy(hale, ['light-000', 'light-001'], 30_000);
 * logTimeMs(last) - startedAt; // start-up, ms
 */
export const allHealthy = (hale: HaleProcess, names: readonly string[], timeoutMs: number): Promise<LogLine> => {
  const waiting = new Set(names);
  // With no plugin to wait for, hale is ready once it listens.
  if (waiting.size === 0) return hale.line((line) => typeof line.api === 'string', timeoutMs);
  return hale.line((line) => {
    if (line.event !== 'transition' || line.to !== 'healthy' || typeof line.plugin !== 'string') return false;
    waiting.delete(line.plugin);
    return waiting.size === 0;
  }, timeoutMs);
};
