import { writeFileAtomically } from '../state/atomic-write.js';
import { formatGroupRecords, type GroupRecord } from './group-records.js';

/** Keeps the records file in step with the tracked groups, without piling up writes. */
export interface RecordWriter {
  /** Schedules a write of these records; returns at once. */
  write(records: readonly GroupRecord[]): void;
  /** Resolves once the last scheduled write is on disk (or has failed). */
  flush(): Promise<void>;
}

/**
 * Writes the records file atomically, coalesced: at most one write in
 * flight, and when it lands only the latest records are written next, so a
 * burst of spawns costs two writes, not one each.
 *
 * @example
 * const writer = createRecordWriter('/var/lib/hale/processes.json', { bootId: readBootId(), onError: (error) => log.warn({ err: error }) });
 * writer.write([{ pid: 4242, startTime: '981234' }]);
 * await writer.flush();
 */
export const createRecordWriter = (
  file: string,
  options: {
    /** Written beside the records: they mean nothing in another boot. */
    bootId: string | null;
    onError: (error: unknown) => void;
    write?: (path: string, content: string) => Promise<void>;
  },
): RecordWriter => {
  const { bootId, onError, write = writeFileAtomically } = options;
  let pending: string | null = null;
  let running: Promise<void> | null = null;
  const pump = async (): Promise<void> => {
    while (pending !== null) {
      const text = pending;
      pending = null;
      try {
        await write(file, text);
      } catch (error) {
        onError(error);
      }
    }
    running = null;
  };
  return {
    write: (records) => {
      pending = formatGroupRecords(records, bootId);
      running ??= pump();
    },
    flush: () => running ?? Promise.resolve(),
  };
};
