import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readLines, type LineCounts } from '../../../src/plugin/lines.js';

type Line = [line: string, truncated: boolean];

/** Writes the chunks through a real PassThrough, honouring backpressure; resolves with the lines and counts once it ended. */
const readAll = async (chunks: Iterable<string | Buffer>, maxLength: number): Promise<{ lines: Line[]; counts: LineCounts }> => {
  const stream = new PassThrough();
  const lines: Line[] = [];
  const reader = readLines(stream, { maxLength }, (line, truncated) => lines.push([line, truncated]));
  const ended = once(stream, 'end');
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
  await ended;
  return { lines, counts: reader.counts() };
};

/** Only the lines, for the examples. */
const collectLines = async (chunks: Iterable<string | Buffer>, maxLength: number): Promise<Line[]> =>
  (await readAll(chunks, maxLength)).lines;

/** What readLines must deliver for `text`, whatever the chunks: the model it is checked against. */
const expectedLines = (text: string, maxLength: number): Line[] => {
  const raw = text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  return raw.map((piece) => {
    const line = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    return line.length > maxLength ? [line.slice(0, maxLength), true] : [line, false];
  });
};

/** Cuts `text` at the given fractions into chunks (some empty, some huge). */
const cutAt = (text: string, cuts: number[]): string[] => {
  const points = [...new Set(cuts.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks.filter((chunk) => chunk !== '');
};

const gcNow = (): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
};

describe('readLines', () => {
  test('splits lines, also across chunks', async () => {
    expect(await collectLines(['one\ntw', 'o\nthr', 'ee', '\n', '\nfour\n'], 100)).toEqual([
      ['one', false],
      ['two', false],
      ['three', false],
      ['', false],
      ['four', false],
    ]);
  });

  test('drops the \\r of \\r\\n, also when \\r and \\n arrive in different chunks', async () => {
    expect(await collectLines(['a\r\nb\r', '\nc\r\n'], 100)).toEqual([
      ['a', false],
      ['b', false],
      ['c', false],
    ]);
  });

  test('delivers a last line without a newline at the end', async () => {
    expect(await collectLines(['first\nlast wo', 'rds'], 100)).toEqual([
      ['first', false],
      ['last words', false],
    ]);
  });

  test('delivers nothing for an empty stream or one that ends on a newline', async () => {
    expect(await collectLines([], 100)).toEqual([]);
    expect(await collectLines(['only\n'], 100)).toEqual([['only', false]]);
  });

  test('does not mangle a multi-byte character split across two chunks', async () => {
    const bytes = Buffer.from('héllo wörld 🙂\nnext\n', 'utf8');
    // Cut inside 'é' (2 bytes) and inside the emoji (4 bytes).
    const cutInE = 2;
    const cutInEmoji = bytes.indexOf(Buffer.from('🙂', 'utf8')) + 2;
    const chunks = [bytes.subarray(0, cutInE), bytes.subarray(cutInE, cutInEmoji), bytes.subarray(cutInEmoji)];
    expect(await collectLines(chunks, 100)).toEqual([
      ['héllo wörld 🙂', false],
      ['next', false],
    ]);
  });

  test('a line of exactly maxLength is not truncated', async () => {
    expect(await collectLines(['0123456789\n', '0123', '456789\n', '0123456789'], 10)).toEqual([
      ['0123456789', false],
      ['0123456789', false],
      ['0123456789', false],
    ]);
  });

  test('cuts an over-long line in one chunk and goes on with the next line', async () => {
    expect(await collectLines([`${'x'.repeat(15)}\nok\n`], 10)).toEqual([
      ['x'.repeat(10), true],
      ['ok', false],
    ]);
  });

  test('cuts an over-long line arriving in many chunks and drops the rest of it', async () => {
    const chunks = ['abcdefgh', 'ijklmn', 'opq', ...Array.from({ length: 50 }, () => 'zzzzzzz'), 'rst\nnext\n', 'after'];
    expect(await collectLines(chunks, 10)).toEqual([
      ['abcdefghij', true],
      ['next', false],
      ['after', false],
    ]);
  });

  test('an over-long last line without a newline is reported once, truncated', async () => {
    expect(await collectLines(['short\n', 'y'.repeat(25)], 10)).toEqual([
      ['short', false],
      ['y'.repeat(10), true],
    ]);
  });
});

describe('readLines, any input in any chunks', () => {
  test('property: the lines, their cut and the counts do not depend on where the chunks end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\n', '\r'), maxLength: 200 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        async (text, cuts, maxLength) => {
          const expected = expectedLines(text, maxLength);
          const { lines, counts } = await readAll(cutAt(text, cuts), maxLength);
          expect(lines).toEqual(expected);
          expect(lines.every(([line]) => line.length <= maxLength)).toBe(true);
          expect(counts).toEqual({ lines: expected.length, truncated: expected.filter(([, cut]) => cut).length });
        },
      ),
      { numRuns: 400 },
    );
  });

  test('12.8 MB in two chunks of 200,000 short lines: every line delivered, none cut', async () => {
    const line = 'x'.repeat(63);
    const chunk = `${line}\n`.repeat(200_000);
    const { lines, counts } = await readAll([chunk.slice(0, 8_000_001), chunk.slice(8_000_001)], 16 * 1024);
    expect(counts).toEqual({ lines: 200_000, truncated: 0 });
    expect(lines.every(([text, cut]) => text === line && !cut)).toBe(true);
  });

  test('an endless line of 64 MiB in chunks from 1 byte to 4 MiB: one cut line, and the reader holds at most maxLength of it', async () => {
    const gc = gcNow();
    const maxLength = 16 * 1024;
    const stream = new PassThrough({ highWaterMark: 8 * 1024 * 1024 });
    const lines: Line[] = [];
    const reader = readLines(stream, { maxLength }, (line, truncated) => lines.push([line, truncated]));
    const sizes = [1, 3, 4095, 16 * 1024 - 1, 16 * 1024 + 1, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024];
    const blocks = sizes.map((size) => Buffer.alloc(size, 'e'));
    stream.write('warm up\n');
    gc();
    const before = process.memoryUsage().heapUsed;
    let written = 0;
    let largestGrowth = 0;
    for (let round = 0; written < 64 * 1024 * 1024 && round < 10_000; round += 1) {
      for (const block of blocks) {
        if (!stream.write(block)) await once(stream, 'drain');
        written += block.length;
      }
      // Measured while the line is still open, so whatever the reader keeps is alive.
      await new Promise<void>((resolve) => setImmediate(resolve));
      gc();
      largestGrowth = Math.max(largestGrowth, process.memoryUsage().heapUsed - before);
    }
    const ended = once(stream, 'end');
    stream.end('\nafter\n');
    await ended;
    expect(written).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(lines).toEqual([
      ['warm up', false],
      ['e'.repeat(maxLength), true],
      ['after', false],
    ]);
    expect(reader.counts()).toEqual({ lines: 3, truncated: 1 });
    // The cut line (16 KiB) and the lines array are all that may stay; a held line would be 64 MiB.
    expect(largestGrowth).toBeLessThan(2 * 1024 * 1024);
  });

  test('a cut line does not keep the huge chunk it came from alive', async () => {
    const gc = gcNow();
    const lines: Line[] = [];
    const stream = new PassThrough({ highWaterMark: 64 * 1024 * 1024 });
    readLines(stream, { maxLength: 1024 }, (line, truncated) => lines.push([line, truncated]));
    gc();
    const before = process.memoryUsage().heapUsed;
    // 32 lines of 1 MiB each, each in its own chunk: 32 cut lines of 1 KiB are kept.
    for (let i = 0; i < 32; i += 1) {
      if (!stream.write(`${String(i % 10).repeat(1024 * 1024)}\n`)) await once(stream, 'drain');
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    stream.end();
    expect(lines).toHaveLength(32);
    expect(lines.every(([line, cut]) => line.length === 1024 && cut)).toBe(true);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });

  test('a line of maxLength followed by \\r\\n is not cut, however the \\r and \\n arrive', async () => {
    const line = 'z'.repeat(10);
    for (const chunks of [[`${line}\r\n`], [`${line}\r`, '\n'], [line, '\r', '\n'], [`${line}\r`]]) {
      expect((await readAll(chunks, 10)).lines).toEqual([[line, false]]);
    }
  });
});
