import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isHaleError } from '../../../src/errors.js';
import { readApiAddress, writeApiAddress } from '../../../src/state/api-address.js';
import { createDesiredStore, readDesiredState } from '../../../src/state/desired-state.js';
import { journalFile, openJournal, readJournal, rotatedJournalFile } from '../../../src/state/journal.js';
import { acquireStateLock } from '../../../src/state/state-lock.js';
import { makeFifo, releaseFifos, within } from './fifo-guard.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-state-files-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  releaseFifos();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const record = (n: number, reason = `r${n}`) => ({
  at: 1_700_000_000_000 + n,
  type: 'transition',
  plugin: 'greeter',
  from: 'healthy',
  to: 'unhealthy',
  reason,
});
const refusedIn = (dir: string, name: string): string[] => readdirSync(dir).filter((entry) => entry.startsWith(`${name}.refused-`));
const precious = 'the user\u2019s own file, not hale\u2019s\n';

describe('the journal under attack', () => {
  test('a FIFO as the journal: reading does not wait; it is moved aside and the error says what it was and where it went', async () => {
    const dir = scratch();
    makeFifo(join(dir, journalFile));
    const outcome = await within(
      readJournal(dir).then(
        () => 'read',
        (error: unknown) => error,
      ),
    );
    expect(outcome).not.toBe('hung');
    expect(isHaleError(outcome, 'state_unavailable')).toBe(true);
    const [kept] = refusedIn(dir, journalFile);
    expect((outcome as Error).message).toBe(
      `${join(dir, journalFile)} is a FIFO, not a regular file: moved it aside as ${join(dir, kept ?? '')}`,
    );
    expect(lstatSync(join(dir, kept ?? '')).isFIFO()).toBe(true);
  });

  test('a FIFO as the rotated journal is refused the same way', async () => {
    const dir = scratch();
    makeFifo(join(dir, rotatedJournalFile));
    const outcome = await within(
      readJournal(dir).then(
        () => 'read',
        (error: unknown) => error,
      ),
    );
    expect((outcome as Error).message).toContain(`${join(dir, rotatedJournalFile)} is a FIFO, not a regular file`);
  });

  test('appending to a journal that is a symlink: the target is untouched, byte for byte; the link is moved aside and said', async () => {
    const dir = scratch();
    const target = join(scratch(), 'notes.txt');
    writeFileSync(target, precious);
    symlinkSync(target, join(dir, journalFile));
    const errors: unknown[] = [];
    const journal = openJournal({ dir, onError: (error) => errors.push(error) });
    journal.append(record(1));
    await journal.flush();
    expect(readFileSync(target, 'utf8')).toBe(precious);
    const [kept] = refusedIn(dir, journalFile);
    expect(readlinkSync(join(dir, kept ?? ''))).toBe(target);
    expect(String(errors[0])).toContain(`${join(dir, journalFile)} is a symlink to ${target}, not a regular file: moved it aside as`);
    // The record is not lost: it went into a journal of hale's own.
    expect((await readJournal(dir)).records.map((r) => r.reason)).toEqual(['r1']);
    expect(journal.dropped()).toBe(0);
  });

  test('appending to a journal that is a FIFO neither waits nor writes into it', async () => {
    const dir = scratch();
    makeFifo(join(dir, journalFile));
    const journal = openJournal({ dir });
    journal.append(record(1));
    expect(await within(journal.flush())).not.toBe('hung');
    expect(lstatSync(join(dir, journalFile)).isFile()).toBe(true);
  });

  test('a rotation onto a directory where the rotated file should be moves the directory aside and goes on', async () => {
    const dir = scratch();
    mkdirSync(join(dir, rotatedJournalFile));
    writeFileSync(join(dir, rotatedJournalFile, 'inside'), precious);
    const journal = openJournal({ dir, maxBytes: 300 });
    for (let n = 0; n < 6; n += 1) {
      journal.append(record(n));
      await journal.flush();
    }
    expect(journal.dropped()).toBe(0);
    const [kept] = refusedIn(dir, rotatedJournalFile);
    expect(readFileSync(join(dir, kept ?? '', 'inside'), 'utf8')).toBe(precious);
  });

  test('a start reads a bounded tail: a journal far larger than the bound gives only its newest records, none counted unreadable', async () => {
    const dir = scratch();
    const lines = Array.from({ length: 20_000 }, (_, n) => `${JSON.stringify(record(n))}\n`);
    writeFileSync(join(dir, rotatedJournalFile), lines.slice(0, 10_000).join(''));
    writeFileSync(join(dir, journalFile), lines.slice(10_000).join(''));
    const bound = 64 * 1024;
    const { records, unreadable } = await readJournal(dir, bound);
    expect(unreadable).toBe(0);
    expect(records.at(-1)?.reason).toBe('r19999');
    const total = records.reduce((sum, r) => sum + Buffer.byteLength(`${JSON.stringify(r)}\n`), 0);
    expect(total).toBeLessThanOrEqual(bound);
    expect(total).toBeGreaterThan(bound / 2);
    // Oldest first and without gaps: a contiguous tail.
    const numbers = records.map((r) => Number(String(r.reason).slice(1)));
    expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] ?? 0) + i));
  });

  test('the tail spans the rotated file when the live one is short', async () => {
    const dir = scratch();
    writeFileSync(join(dir, rotatedJournalFile), Array.from({ length: 100 }, (_, n) => `${JSON.stringify(record(n))}\n`).join(''));
    writeFileSync(join(dir, journalFile), `${JSON.stringify(record(100))}\n`);
    const { records } = await readJournal(dir, 2_000);
    expect(records.at(-1)?.reason).toBe('r100');
    expect(records.length).toBeGreaterThan(2);
    expect(records.length).toBeLessThan(100);
  });

  test('the journal stays bounded on disk: two files of at most maxBytes each, however much is written', async () => {
    const dir = scratch();
    const journal = openJournal({ dir, maxBytes: 4_096 });
    for (let n = 0; n < 300; n += 1) {
      journal.append(record(n));
      if (n % 10 === 0) await journal.flush();
    }
    await journal.flush();
    const size = (name: string) => (existsSync(join(dir, name)) ? lstatSync(join(dir, name)).size : 0);
    expect(size(journalFile)).toBeLessThanOrEqual(4_096);
    expect(size(rotatedJournalFile)).toBeLessThanOrEqual(4_096);
    expect(readdirSync(dir).sort()).toEqual([rotatedJournalFile, journalFile].sort());
  });
});

