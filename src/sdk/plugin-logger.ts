/** A minimal pino-compatible logger that writes JSON lines to stderr. */
export interface PluginLogger {
  debug: (msg: string, fields?: Record<string, unknown>) => void;
  info: (msg: string, fields?: Record<string, unknown>) => void;
  warn: (msg: string, fields?: Record<string, unknown>) => void;
  error: (msg: string, fields?: Record<string, unknown>) => void;
}

// pino's numeric levels, which the supervisor reads back from a plugin's stderr.
const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/**
 * A logger for plugin code: one JSON object a line on stderr, in pino's
 * shape (`level`, `time`, `pid`, `msg`), never on stdout, which carries the
 * handshake. The supervisor merges these lines into its own log.
 *
 * @example
 * const log = createPluginLogger({ component: 'cache' });
 * log.warn('cache is cold', { keys: 0 });
 */
export const createPluginLogger = (bindings: Record<string, unknown> = {}): PluginLogger => {
  const write = (level: number, msg: string, fields: Record<string, unknown> = {}): void => {
    const line = { level, time: Date.now(), pid: process.pid, ...bindings, ...fields, msg };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write(levels.debug, msg, fields),
    info: (msg, fields) => write(levels.info, msg, fields),
    warn: (msg, fields) => write(levels.warn, msg, fields),
    error: (msg, fields) => write(levels.error, msg, fields),
  };
};
