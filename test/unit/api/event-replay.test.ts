import { describe, expect, it } from 'vitest';
import { readEventFilter, type EventFilter } from '../../../src/api/event-filter.js';
import { describeGap, readLastEventIdText } from '../../../src/api/event-replay.js';
import type { Replay } from '../../../src/supervisor/event-log.js';

const filterOf = (types?: string): EventFilter => {
  const read = readEventFilter({ types });
  if (!read.ok) throw new Error(read.message);
  return read.filter;
};

describe('readLastEventIdText', () => {
  it('reads a decimal id, none as null, anything else as NaN', () => {
    expect(readLastEventIdText('1764590000123005')).toBe(1764590000123005);
    expect(readLastEventIdText(' 7 ')).toBe(7);
    expect(readLastEventIdText(undefined)).toBeNull();
    expect(readLastEventIdText('')).toBeNull();
    for (const bad of ['12abc', '-1', '1e3', '12345678901234567']) expect(readLastEventIdText(bad)).toBeNaN();
  });
});

describe('describeGap', () => {
  it('says nothing for a replay of this run that missed nothing', () => {
    expect(describeGap({ entries: [], missed: false }, filterOf())).toBeNull();
  });

  it('says some are no longer held when the replay missed some', () => {
    expect(describeGap({ entries: [], missed: true }, filterOf('transition'))).toMatch(/no longer held/);
  });

  it('across a restart, says so only to a reader of types the journal does not keep whole', () => {
    const earlier: Replay = { entries: [], missed: false, fromJournal: true };
    expect(describeGap(earlier, filterOf('transition,dependencyTransition,supervisor'))).toBeNull();
    expect(describeGap(earlier, filterOf('transition,output'))).toBeNull();
    for (const types of [undefined, 'check', 'transition,spawned', 'exited', 'operation']) {
      expect(describeGap(earlier, filterOf(types)), String(types)).toMatch(/hale restarted since Last-Event-ID/);
    }
  });
});
