import { describe, expect, test } from 'vitest';
import { formatGroupRecords, parseGroupRecords } from '../../../src/containment/group-records.js';

describe('the records file', () => {
  test('what is written reads back the same', () => {
    const records = [
      { pid: 4242, startTime: '981234' },
      { pid: 77, startTime: '90071992547409931' },
    ];
    expect(parseGroupRecords(formatGroupRecords(records, 'boot-1'))).toEqual({ ok: true, records, bootId: 'boot-1' });
    expect(parseGroupRecords(formatGroupRecords([], null))).toEqual({ ok: true, records: [], bootId: null });
  });

  test('the run id and the cgroup read back; fields it does not know are dropped', () => {
    const records = [{ pid: 12, startTime: '34', runId: '0123456789abcdef', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef/echo-1' }];
    expect(parseGroupRecords(formatGroupRecords(records, 'boot-1'))).toEqual({ ok: true, records, bootId: 'boot-1' });
  });

  test('a file without a boot id (or an empty one) reads as one from an unknown boot', () => {
    expect(parseGroupRecords('{"groups":[]}')).toEqual({ ok: true, records: [], bootId: null });
    expect(parseGroupRecords('{"groups":[],"bootId":""}')).toEqual({ ok: true, records: [], bootId: null });
    expect(parseGroupRecords('{"groups":[],"bootId":7}')).toEqual({ ok: true, records: [], bootId: null });
  });

  test('fields it does not know (a plugin name, say) are ignored', () => {
    expect(parseGroupRecords('{"groups":[{"pid":12,"startTime":"34","plugin":"greeter"}],"version":1}')).toEqual({
      ok: true,
      records: [{ pid: 12, startTime: '34' }],
      bootId: null,
    });
  });

  test.each([
    ['', /not JSON/],
    ['{"groups":[{"pid":12,"startTime":"34"}', /not JSON/],
    ['[]', /no "groups" list/],
    ['null', /no "groups" list/],
    ['{"groups":{}}', /no "groups" list/],
    ['{"groups":[{"pid":12}]}', /groups\[0\] is not \{pid, startTime, runId\?, cgroup\?\}/],
    ['{"groups":[{"pid":12,"startTime":"34"},{"pid":"13","startTime":"34"}]}', /groups\[1\]/],
    ['{"groups":[{"pid":12,"startTime":34}]}', /groups\[0\]/],
    ['{"groups":[{"pid":12,"startTime":"-1"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":1,"startTime":"34"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":0,"startTime":"34"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":-5,"startTime":"34"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":1.5,"startTime":"34"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":12,"startTime":"34","runId":"not-a-run"}]}', /groups\[0\]/],
    ['{"groups":[{"pid":12,"startTime":"34","runId":"0123456789abcdef","cgroup":"relative/path"}]}', /groups\[0\]/],
  ])('%j is refused, not guessed at', (text, reason) => {
    const parsed = parseGroupRecords(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});
