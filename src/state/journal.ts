import { appendFile, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

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
 * the caller: a slow disk costs records (counted), never supervision.
 *
 * @example
 * const journal = openJournal({ dir: config.stateDir });
 * journal.append({ at: Date.now(), type: 'transition', plugin: 'greeter', from: 'healthy', to: 'unhealthy' });
 * await journal.flush();
 */
export const openJournal = (options: JournalOptions): Journal => {
  const { dir, maxBytes = 1024 * 1024, maxQueue = 1_000, onError = () => {} } = options;
  const live = join(dir, journalFile);
  const queue: string[] = [];
  let dropped = 0;
  let size: number | null = null;
  let running: Promise<void> | null = null;

  const rotateIfFull = async (adding: number): Promise<void> => {
    size ??= await stat(live).then((s) => s.size, () => 0);
    if (size > 0 && size + adding > maxBytes) {
      await rename(live, join(dir, rotatedJournalFile));
      size = 0;
    }
  };

  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0).join('');
      try {
        const bytes = Buffer.byteLength(batch);
        await rotateIfFull(bytes);
        await appendFile(live, batch, { mode: 0o600 });
        size = (size ?? 0) + bytes;
      } catch (error) {
        dropped += batch.split('\n').length - 1;
        size = null;
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
  typeof value === 'object' && value !== null && typeof (value as JournalRecord).at === 'number' && typeof (value as JournalRecord).type === 'string';

/**
 * Reads the rotated file, then the live one. A missing file is an empty
 * journal; a line that is not a record (a torn last write, a hand edit) is
 * skipped and counted.
 *
 * @example
 * const { records, unreadable } = await readJournal('/var/lib/hale');
 */
export const readJournal = async (dir: string): Promise<JournalContents> => {
  const records: JournalRecord[] = [];
  let unreadable = 0;
  for (const name of [rotatedJournalFile, journalFile]) {
    const text = await readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (isRecord(value)) records.push(value);
        else unreadable += 1;
      } catch {
        unreadable += 1;
      }
    }
  }
  return { records, unreadable };
};
