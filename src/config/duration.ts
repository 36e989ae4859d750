import { quoteText } from './quote-text.js';

/** The outcome of reading a duration: milliseconds, or why the text is not one. */
export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const unitMs = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof unitMs;

const isUnit = (text: string): text is Unit => Object.hasOwn(unitMs, text);

/** Node's timers fire at once (with a warning) for any delay above this. */
export const maxDurationMs = 2_147_483_647;

const hint = '(write e.g. 250ms, 30s, 5m or 1m30s)';

// One `<number><unit>` part; the unit is matched loosely so a wrong one can be named.
const part = /(\d+(?:\.\d+)?)([a-zµ]*)/giy;

const fail = (text: string, why?: string): DurationResult => ({
  ok: false,
  message: `invalid duration ${quoteText(text)}${why === undefined ? '' : `: ${why}`} ${hint}`,
});

/**
 * Reads a duration such as `250ms`, `30s`, `5m`, `1h` or `1m30s` (units h, m,
 * s, ms; parts add up) into whole milliseconds. `0` alone needs no unit.
 *
 * @example
 * parseDuration('1m30s'); // { ok: true, ms: 90000 }
 * parseDuration('30');    // { ok: false, message: 'invalid duration "30": a number needs a unit, e.g. "30s" ...' }
 */
export const parseDuration = (text: string): DurationResult => {
  const trimmed = text.trim();
  if (trimmed === '') return fail(text, 'it is empty');
  if (trimmed === '0') return { ok: true, ms: 0 };
  if (trimmed.startsWith('-')) return fail(text, 'a duration cannot be negative');
  if (/^\d+(\.\d+)?$/.test(trimmed)) return fail(text, `a number needs a unit, e.g. ${quoteText(`${trimmed}s`)}`);

  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < trimmed.length) {
    const at = part.lastIndex;
    const match = part.exec(trimmed);
    if (match === null || match.index !== at) return fail(text);
    const [, amount = '', unit = ''] = match;
    if (unit === '') return fail(text, `${quoteText(amount)} has no unit`);
    if (!isUnit(unit)) return fail(text, `unknown unit ${quoteText(unit)}`);
    const ms = Number(amount) * unitMs[unit];
    // Decimal parts such as 1.005s land a hair off a whole number in binary floating point.
    if (Math.abs(ms - Math.round(ms)) > 1e-6) return fail(text, 'durations are whole milliseconds');
    total += Math.round(ms);
  }
  if (total > maxDurationMs) return fail(text, `the longest duration is ${formatDuration(maxDurationMs)}`);
  return { ok: true, ms: total };
};

/**
 * Writes milliseconds the way parseDuration reads them, largest unit first.
 *
 * @example
 * formatDuration(90_000); // '1m30s'
 * formatDuration(250);    // '250ms'
 * formatDuration(0);      // '0s'
 */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let text = ms < 0 ? '-' : '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / unitMs[unit]);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * unitMs[unit];
  }
  return text;
};
