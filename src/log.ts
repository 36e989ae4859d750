import { pino } from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger };

/**
 * The supervisor's logger: pino JSON, one object a line, on stdout unless a
 * destination is given. Every line about a plugin carries `plugin`.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.child({ plugin: 'greeter' }).info('started');
 */
export const createLogger = (options: { level: LevelWithSilent; destination?: DestinationStream }): Logger =>
  pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
