import { mkdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { endGroups } from './end-groups.js';
import { parseGroupRecords, type GroupRecord } from './group-records.js';
import { findOwnedProcesses } from './owned-processes.js';
import { listProcesses, readBootId, readStartTime } from './proc-stat.js';
import { createRecordWriter } from './record-writer.js';
import { acquireStateLock } from './state-lock.js';
import { startWatchdog } from './watchdog.js';

/**
 * Keeps the promise that no plugin outlives the supervisor: it records every
 * plugin process group (pid + start time) in the state dir and with a
 * watchdog process that ends them if the supervisor dies, and at open it
 * ends what a previous run left behind.
 */
export interface ProcessGuard {
  /** A plugin process was spawned, leader of its own process group. */
  track(pid: number): void;
  /** That process group is gone; it needs no guarding any more. */
  release(pid: number): void;
  /** Every plugin has stopped: ends the watchdog, removes the records and the lock. */
  close(): Promise<void>;
}

export interface ProcessGuardOptions {
  stateDir: string;
  log: Logger;
}

const recordsName = 'processes.json';
// Leftovers of a previous run get this long after SIGTERM, and as long again after SIGKILL.
const leftoverGraceMs = 1_000;

const createStateDir = async (stateDir: string): Promise<void> => {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HaleError('state_unavailable', `cannot create the state dir ${stateDir}: ${reason}; set stateDir: in the config to a writable directory`, {
      cause: error,
    });
  }
};

/** Ends the plugin processes a previous run recorded and that still run. */
const endLeftovers = async (file: string, bootId: string | null, log: Logger): Promise<void> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const parsed = parseGroupRecords(text);
  if (!parsed.ok) {
    log.warn({ file, reason: parsed.reason }, 'the process records of a previous run do not parse; nothing of them was ended');
    return;
  }
  // Nothing outlives a reboot, and after one a pid with the recorded start time may well be another program.
  if (parsed.bootId !== null && bootId !== null && parsed.bootId !== bootId) return;
  const { ended, survivors } = await endGroups(parsed.records, { graceMs: leftoverGraceMs, killWaitMs: leftoverGraceMs });
  if (ended.length > 0) log.warn({ pids: ended, file }, 'ended plugin processes a previous run left behind');
  if (survivors.length > 0) log.error({ pids: survivors }, 'plugin processes a previous run left behind survive SIGKILL');
};

/** Groups of which something still runs. */
const stillRunning = (records: GroupRecord[]): GroupRecord[] => {
  const processes = listProcesses();
  return records.filter((record) => findOwnedProcesses(record, processes).pids.length > 0);
};

/**
 * Opens the state dir for this supervisor: makes it (0700), takes its lock,
 * ends what a previous run left behind, and starts the watchdog. Throws
 * HaleError 'state_unavailable' when the dir cannot be made or written, and
 * 'state_locked' while another supervisor runs with it.
 *
 * @example
 * const guard = await openProcessGuard({ stateDir: config.stateDir, log });
 * guard.track(child.pid);
 * guard.release(child.pid);
 * await guard.close();
 */
export const openProcessGuard = async ({ stateDir, log }: ProcessGuardOptions): Promise<ProcessGuard> => {
  await createStateDir(stateDir);
  const lock = await acquireStateLock(stateDir);
  const file = join(stateDir, recordsName);
  const tracked = new Map<number, GroupRecord>();
  const bootId = readBootId();
  const writer = createRecordWriter(file, { bootId, onError: (error) => log.warn({ err: error, file }, 'could not write the process records') });
  const watchdog = await (async () => {
    try {
      await endLeftovers(file, bootId, log);
      writer.write([]);
      await writer.flush();
      return await startWatchdog({ log, guarded: () => [...tracked.values()] });
    } catch (error) {
      await writer.flush();
      await lock.release();
      throw error;
    }
  })();
  let closing: Promise<void> | null = null;

  const close = async (): Promise<void> => {
    if (tracked.size > 0) log.warn({ pids: [...tracked.keys()] }, 'plugin process groups still tracked at close; the watchdog ends them');
    await watchdog.close();
    const left = stillRunning([...tracked.values()]);
    tracked.clear();
    if (left.length > 0) {
      // Still there after the watchdog: the next run ends them.
      writer.write(left);
      await writer.flush();
    } else {
      await writer.flush();
      await rm(file, { force: true });
    }
    await lock.release();
    // Only when empty: the dir may hold what others keep there (desired state).
    await rmdir(stateDir).catch(() => undefined);
  };

  return {
    track: (pid) => {
      if (closing !== null) return;
      const startTime = readStartTime(pid);
      // Gone already (or no /proc): nothing that could be named safely later.
      if (startTime === null) return;
      const record = { pid, startTime };
      tracked.set(pid, record);
      writer.write([...tracked.values()]);
      watchdog.add(record);
    },
    release: (pid) => {
      // While closing, the map alone: the records file is close's to write.
      if (!tracked.delete(pid) || closing !== null) return;
      writer.write([...tracked.values()]);
      watchdog.remove(pid);
    },
    close: () => {
      closing ??= close();
      return closing;
    },
  };
};
