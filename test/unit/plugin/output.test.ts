import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { createPluginOutput, tailByteCapacity, tailLineCapacity, type PluginOutputOptions } from '../../../src/plugin/output.js';

type Record = { [key: string]: unknown; level?: string; msg?: string; plugin?: string; dropped?: number; loggedAt: number };

/** A plugin output over a real pino logger, a clock the test moves, and timers the test runs by hand. */
const createHarness = (options: Partial<PluginOutputOptions> = {}) => {
  const records: Record[] = [];
  let clock = 1_000_000;
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') records.push({ ...(JSON.parse(line) as object), loggedAt: clock });
      }
      callback();
    },
  });
  const log = createLogger({ level: 'trace', destination }).child({ plugin: 'flood' });
  const timers: Array<{ at: number; run: () => void }> = [];
  const output = createPluginOutput({
    log,
    now: () => clock,
    schedule: (ms, run) => timers.push({ at: clock + ms, run }),
    ...options,
  });
  /** Moves the clock and runs the timers that come due, in order. */
  const advance = (ms: number): void => {
    const until = clock + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (next === undefined || next.at > until) break;
      timers.shift();
      clock = Math.max(clock, next.at);
      next.run();
    }
    clock = until;
  };
  const warnings = () => records.filter((r) => r.level === 'warn');
  const pluginLines = () => records.filter((r) => r.stream !== undefined);
  return { output, records, timers, advance, warnings, pluginLines, now: () => clock };
};

