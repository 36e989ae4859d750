import { describe, expect, it } from 'vitest';
import { judgeLatency } from '../../../src/checks/judge-latency.js';

describe('judgeLatency: the degradedLatency rule of every protocol', () => {
  it('degrades a pass slower than degradedLatency, with the figures, and keeps the rest of the verdict', () => {
    expect(judgeLatency({ outcome: 'pass', message: 'ok', status: 'healthy' }, 250.5, 100)).toEqual({
      outcome: 'degraded',
      status: 'healthy',
      message: 'answered in 250.5 ms, slower than degradedLatency (100 ms)',
    });
  });

  it('leaves a pass at the bound, a null bound, a failure and a degraded answer as they are', () => {
    expect(judgeLatency({ outcome: 'pass', message: 'ok' }, 100, 100)).toEqual({ outcome: 'pass', message: 'ok' });
    expect(judgeLatency({ outcome: 'pass', message: 'ok' }, 1e9, null)).toEqual({ outcome: 'pass', message: 'ok' });
    expect(judgeLatency({ outcome: 'fail', message: 'down' }, 1e9, 1)).toEqual({ outcome: 'fail', message: 'down' });
    expect(judgeLatency({ outcome: 'degraded', message: 'cold' }, 1e9, 1)).toEqual({ outcome: 'degraded', message: 'cold' });
  });
});

describe('one check pipeline', () => {
  it('writes the degradedLatency rule once, and retries checks in one place', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const { join, relative } = await import('node:path');
    const root = join(import.meta.dirname, '../../../src');
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts')).map((file) => join(root, file));
    const holding = async (pattern: RegExp): Promise<string[]> => {
      const found: string[] = [];
      for (const file of files) if (pattern.test(await readFile(file, 'utf8'))) found.push(relative(root, file));
      return found.sort();
    };
    expect(await holding(/slower than degradedLatency/)).toEqual(['checks/judge-latency.ts']);
    expect(await holding(/from 'p-retry'/)).toEqual(['checks/run-probe.ts']);
  });
});
