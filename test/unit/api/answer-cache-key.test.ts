import { describe, expect, it } from 'vitest';
import { cacheKeyOf } from '../../../src/api/answer-cache.js';
import type { SnapshotVersion } from '../../../src/model/status.js';

const base: SnapshotVersion = { lastEventId: 7, phase: 'running', initialized: true, lagEpoch: 3, droppedLogLines: 0, linkReports: 1 };

describe('cacheKeyOf', () => {
  it('is the same for the same version and millisecond', () => {
    expect(cacheKeyOf({ ...base }, 1_000)).toBe(cacheKeyOf(base, 1_000));
  });

  it.each<Partial<SnapshotVersion>>([
    { lastEventId: 8 },
    { phase: 'stopping' },
    { initialized: false },
    { lagEpoch: 4 },
    { droppedLogLines: 1 },
    { linkReports: 2 },
  ])('moves when %o moves', (moved) => {
    expect(cacheKeyOf({ ...base, ...moved }, 1_000)).not.toBe(cacheKeyOf(base, 1_000));
  });

  it('moves with the millisecond', () => {
    expect(cacheKeyOf(base, 1_001)).not.toBe(cacheKeyOf(base, 1_000));
  });
});
