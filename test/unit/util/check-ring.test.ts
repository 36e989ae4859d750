import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../../../src/model/check-record.js';
import { createCheckRing } from '../../../src/util/check-ring.js';

const pass = (at: number, message = ''): CheckRecord => ({ at, outcome: 'pass', status: 'healthy', latencyMs: at / 10, message });

const record = fc.record(
  {
    at: fc.integer({ min: 0, max: 2_000_000_000_000 }),
    outcome: fc.constantFrom('pass' as const, 'degraded' as const, 'fail' as const),
    failure: fc.constantFrom('deadline' as const, 'unavailable' as const, 'rpc_error' as const, 'bad_answer' as const),
    status: fc.constantFrom('healthy' as const, 'degraded' as const, 'unhealthy' as const, 'unknown' as const),
    latencyMs: fc.double({ min: 0, max: 60_000, noNaN: true }),
    message: fc.constantFrom('', 'ok', 'disk 91% full', 'deadline exceeded after 1s'),
  },
  { requiredKeys: ['at', 'outcome', 'status', 'latencyMs', 'message'] },
);

describe('createCheckRing', () => {
  it('gives back the last checks as they came, oldest first, every field kept', () => {
    const ring = createCheckRing(3);
    const failed: CheckRecord = { at: 4, outcome: 'fail', failure: 'deadline', status: 'unknown', latencyMs: 1000.5, message: 'late' };
    [pass(1), pass(2, 'ok'), pass(3, 'ok'), failed].forEach((check) => ring.push(check));
    expect(ring.last(10)).toEqual([pass(2, 'ok'), pass(3, 'ok'), failed]);
    expect(ring.last(1)).toEqual([failed]);
    expect(ring.last(-1)).toEqual([]);
    expect(ring.size).toBe(3);
  });

  it('starts with few slots and grows only as checks come, never past its bound', () => {
    const ring = createCheckRing(100);
    expect(ring.slots).toBeLessThanOrEqual(16);
    for (let at = 0; at < 1_000; at += 1) ring.push(pass(at));
    expect(ring.slots).toBe(100);
    expect(ring.last(100).map((check) => check.at)).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
  });

  it('property: holds exactly the newest checks pushed, across growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(record, { maxLength: 200 }), (bound, checks) => {
        const ring = createCheckRing(bound);
        checks.forEach((check) => ring.push(check));
        expect(ring.last(1_000)).toEqual(checks.slice(-bound));
        expect(ring.slots).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 300 },
    );
  });
});