describe('the lock under attack', () => {
  test('a FIFO as hale.lock: refused at once, naming it; left where it is; no draft left behind', async () => {
    const dir = scratch();
    makeFifo(join(dir, 'hale.lock'));
    const outcome = await within(
      acquireStateLock(dir).then(
        () => 'taken',
        (error: unknown) => error,
      ),
    );
    expect(isHaleError(outcome, 'state_unavailable')).toBe(true);
    expect((outcome as Error).message).toContain(`${join(dir, 'hale.lock')} is a FIFO, not a regular file`);
    expect(readdirSync(dir)).toEqual(['hale.lock']);
  });

  test('a symlink as hale.lock: refused; its target is neither read as a lock nor removed', async () => {
    const dir = scratch();
    const target = join(scratch(), 'notes.txt');
    writeFileSync(target, precious);
    symlinkSync(target, join(dir, 'hale.lock'));
    const outcome = await acquireStateLock(dir).then(
      () => 'taken',
      (error: unknown) => error,
    );
    expect((outcome as Error).message).toContain(`is a symlink to ${target}, not a regular file`);
    expect(readFileSync(target, 'utf8')).toBe(precious);
    expect(readdirSync(dir)).toEqual(['hale.lock']);
  });

  test('a state dir that is gone: refused as unavailable', async () => {
    const dir = join(scratch(), 'gone');
    const outcome = await acquireStateLock(dir).then(
      () => 'taken',
      (error: unknown) => error,
    );
    expect(isHaleError(outcome, 'state_unavailable')).toBe(true);
  });
});

describe('the desired state under attack', () => {
  test('a FIFO as desired.json: read without waiting, moved aside, said; the next write makes a regular file', async () => {
    const dir = scratch();
    makeFifo(join(dir, 'desired.json'));
    const read = await within(readDesiredState(dir));
    expect(read).not.toBe('hung');
    if (read === 'hung' || read.ok) throw new Error('expected a refusal');
    expect(read.message).toBe(`${join(dir, 'desired.json')} is a FIFO, not a regular file; moved it aside as ${read.keptAs}`);
    expect(lstatSync(read.keptAs ?? '').isFIFO()).toBe(true);
    await createDesiredStore(dir, read.state).markStopped('greeter', 'by hand');
    expect(lstatSync(join(dir, 'desired.json')).isFile()).toBe(true);
  });

  test('a symlink as desired.json: its target is neither read nor written', async () => {
    const dir = scratch();
    const target = join(scratch(), 'elsewhere.json');
    writeFileSync(target, JSON.stringify({ stopped: { greeter: { at: 'then', reason: 'planted' } } }));
    const before = readFileSync(target, 'utf8');
    symlinkSync(target, join(dir, 'desired.json'));
    const read = await readDesiredState(dir);
    expect(read.ok).toBe(false);
    expect(read.state.stopped).toEqual({});
    await createDesiredStore(dir, read.state).markStopped('greeter', 'by hand');
    expect(readFileSync(target, 'utf8')).toBe(before);
  });
});

describe('api.json under attack', () => {
  test('a FIFO as api.json: the CLI does not wait, it finds no hale', async () => {
    const dir = scratch();
    makeFifo(join(dir, 'api.json'));
    expect(await within(readApiAddress(dir))).toBeNull();
  });

  test('a symlink as api.json is not followed; writing replaces the link, never the target', async () => {
    const dir = scratch();
    const target = join(scratch(), 'elsewhere.json');
    writeFileSync(target, JSON.stringify({ url: 'http://attacker.example', pid: process.pid }));
    const before = readFileSync(target, 'utf8');
    symlinkSync(target, join(dir, 'api.json'));
    expect(await readApiAddress(dir)).toBeNull();
    await writeApiAddress(dir, { url: 'http://127.0.0.1:1', grpc: null, pid: process.pid });
    expect(readFileSync(target, 'utf8')).toBe(before);
    expect(await readApiAddress(dir)).toEqual({ url: 'http://127.0.0.1:1', grpc: null, pid: process.pid });
  });
});
