import { describe, expect, it } from 'vitest';
import { isSameVersion } from '../../../src/api/answer-cache.js';
import type { SnapshotVersion } from '../../../src/model/status.js';

const base: SnapshotVersion = { lastEventId: 7, phase: 'running', initialized: true, lagEpoch: 3, droppedLogLines: 0, linkReports: 1 };

describe('isSameVersion', () => {
  it('is the same for the same version and millisecond', () => {
    expect(isSameVersion(base, 1_000, { ...base }, 1_000)).toBe(true);
  });

  it.each<Partial<SnapshotVersion>>([
    { lastEventId: 8 },
    { phase: 'stopping' },
    { initialized: false },
    { lagEpoch: 4 },
    { droppedLogLines: 1 },
    { linkReports: 2 },
  ])('moves when %o moves', (moved) => {
    expect(isSameVersion(base, 1_000, { ...base, ...moved }, 1_000)).toBe(false);
  });

  it('moves with the millisecond', () => {
    expect(isSameVersion(base, 1_000, base, 1_001)).toBe(false);
  });
});
