import { z } from 'zod';
import { parseAddress } from './address.js';
import { describeValue } from './describe-value.js';
import { formatDuration, parseDuration } from './duration.js';

/** What a field reader makes of one value. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

export const missingMessage = 'missing required key';

/**
 * A zod field whose reading and message are ours: zod's own wording cannot
 * say "write 30s" to someone who wrote 30.
 *
 * @example
 * const even = customField((input) => input === 2 ? { ok: true, value: 2 } : { ok: false, message: 'not 2' });
 */
export const customField = <T>(read: (input: unknown) => FieldResult<T>) =>
  z.unknown().transform((input, ctx): T => {
    const result = read(input);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.message, input });
    return z.NEVER;
  });

const readDurationText = (input: unknown): FieldResult<number> => {
  if (input === undefined) return { ok: false, message: missingMessage };
  if (input === 0) return { ok: true, value: 0 };
  if (typeof input === 'number') {
    return { ok: false, message: `expected a duration with a unit, got ${describeValue(input)} (write "${input}s")` };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a duration such as 30s, got ${describeValue(input)}` };
  }
  const parsed = parseDuration(input);
  return parsed.ok ? { ok: true, value: parsed.ms } : parsed;
};

const readDuration = (input: unknown, min: number): FieldResult<number> => {
  const read = readDurationText(input);
  if (read.ok && read.value < min) return { ok: false, message: `must be at least ${formatDuration(min)}, got ${describeValue(input)}` };
  return read;
};

/**
 * A duration written as text (`250ms`, `30s`, `1m30s`), read into milliseconds.
 *
 * @example
 * durationField({ min: 1 }).parse('1m30s'); // 90000
 */
export const durationField = ({ min = 0 }: { min?: number } = {}) => customField((input) => readDuration(input, min));

/**
 * A duration that may be turned off with `null` (YAML `~` or an empty value).
 *
 * @example
 * optionalDurationField().parse(null); // null
 */
export const optionalDurationField = () =>
  customField((input): FieldResult<number | null> => (input === null ? { ok: true, value: null } : readDuration(input, 1)));

/**
 * A whole number in a range. Digits in text count too, so
 * `port: ${PORT:-8080}` (text after interpolation) works.
 *
 * @example
 * countField({ min: 1 }).parse(3);      // 3
 * countField({ min: 0 }).parse('8080'); // 8080
 */
export const countField = ({ min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number }) =>
  customField((input): FieldResult<number> => {
    if (input === undefined) return { ok: false, message: missingMessage };
    const value = typeof input === 'string' && /^\d+$/.test(input.trim()) ? Number(input) : input;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return { ok: true, value };
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    return { ok: false, message: `expected a whole number ${range}, got ${describeValue(input)}` };
  });

/**
 * A gRPC address (`unix:/abs/path` or `host:port`).
 *
 * @example
 * addressField({ listen: true }).parse('127.0.0.1:0'); // '127.0.0.1:0'
 */
export const addressField = ({ listen }: { listen: boolean }) =>
  customField((input): FieldResult<string> => {
    if (input === undefined) return { ok: false, message: missingMessage };
    if (typeof input !== 'string') {
      return { ok: false, message: `expected an address such as 127.0.0.1:50051, got ${describeValue(input)}` };
    }
    return parseAddress(input, { listen });
  });
