import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseGroupRecords } from '../../../src/containment/group-records.js';
import { createRecordWriter } from '../../../src/containment/record-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A write that lands only when the test says, so what is in flight can be seen. */
const gatedWrite = () => {
  const calls: Array<{ content: string; land: () => void; fail: (error: Error) => void }> = [];
  const write = (_path: string, content: string) =>
    new Promise<void>((resolve, reject) => calls.push({ content, land: resolve, fail: reject }));
  return { calls, write };
};

/** Lets pending callbacks run until `done`, a bounded number of turns. */
const settle = async (done: () => boolean) => {
  for (let turn = 0; turn < 100 && !done(); turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

const pids = (content: string | undefined) => {
  const parsed = parseGroupRecords(content ?? '');
  return parsed.ok ? parsed.records.map((record) => record.pid) : null;
};

describe('createRecordWriter', () => {
  test('one write in flight at most; the latest records go next, the ones between are skipped', async () => {
    const { calls, write } = gatedWrite();
    const writer = createRecordWriter('/nowhere', { bootId: 'b', onError: () => undefined, write });
    writer.write([{ pid: 10, startTime: '1' }]);
    writer.write([{ pid: 11, startTime: '1' }]);
    writer.write([{ pid: 12, startTime: '1' }]);
    expect(calls.map((call) => pids(call.content))).toEqual([[10]]);
    calls[0]?.land();
    await settle(() => calls.length > 1);
    expect(calls.map((call) => pids(call.content))).toEqual([[10], [12]]);
    let flushed = false;
    const flush = writer.flush().then(() => (flushed = true));
    await settle(() => flushed);
    expect(flushed).toBe(false);
    calls[1]?.land();
    await flush;
    expect(calls).toHaveLength(2);
  });

  test('a failed write is reported and the next one still happens', async () => {
    const { calls, write } = gatedWrite();
    const errors: unknown[] = [];
    const writer = createRecordWriter('/nowhere', { bootId: 'b', onError: (error) => errors.push(error), write });
    writer.write([]);
    writer.write([{ pid: 20, startTime: '2' }]);
    calls[0]?.fail(new Error('disk full'));
    await settle(() => calls.length > 1);
    calls[1]?.land();
    await writer.flush();
    expect(errors).toEqual([new Error('disk full')]);
    expect(pids(calls[1]?.content)).toEqual([20]);
  });

  test('flush with nothing scheduled resolves at once', async () => {
    await createRecordWriter('/nowhere', { bootId: null, onError: () => undefined }).flush();
  });

  test('on disk: a burst of writes leaves the last records and no temporary file', async () => {
    const file = join(dir, 'processes.json');
    const writer = createRecordWriter(file, {
      bootId: 'this-boot',
      onError: (error) => {
        throw error;
      },
    });
    for (let pid = 2; pid < 200; pid += 1) writer.write([{ pid, startTime: String(pid) }]);
    await writer.flush();
    expect(pids(readFileSync(file, 'utf8'))).toEqual([199]);
    expect(parseGroupRecords(readFileSync(file, 'utf8'))).toMatchObject({ bootId: 'this-boot' });
    expect(readdirSync(dir)).toEqual(['processes.json']);
  });
});