describe('createPluginOutput', () => {
  test('keeps every line in the tail with its time, stream and flag; tail(n) is the last n, oldest first', () => {
    const { output, advance, now } = createHarness();
    const start = now();
    output.write('stdout', 'one', false);
    advance(5);
    output.write('stderr', 'two', false);
    output.write('stdout', 'x'.repeat(10), true);
    expect(output.tail(2)).toEqual([
      { at: start + 5, stream: 'stderr', line: 'two', truncated: false },
      { at: start + 5, stream: 'stdout', line: 'x'.repeat(10), truncated: true },
    ]);
    expect(output.tail(100).map((l) => l.line)).toEqual(['one', 'two', 'x'.repeat(10)]);
    expect(output.stats()).toEqual({ lines: 3, dropped: 0, truncated: 1 });
  });

  test('with the real clock, each line carries the time it was written (read once a tick)', async () => {
    const output = createPluginOutput({ log: createLogger({ level: 'silent' }) });
    const before = Date.now();
    output.write('stdout', 'first', false);
    output.write('stdout', 'same tick', false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = Date.now();
    output.write('stdout', 'later', false);
    const after = Date.now();
    const [first, same, later] = output.tail(3).map((l) => l.at);
    expect(first).toBe(same);
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(middle);
    expect(later).toBeGreaterThanOrEqual(middle);
    expect(later).toBeLessThanOrEqual(after);
  });

  test('the default tail holds at most 1,000 lines', () => {
    const { output } = createHarness({ logBurst: 1e9 });
    for (let i = 0; i < 2_500; i += 1) output.write('stdout', `line ${i}`, false);
    const tail = output.tail(5_000);
    expect(tailLineCapacity).toBe(1_000);
    expect(tail).toHaveLength(1_000);
    expect(tail[0]?.line).toBe('line 1500');
    expect(tail.at(-1)?.line).toBe('line 2499');
  });

  test('the default tail holds at most 256 KiB of line text', () => {
    const { output } = createHarness({ logBurst: 1e9 });
    const line = 'é'.repeat(8 * 1024); // 16 KiB in UTF-8
    for (let i = 0; i < 40; i += 1) output.write('stdout', line, false);
    const tail = output.tail(1_000);
    expect(tailByteCapacity).toBe(256 * 1024);
    expect(tail).toHaveLength(16);
    expect(tail.reduce((sum, l) => sum + Buffer.byteLength(l.line), 0)).toBeLessThanOrEqual(tailByteCapacity);
  });

  test('logs lines under the rate, drops and counts the rest, and warns once with the count', () => {
    const { output, advance, warnings, pluginLines, timers } = createHarness({ logRate: 10, logBurst: 5 });
    for (let i = 0; i < 12; i += 1) output.write('stdout', `line ${i}`, false);
    expect(pluginLines().map((r) => r.msg)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(output.stats()).toEqual({ lines: 12, dropped: 7, truncated: 0 });
    // Every line is in the tail, logged or not.
    expect(output.tail(100)).toHaveLength(12);
    // One warning is due at once (the first drop), not one per dropped line.
    expect(timers).toHaveLength(1);
    advance(0);
    expect(warnings()).toEqual([expect.objectContaining({ plugin: 'flood', dropped: 7, droppedTotal: 7 })]);
    expect(warnings()[0]?.msg).toContain('7 lines');
    expect(warnings()[0]?.msg).toContain('GET /plugins/flood/logs');
  });

  test('under a steady flood: at most one warning a second, the rate holds, and every drop is reported', () => {
    const { output, advance, warnings, pluginLines } = createHarness({ logRate: 200, logBurst: 1_000 });
    // 10 s of 5,000 lines a second, written 50 at a time every 10 ms.
    for (let tick = 0; tick < 1_000; tick += 1) {
      for (let i = 0; i < 50; i += 1) output.write('stdout', `flood ${tick}.${i}`, false);
      advance(10);
    }
    advance(2_000);
    const stats = output.stats();
    expect(stats.lines).toBe(50_000);
    // The burst plus 200 a second over 10 s (the last tick's refill may add one).
    expect(pluginLines().length).toBeGreaterThanOrEqual(1_000 + 200 * 9.99 - 1);
    expect(pluginLines().length).toBeLessThanOrEqual(1_000 + 200 * 10 + 1);
    expect(stats.dropped).toBe(stats.lines - pluginLines().length);
    const warned = warnings();
    expect(warned.length).toBeGreaterThanOrEqual(9);
    expect(warned.length).toBeLessThanOrEqual(11);
    // The warnings add up to every drop, and each carries the total so far.
    expect(warned.reduce((sum, w) => sum + Number(w.dropped), 0)).toBe(stats.dropped);
    expect(warned.at(-1)?.droppedTotal).toBe(stats.dropped);
  });

  test('warnings are a second apart at least, also when drops come in bursts', () => {
    const { output, advance, warnings } = createHarness({ logRate: 1, logBurst: 1 });
    for (let round = 0; round < 20; round += 1) {
      output.write('stdout', 'a', false);
      output.write('stdout', 'b', false);
      advance(150);
    }
    advance(1_000);
    const warnedAt = warnings().map((w) => w.loggedAt);
    expect(warnedAt.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < warnedAt.length; i += 1) expect((warnedAt[i] ?? 0) - (warnedAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000);
    expect(warnings().reduce((sum, w) => sum + Number(w.dropped), 0)).toBe(output.stats().dropped);
  });

  test('after the flood ends, a quiet plugin logs again and no warning repeats', () => {
    const { output, advance, warnings, pluginLines } = createHarness({ logRate: 10, logBurst: 10 });
    for (let i = 0; i < 30; i += 1) output.write('stdout', `burst ${i}`, false);
    advance(5_000);
    expect(warnings()).toHaveLength(1);
    output.write('stderr', 'calm again', false);
    advance(5_000);
    expect(pluginLines().at(-1)).toMatchObject({ msg: 'calm again', stream: 'stderr', plugin: 'flood' });
    expect(warnings()).toHaveLength(1);
  });

  test('JSON lines under the limit are merged into the log at their level', () => {
    const { output, pluginLines } = createHarness();
    output.write('stderr', '{"level":50,"msg":"db down","db":"main"}', false);
    expect(pluginLines()).toEqual([expect.objectContaining({ level: 'error', msg: 'db down', db: 'main', stream: 'stderr' })]);
  });
});
