import { rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { HaleError } from '../errors.js';
import { describeEntry, openStateFile, readRange, setAside } from './safe-file.js';

/** One line of the journal: what happened, when, to which plugin. */
export interface JournalRecord {
  at: number;
  type: string;
  plugin?: string | undefined;
  [field: string]: unknown;
}

export interface Journal {
  /** Queues a record; returns at once. A record that does not fit the queue is dropped and counted. */
  append(record: JournalRecord): void;
  /** Resolves once every queued record is written (or has failed). */
  flush(): Promise<void>;
  /** Records dropped: the queue was full or a write failed. */
  dropped(): number;
}

export interface JournalOptions {
  dir: string;
  /** The live file rotates (to journal.1.jsonl, replacing the older one) past this size; 1 MiB by default. */
  maxBytes?: number;
  /** Records waiting to be written at most; 1,000 by default. */
  maxQueue?: number;
  onError?: (error: unknown) => void;
}

export const journalFile = 'journal.jsonl';
export const rotatedJournalFile = 'journal.1.jsonl';

/**
 * An append-only JSON-lines journal in the state dir, rotated by size, so a
 * supervisor's history outlives it. Writes are batched and never awaited by
 * the caller: a slow disk costs records (counted), never supervision. The
 * live file is opened without following a link or waiting on a FIFO;
 * anything but a regular file there is moved aside (told to `onError`) and
 * a new journal begun.
 *
 * @example
 * const journal = openJournal({ dir: config.stateDir });
 * journal.append({ at: Date.now(), type: 'transition', plugin: 'greeter', from: 'healthy', to: 'unhealthy' });
 * await journal.flush();
 */
export const openJournal = (options: JournalOptions): Journal => {
  const { dir, maxBytes = 1024 * 1024, maxQueue = 1_000, onError = () => {} } = options;
  const live = join(dir, journalFile);
  const rotated = join(dir, rotatedJournalFile);
  const queue: string[] = [];
  let dropped = 0;
  let running: Promise<void> | null = null;

  /** The live file opened to append, never through a link; whatever else stands there is moved aside once, and said. */
  const openLive = async (): Promise<FileHandle> => {
    const opened = await openStateFile(live, 'append');
    if (opened.ok) return opened.handle;
    const keptAs = await setAside(live);
    onError(
      new HaleError(
        'state_unavailable',
        `${opened.reason === 'refused' ? opened.message : `${live} vanished`}: ${keptAs === null ? 'could not move it aside' : `moved it aside as ${keptAs} and began a new journal`}`,
      ),
    );
    const again = await openStateFile(live, 'append');
    if (again.ok) return again.handle;
    throw new HaleError('state_unavailable', again.reason === 'refused' ? again.message : `${live} vanished`);
  };

  const rotate = async (): Promise<void> => {
    // rename() replaces a link or a FIFO there without touching what it points to; a directory it cannot.
    const there = await describeEntry(rotated);
    if (there !== null && there !== 'a regular file') await setAside(rotated);
    await rename(live, rotated);
  };

  /** Opens the live file, rotating it first when `adding` would take it past maxBytes. */
  const openForAppend = async (adding: number): Promise<FileHandle> => {
    const handle = await openLive();
    const { size } = await handle.stat();
    if (size === 0 || size + adding <= maxBytes) return handle;
    await handle.close();
    await rotate();
    return openLive();
  };

  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0).join('');
      try {
        const handle = await openForAppend(Buffer.byteLength(batch));
        try {
          await handle.appendFile(batch);
        } finally {
          await handle.close();
        }
      } catch (error) {
        dropped += batch.split('\n').length - 1;
        onError(error);
      }
    }
    running = null;
  };

  return {
    append: (record) => {
      if (queue.length >= maxQueue) {
        dropped += 1;
        return;
      }
      queue.push(`${JSON.stringify(record)}\n`);
      running ??= pump();
    },
    flush: async () => {
      while (running !== null) await running;
    },
    dropped: () => dropped,
  };
};

/** What the journal held: its records, oldest first, and how many lines did not parse. */
export interface JournalContents {
  records: JournalRecord[];
  unreadable: number;
}

const isRecord = (value: unknown): value is JournalRecord =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as JournalRecord).at === 'number' &&
  typeof (value as JournalRecord).type === 'string';

/** How much of the journal's end a start reads back: the newest history, whatever the files' size. */
export const defaultRestoreBytes = 2 * 1024 * 1024;

/** The last `budget` bytes of a journal file, from the first whole line on; what is before is not read. */
const readTail = async (path: string, budget: number, refused: string[]): Promise<string> => {
  if (budget <= 0) return '';
  const opened = await openStateFile(path, 'read');
  if (!opened.ok) {
    if (opened.reason === 'refused') {
      const keptAs = await setAside(path);
      refused.push(`${opened.message}: ${keptAs === null ? 'ignored it' : `moved it aside as ${keptAs}`}`);
    }
    return '';
  }
  try {
    const from = Math.max(0, opened.size - budget);
    const bytes = await readRange(opened.handle, from, opened.size - from);
    if (from === 0) return bytes.toString('utf8');
    // Cut mid-line (maybe mid-character): that line is older history, not a damaged one.
    const newline = bytes.indexOf(0x0a);
    return newline === -1 ? '' : bytes.subarray(newline + 1).toString('utf8');
  } finally {
    await opened.handle.close();
  }
};

const parseLines = (text: string, into: JournalContents): void => {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) into.records.push(value);
      else into.unreadable += 1;
    } catch {
      into.unreadable += 1;
    }
  }
};

/**
 * Reads the newest `maxBytes` of the journal (the end of the live file,
 * then, if room is left, the end of the rotated one), oldest first, so a
 * start costs the same whatever the files' size. A missing file is an
 * empty journal; a line that is not a record (a torn last write, a hand
 * edit) is skipped and counted. A journal file that is not a regular file
 * (a link, a FIFO, a directory) is neither followed nor waited on: it is
 * moved aside and a HaleError 'state_unavailable' says what it was and
 * where it went (history then starts empty; the journal goes on afresh).
 *
 * @example
 * const { records, unreadable } = await readJournal('/var/lib/hale');
 */
export const readJournal = async (dir: string, maxBytes = defaultRestoreBytes): Promise<JournalContents> => {
  const refused: string[] = [];
  const liveText = await readTail(join(dir, journalFile), maxBytes, refused);
  const rotatedText = await readTail(join(dir, rotatedJournalFile), maxBytes - Buffer.byteLength(liveText), refused);
  if (refused.length > 0) throw new HaleError('state_unavailable', refused.join('; '));
  const contents: JournalContents = { records: [], unreadable: 0 };
  parseLines(rotatedText, contents);
  parseLines(liveText, contents);
  return contents;
};
