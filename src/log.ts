import { pino } from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger };

/** Bytes of log lines the stdout destination holds while stdout is slower than the writes; past it lines are dropped. */
export const logBufferBytes = 4 * 1024 * 1024;
const dropWarningInterval = 1000;

let droppedLines = 0;

/**
 * Log lines dropped so far, by any logger writing to stdout, because stdout
 * did not keep up and the buffer was full.
 *
 * @example
 * if (droppedLogLines() > 0) console.error('the log lost lines');
 */
export const droppedLogLines = (): number => droppedLines;

/** Counts the destination's drops and says so in the log, once a second at most, when there is room again. */
const reportDrops = (destination: ReturnType<typeof pino.destination>, log: Logger): void => {
  let unreported = 0;
  let timer: NodeJS.Timeout | undefined;
  destination.on('drop', () => {
    droppedLines += 1;
    unreported += 1;
    timer ??= setTimeout(() => {
      timer = undefined;
      const dropped = unreported;
      unreported = 0;
      // If this line is dropped too, it is counted and the next report carries it.
      log.warn({ dropped, droppedTotal: droppedLines }, `${dropped} log lines were dropped: stdout did not keep up`);
    }, dropWarningInterval).unref();
  });
};

/**
 * The supervisor's logger: pino JSON, one object a line, on stdout unless a
 * destination is given. Every line about a plugin carries `plugin`. Writes to
 * stdout are asynchronous into a buffer of at most `logBufferBytes`: a reader
 * slower than the log loses lines (counted by `droppedLogLines`) rather than
 * growing the supervisor's memory.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.child({ plugin: 'greeter' }).info('started');
 */
export const createLogger = (options: { level: LevelWithSilent; destination?: DestinationStream }): Logger => {
  const loggerOptions = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination !== undefined) return pino(loggerOptions, options.destination);
  const destination = pino.destination({ dest: 1, sync: false, maxLength: logBufferBytes });
  const log = pino(loggerOptions, destination);
  reportDrops(destination, log);
  return log;
};
