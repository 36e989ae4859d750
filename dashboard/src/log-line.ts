import { formatClock } from './format.js';
import type { LogLineBody } from './types.js';

/** A line of a plugin's output as the log tail shows it. */
export interface ShownLine {
  /** `trace` … `fatal` for a JSON log line; `out` or `err` (its stream) for plain text. */
  level: string;
  /** Time, level and message: what a person reads. */
  text: string;
  /** The line as the plugin printed it, after the time hale read it and its stream. */
  raw: string;
}

const pinoLevels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

const readJson = (line: string): Record<string, unknown> | null => {
  if (!line.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const levelOf = (raw: unknown): string | null => {
  if (typeof raw === 'number') return pinoLevels[raw] ?? String(raw);
  if (typeof raw === 'string' && raw !== '') return raw.toLowerCase() === 'warning' ? 'warn' : raw.toLowerCase();
  return null;
};

// pino writes epoch ms (or an ISO string with isoTime); hclog an ISO @timestamp.
const timeOf = (raw: unknown, fallback: number): number => {
  const time = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(time) ? time : fallback;
};

/**
 * A line of a plugin's output for the log tail: a pino (or go-plugin) JSON
 * line becomes its time, level and message; plain text keeps its words
 * after the time it was read and its stream. `raw` is the line untouched.
 *
 * @example
 * readLogLine({ at: '2026-01-01T10:00:00Z', stream: 'stderr', line: '{"level":30,"time":1767261600000,"msg":"listening"}' });
 * // { level: 'info', text: '10:00:00 INFO  listening', raw: '10:00:00 err {"level":30,…}' }
 */
export const readLogLine = (body: LogLineBody): ShownLine => {
  const at = Date.parse(body.at);
  const stream = body.stream === 'stderr' ? 'err' : 'out';
  const raw = `${formatClock(at)} ${stream} ${body.line}`;
  const json = readJson(body.line);
  const level = json === null ? null : levelOf(json['level'] ?? json['@level']);
  const message = json === null ? undefined : (json['msg'] ?? json['message'] ?? json['@message']);
  if (json === null || (level === null && message === undefined)) return { level: stream, text: raw, raw };
  const time = timeOf(json['time'] ?? json['@timestamp'], at);
  const words = message === undefined ? '' : typeof message === 'string' ? message : JSON.stringify(message);
  const shownLevel = level ?? 'info';
  return { level: shownLevel, text: `${formatClock(time)} ${shownLevel.toUpperCase().padEnd(5)} ${words}`, raw };
};
