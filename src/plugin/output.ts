import type { Logger } from '../log.js';
import { createOutputRing } from './output-ring.js';
import { logPluginLine } from './plugin-log.js';
import { createTokenBucket } from '../util/token-bucket.js';
import type { OutputLine, OutputStats, OutputStream } from '../model/output-line.js';

/**
 * Where a plugin's output goes, across all its generations: a bounded tail
 * for GET /plugins/:name/logs, and the supervisor's log.
 */
export interface PluginOutput {
  /** `pid` is the process that printed the line, logged as `pluginPid`. */
  write(stream: OutputStream, line: string, truncated: boolean, pid?: number): void;
  /** The last `count` lines, oldest first. */
  tail(count: number): OutputLine[];
  stats(): OutputStats;
}

/** Lines the tail keeps; GET /plugins/:name/logs?tail=N allows N up to this. */
export const tailLineCapacity = 1000;
/** Bytes of line text the tail keeps: 16 lines at the 16 KiB line cap, 1,000 lines of 256 bytes. */
export const tailByteCapacity = 256 * 1024;
// Ordinary plugins log tens of lines a second and a few hundred at start: those pass untouched, a flood costs hale's log at most 200 lines/s.
const defaultLogRate = 200;
const defaultLogBurst = 1000;
const warningInterval = 1000;

export interface PluginOutputOptions {
  /** The plugin's child logger (it carries `plugin`). */
  log: Logger;
  tailLines?: number;
  tailBytes?: number;
  /** Lines a second written to the log, after a burst of `logBurst`. */
  logRate?: number;
  logBurst?: number;
  /** Milliseconds; injected by tests. */
  now?: () => number;
  /** Runs `run` after `ms`; injected by tests. The default timer does not keep the process alive. */
  schedule?: (ms: number, run: () => void) => void;
  /** Hears every line that reaches the log (under the same rate limit), for live readers such as `hale logs --follow`. */
  onLogged?: (line: OutputLine) => void;
}

const scheduleUnref = (ms: number, run: () => void): void => {
  setTimeout(run, ms).unref();
};

// Date.now() costs more than the rest of a line's handling; the lines of one read share its instant, so it is read once a tick.
const createTickClock = (): (() => number) => {
  let cached: number | null = null;
  const forget = (): void => {
    cached = null;
  };
  return () => {
    if (cached === null) {
      cached = Date.now();
      queueMicrotask(forget);
    }
    return cached;
  };
};

/**
 * A plugin's output: every line goes to a tail bounded in lines and bytes;
 * lines go on to the supervisor's log under a rate limit, and those over it
 * are counted, with at most one warning a second saying how many.
 *
 * @example
 * const output = createPluginOutput({ log: log.child({ plugin: 'greeter' }) });
 * output.write('stdout', 'listening', false);
 * output.tail(10); // [{ at, stream: 'stdout', line: 'listening', truncated: false }]
 */
export const createPluginOutput = (options: PluginOutputOptions): PluginOutput => {
  const { log } = options;
  const now = options.now ?? createTickClock();
  const schedule = options.schedule ?? scheduleUnref;
  const ring = createOutputRing<OutputLine>({
    maxLines: options.tailLines ?? tailLineCapacity,
    maxBytes: options.tailBytes ?? tailByteCapacity,
  });
  const rate = options.logRate ?? defaultLogRate;
  const bucket = createTokenBucket({ rate, burst: options.logBurst ?? defaultLogBurst });
  const bound: unknown = log.bindings()['plugin'];
  const logsRoute = typeof bound === 'string' ? `GET /plugins/${bound}/logs` : 'GET /plugins/:name/logs';
  const stats: OutputStats = { lines: 0, dropped: 0, truncated: 0 };
  let unreported = 0;
  let warnedAt = Number.NEGATIVE_INFINITY;
  let warningDue = false;

  const warn = (): void => {
    warningDue = false;
    warnedAt = now();
    const dropped = unreported;
    unreported = 0;
    log.warn(
      { dropped, droppedTotal: stats.dropped },
      `${dropped} lines of plugin output over the log limit (${rate} lines/s) were not logged; ${logsRoute} has the latest`,
    );
  };

  const countDrop = (): void => {
    stats.dropped += 1;
    unreported += 1;
    if (warningDue) return;
    warningDue = true;
    // The first drop after a quiet second is reported at once; later ones wait for their second.
    schedule(Math.max(0, warnedAt + warningInterval - now()), warn);
  };

  return {
    write: (stream, line, truncated, pid) => {
      stats.lines += 1;
      if (truncated) stats.truncated += 1;
      const at = now();
      const entry = { at, stream, line, truncated };
      ring.push(entry, Buffer.byteLength(line));
      if (bucket.take(at)) {
        logPluginLine(log, stream, line, truncated, pid);
        options.onLogged?.(entry);
      } else countDrop();
    },
    tail: (count) => ring.last(count),
    stats: () => ({ ...stats }),
  };
};
