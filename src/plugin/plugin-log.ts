import type { Logger } from '../log.js';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const pinoLevels: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const namedLevels: Record<string, Level> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
};

// Fields the plugin's logger adds that ours adds again.
const dropped = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'plugin',
  'stream',
  'pluginPid',
  '@level',
  '@message',
  '@timestamp',
  'v',
]);

const toLevel = (raw: unknown): Level | undefined => {
  if (typeof raw === 'number') return pinoLevels[raw];
  if (typeof raw === 'string') return namedLevels[raw.toLowerCase()];
  return undefined;
};

/** A plugin's JSON log line (pino's level/msg or go-plugin's @level/@message), or null for plain text. */
export const parseJsonLogLine = (line: string): { level: Level; msg: string; fields: Record<string, unknown> } | null => {
  if (!line.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const level = toLevel(record.level ?? record['@level']);
  const message = record.msg ?? record['@message'];
  if (level === undefined && message === undefined) return null;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = key.startsWith('@') ? key.slice(1) : key;
    if (!dropped.has(key) && !dropped.has(name)) fields[name] = value;
  }
  const msg = message === undefined ? '' : typeof message === 'string' ? message : JSON.stringify(message);
  return { level: level ?? 'info', msg, fields };
};

/**
 * Logs one line of a plugin's stdout or stderr. JSON lines are merged into
 * ours (not double-encoded); `plugin`, `stream` and `pluginPid` (the process
 * that printed it, when known) always win. `pid` stays hale's own.
 *
 * @example
 * logPluginLine(log.child({ plugin: 'greeter' }), 'stderr', '{"level":40,"msg":"cache cold"}', false, 4242);
 */
export const logPluginLine = (log: Logger, stream: 'stdout' | 'stderr', line: string, truncated: boolean, pluginPid?: number): void => {
  const json = truncated ? null : parseJsonLogLine(line);
  const from = pluginPid === undefined ? { stream } : { stream, pluginPid };
  if (json !== null) {
    log[json.level]({ ...json.fields, ...from }, json.msg);
    return;
  }
  log.info(truncated ? { ...from, truncated } : from, line);
};
