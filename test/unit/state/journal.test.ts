import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalFile, openJournal, readJournal, rotatedJournalFile } from '../../../src/state/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const makeDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-journal-'));
  dirs.push(dir);
  return dir;
};

const record = (n: number) => ({
  at: 1_700_000_000_000 + n,
  type: 'transition',
  plugin: 'greeter',
  from: 'healthy',
  to: 'unhealthy',
  reason: `r${n}`,
});

describe('the journal', () => {
  it('appends one JSON line a record, and reads them back in order', async () => {
    const dir = makeDir();
    const journal = openJournal({ dir });
    for (let n = 0; n < 5; n++) journal.append(record(n));
    await journal.flush();
    expect(readFileSync(join(dir, journalFile), 'utf8').trim().split('\n')).toHaveLength(5);
    const { records, unreadable } = await readJournal(dir);
    expect(records.map((r) => r.reason)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(unreadable).toBe(0);
    expect(journal.dropped()).toBe(0);
  });

  it('rotates past maxBytes into one older file, and reads the older file first', async () => {
    const dir = makeDir();
    const journal = openJournal({ dir, maxBytes: 400 });
    for (let n = 0; n < 12; n++) {
      journal.append(record(n));
      // One record a batch, so the size is checked before each.
      await journal.flush();
    }
    expect(existsSync(join(dir, rotatedJournalFile))).toBe(true);
    expect(readFileSync(join(dir, journalFile)).length).toBeLessThanOrEqual(400);
    const { records } = await readJournal(dir);
    const reasons = records.map((r) => r.reason as string);
    // Oldest lost with the second rotation, the rest in order.
    expect(reasons).toEqual([...reasons].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(reasons.at(-1)).toBe('r11');
    expect(reasons.length).toBeLessThan(12);
  });

  it('skips and counts lines that are not records: a torn write, a hand edit', async () => {
    const dir = makeDir();
    writeFileSync(
      join(dir, journalFile),
      `${JSON.stringify(record(1))}\nnot json\n{"at":"soon","type":"x"}\n${JSON.stringify(record(2))}\n{"at":1,"ty`,
    );
    const { records, unreadable } = await readJournal(dir);
    expect(records.map((r) => r.reason)).toEqual(['r1', 'r2']);
    expect(unreadable).toBe(3);
  });

  it('is empty where no journal was written yet', async () => {
    expect(await readJournal(makeDir())).toEqual({ records: [], unreadable: 0 });
  });

  it('drops and counts what the queue cannot hold, and what a failed write loses, and says why', async () => {
    const dir = makeDir();
    const errors: unknown[] = [];
    const full = openJournal({ dir, maxQueue: 3, onError: (error) => errors.push(error) });
    for (let n = 0; n < 10; n++) full.append(record(n));
    await full.flush();
    // The first record starts a write at once; three more wait; the rest do not fit.
    expect(full.dropped()).toBeGreaterThanOrEqual(6);
    expect((await readJournal(dir)).records.length).toBe(10 - full.dropped());

    const gone = join(dir, 'missing', 'deeper');
    const broken = openJournal({ dir: gone, onError: (error) => errors.push(error) });
    broken.append(record(1));
    broken.append(record(2));
    await broken.flush();
    expect(broken.dropped()).toBeGreaterThanOrEqual(1);
    expect(errors.some((e) => (e as NodeJS.ErrnoException).code === 'ENOENT')).toBe(true);
  });

  it('writes the journal readable by its owner only', async () => {
    const dir = makeDir();
    chmodSync(dir, 0o700);
    const journal = openJournal({ dir });
    journal.append(record(1));
    await journal.flush();
    const { mode } = await import('node:fs').then((fs) => fs.statSync(join(dir, journalFile)));
    expect(mode & 0o777).toBe(0o600);
  });
});
