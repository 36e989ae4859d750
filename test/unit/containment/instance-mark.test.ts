import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  currentRunId,
  formatInstanceMark,
  instanceMarkVariable,
  parseInstanceMark,
  readInstanceMark,
} from '../../../src/containment/instance-mark.js';

describe('the instance mark', () => {
  test('formats and reads back; the run id is 16 hex digits made once per process', () => {
    expect(currentRunId).toMatch(/^[0-9a-f]{16}$/);
    const mark = { runId: currentRunId, plugin: 'echo.v2_a-b', generation: 12 };
    expect(formatInstanceMark(mark)).toBe(`${currentRunId}/echo.v2_a-b/12`);
    expect(parseInstanceMark(formatInstanceMark(mark))).toEqual(mark);
  });

  test.each([
    '',
    'garbage',
    '0123456789abcdef/echo',
    '0123456789abcdeg/echo/1',
    '0123456789ABCDEF/echo/1',
    '0123456789abcdef//1',
    '0123456789abcdef/echo/x',
    '0123456789abcdef/a/b/1',
    '0123456789abcdef/echo/-1',
  ])('%j is no mark', (value) => {
    expect(parseInstanceMark(value)).toBeNull();
  });

  test('is read from a live process environment, after 200 kB of other variables; a process without one, or none at all, reads null', async () => {
    const child = spawn('sleep', ['30'], {
      env: { A: 'x'.repeat(100_000), B: 'y'.repeat(100_000), [instanceMarkVariable]: '0123456789abcdef/echo/3', C: 'z' },
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
      // environ is the exec'd program's once exec is done: wait until /proc shows sleep.
      const deadline = Date.now() + 5_000;
      while (readInstanceMark(child.pid ?? 0) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(readInstanceMark(child.pid ?? 0)).toEqual({ runId: '0123456789abcdef', plugin: 'echo', generation: 3 });
    } finally {
      child.kill('SIGKILL');
    }
    expect(readInstanceMark(process.pid)).toBeNull();
    expect(readInstanceMark(0)).toBeNull();
    expect(readInstanceMark(-5)).toBeNull();
    expect(readInstanceMark(4_194_304 + 7)).toBeNull();
  });
});
