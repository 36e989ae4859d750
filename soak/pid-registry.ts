import { readStat } from './proc.js';

/** One plugin process the soak saw: its pid and, when it was still there to be read, its start time. */
export interface SeenProcess {
  pid: number;
  /** From /proc/PID/stat; null when it was gone before the soak looked. */
  startTime: string | null;
}

/** Every plugin pid seen during a run, for the orphan check at the end. */
export interface PidRegistry {
  note(pid: number): void;
  seen(): SeenProcess[];
}

/**
 * Remembers each pid once, with its start time read at first sight, so a pid
 * the kernel hands to someone else later is not mistaken for a plugin.
 *
 * @example
 * const registry = createPidRegistry();
 * registry.note(4242);
 * registry.seen(); // [{ pid: 4242, startTime: '123456' }]
 */
export const createPidRegistry = (): PidRegistry => {
  const seen = new Map<number, SeenProcess>();
  return {
    note: (pid) => {
      if (seen.has(pid)) return;
      seen.set(pid, { pid, startTime: readStat(pid)?.startTime ?? null });
    },
    seen: () => [...seen.values()],
  };
};
