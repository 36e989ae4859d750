import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { readLines } from '../../../src/plugin/lines.js';

type Line = [line: string, truncated: boolean];

/** Feeds the chunks through a real PassThrough (honouring backpressure) and resolves with every line once it has ended. */
const collectLines = async (chunks: Iterable<string | Buffer>, maxLength: number): Promise<Line[]> => {
  const stream = new PassThrough();
  const lines: Line[] = [];
  readLines(stream, { maxLength }, (line, truncated) => lines.push([line, truncated]));
  const ended = once(stream, 'end');
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
  await ended;
  return lines;
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

  test('an endless line (10 MB in 64 KiB chunks) yields exactly one truncated line of maxLength', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'e');
    const chunks = Array.from({ length: 160 }, () => chunk);
    const lines = await collectLines(chunks, 1024);
    expect(lines).toEqual([['e'.repeat(1024), true]]);
  });

  test('an endless line does not grow the memory held by the reader', async () => {
    // Needs a real gc() to compare heaps; the flag can be set at run time.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const stream = new PassThrough();
    const lines: Line[] = [];
    readLines(stream, { maxLength: 1024 }, (line, truncated) => lines.push([line, truncated]));
    const chunk = Buffer.alloc(64 * 1024, 'e');
    stream.write('warm up\n');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 160; i += 1) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    // Measured while the line is still open, so whatever the reader keeps is still alive.
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    const ended = once(stream, 'end');
    stream.end();
    await ended;
    expect(lines).toEqual([
      ['warm up', false],
      ['e'.repeat(1024), true],
    ]);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
