export type DurationParse = { ok: true; ms: number } | { ok: false; message: string };

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * A duration as the config writes it (`250ms`, `2s`, `1.5m`, `1h`) in
 * milliseconds. Kept here because a plugin imports nothing of hale but its SDK.
 *
 * @example
 * parseDuration('250ms'); // { ok: true, ms: 250 }
 * parseDuration('2'); // { ok: false, message: '"2" is not a duration (like 250ms, 2s, 1m)' }
 */
export const parseDuration = (text: string): DurationParse => {
  const match = pattern.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : units[match[2]];
  if (match === null || unit === undefined) {
    return { ok: false, message: `${JSON.stringify(text)} is not a duration (like 250ms, 2s, 1m)` };
  }
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(ms) ? { ok: true, ms } : { ok: false, message: `${JSON.stringify(text)} is too long` };
};
