import { describeValue } from './describe-value.js';
import type { FieldResult } from './fields.js';

// KiB, MiB, GiB count by 1024 (as ps, top and the kernel do); KB, MB, GB by 1000, as their SI names say.
const unitBytes: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

const sizePattern = /^(\d{1,15}(?:\.\d{1,6})?)\s*([A-Za-z]{1,3})?$/;

/** The smallest memoryMax: below it not even a shell starts, so any plugin would be restarted in a loop. */
export const minMemoryMax = 4 * 2 ** 20;

/**
 * Reads a size such as `150MiB`, `1GiB` or `512MB` into bytes: KiB, MiB, GiB
 * and TiB are 1024-based, KB, MB, GB and TB 1000-based, B or a bare whole
 * number is bytes. Units are written as listed (`mb` is refused: it could mean either).
 *
 * @example
 * readSize('150MiB'); // { ok: true, value: 157286400 }
 * readSize('1.5GB');  // { ok: true, value: 1500000000 }
 */
export const readSize = (input: unknown): FieldResult<number> => {
  const hint = 'use a number and a unit, such as 150MiB, 1GiB or 512MB (KiB, MiB, GiB count by 1024; KB, MB, GB by 1000)';
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
    return { ok: false, message: `expected a size, got ${describeValue(input)}: ${hint}` };
  }
  if (typeof input !== 'string') return { ok: false, message: `expected a size, got ${describeValue(input)}: ${hint}` };
  const match = sizePattern.exec(input.trim());
  const unit = match?.[2] ?? 'B';
  const factor = unitBytes[unit];
  if (match === null || factor === undefined) return { ok: false, message: `invalid size ${describeValue(input)}: ${hint}` };
  const bytes = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: `the size ${describeValue(input)} is too large` };
  return { ok: true, value: bytes };
};

/**
 * Writes bytes in the largest binary unit that keeps a number ≥ 1, to a tenth.
 *
 * @example
 * formatBytes(157286400); // '150 MiB'
 * formatBytes(512);       // '512 B'
 */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${index === 0 ? String(Math.round(value)) : String(Number(value.toFixed(1)))} ${units[index] ?? 'B'}`;
};
