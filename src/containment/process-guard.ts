import { readFileSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { createEventBus } from '../util/event-bus.js';
import { findCgroup2Mount, isCgroupPopulated, removeCgroup, signalCgroup } from './cgroup.js';
import { currentRunId, formatInstanceMark } from './instance-mark.js';
import type { SpawnContainment } from './contain-plugin.js';
import { endGroups } from './end-groups.js';
import { parseGroupRecords, type GroupRecord } from './group-records.js';
import { findOwnedProcesses } from './owned-processes.js';
import { listProcesses, readBootId, readStartTime } from '../process/proc-stat.js';
import { isRunCgroup, removeRunCgroups } from './recorded-cgroups.js';
import { createRecordWriter } from './record-writer.js';
import { readStateText } from '../state/safe-file.js';
import { claimStateDir } from '../state/claim-state-dir.js';
import { openRunCgroup, type ContainmentKind } from './run-cgroup.js';
import type { StateLock } from '../state/state-lock.js';
import { startWatchdog, type WatchdogState } from './watchdog.js';

/** What covers the plugins right now: whether a watchdog runs, and what holds each plugin's processes together. */
export interface GuardHealth {
  /** 'restarting' while no watchdog runs (it died or could not start; another is on its way). */
  watchdog: WatchdogState;
  /** 'cgroup': a cgroup v2 each, ended with cgroup.kill; 'process-group': process groups and the HALE_INSTANCE mark. */
  containment: ContainmentKind;
  /** Why, in words: where the cgroups are or why there are none, and what became of the watchdog. */
  reason: string;
  /** When this last changed (ms since the epoch). */
  since: number;
  /** How many times a watchdog was started again after one died. */
  restarts: number;
}

/**
 * Keeps the promise that no plugin outlives the supervisor: it records every
 * plugin process group (pid + start time) in the state dir and with a
 * watchdog process that ends them if the supervisor dies, and at open it
 * ends what a previous run left behind.
 */
export interface ProcessGuard {
  /**
   * What a plugin generation about to be spawned runs in: its mark, and its
   * own cgroup where cgroups are in force (made here).
   */
  contain(plugin: string, generation: number): SpawnContainment;
  /** A plugin process was spawned, leader of its own process group, in `containment` (from contain). */
  track(pid: number, containment?: SpawnContainment | null): void;
  /** That process group is gone; it needs no guarding any more. */
  release(pid: number): void;
  /** Every plugin has stopped: ends the watchdog, removes the records, the run's cgroup and the lock. */
  close(): Promise<void>;
  health(): GuardHealth;
  /** Calls `listener` on every change of health; returns what unsubscribes it. */
  onHealth(listener: (health: GuardHealth) => void): () => void;
}

export interface ProcessGuardOptions {
  stateDir: string;
  log: Logger;
  /** The state dir's lock, taken already (claimStateDir); the guard lets it go at close. Taken here when absent. */
  lock?: StateLock;
}

const recordsName = 'processes.json';
// A cgroup whose last process has just exited may refuse rmdir for a moment (EBUSY).
const cgroupRemoveTries = 50;
const cgroupRemovePollMs = 10;
// Leftovers of a previous run get this long after SIGTERM, and as long again after SIGKILL.
const leftoverGraceMs = 1_000;

/** Ends the plugin processes a previous run recorded and that still run. */
const endLeftovers = async (file: string, bootId: string | null, log: Logger): Promise<void> => {
  let text: string;
  try {
    text = await readStateText(file, (message) => log.warn({ file }, `${message}; nothing recorded in it was ended`));
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
  // Only a cgroup of the shape hale makes, of the recorded run, below the cgroup v2 mount, proves anything.
  const mount = readCgroup2Mount();
  const recorded = parsed.records.flatMap(({ cgroup, runId }) => (cgroup === undefined ? [] : [{ cgroup, runId }]));
  const cgroups =
    mount === null ? [] : recorded.filter(({ cgroup, runId }) => isRunCgroup(cgroup, runId, mount)).map(({ cgroup }) => cgroup);
  if (cgroups.length < recorded.length)
    log.warn(
      { file, cgroups: recorded.map(({ cgroup }) => cgroup).filter((dir) => !cgroups.includes(dir)) },
      "recorded cgroups that are not hale's were left alone",
    );
  const { ended, survivors } = await endGroups(parsed.records, { graceMs: leftoverGraceMs, killWaitMs: leftoverGraceMs, cgroups });
  if (ended.length > 0) log.warn({ pids: ended, file }, 'ended plugin processes a previous run left behind');
  if (survivors.length > 0) log.error({ pids: survivors }, 'plugin processes a previous run left behind survive SIGKILL');
  const stuck = await removeCgroupsSoon(cgroups);
  if (stuck.length > 0) log.warn({ cgroups: stuck }, 'could not remove the cgroups a previous run left behind');
};

/** Removes one plugin's cgroup (never its run's), trying again for a moment. */
const removePluginCgroup = async (dir: string): Promise<boolean> => {
  for (let attempt = 0; attempt < cgroupRemoveTries; attempt += 1) {
    if (removeCgroup(dir)) return true;
    await delay(cgroupRemovePollMs);
  }
  return removeCgroup(dir);
};

const readCgroup2Mount = (): string | null => {
  try {
    return findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return null;
  }
};

/** Removes plugin cgroups (and their run's once empty), trying again for a moment: the last exit takes a moment to show. */
const removeCgroupsSoon = async (dirs: readonly string[]): Promise<string[]> => {
  let left = removeRunCgroups(dirs);
  for (let attempt = 0; attempt < cgroupRemoveTries && left.length > 0; attempt += 1) {
    await delay(cgroupRemovePollMs);
    left = removeRunCgroups(left);
  }
  return left;
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
export const openProcessGuard = async ({ stateDir, log, lock: taken }: ProcessGuardOptions): Promise<ProcessGuard> => {
  const lock = taken ?? (await claimStateDir(stateDir));
  const file = join(stateDir, recordsName);
  const tracked = new Map<number, GroupRecord>();
  const bootId = readBootId();
  const writer = createRecordWriter(file, {
    bootId,
    onError: (error) => log.warn({ err: error, file }, 'could not write the process records'),
  });
  const healthBus = createEventBus<GuardHealth>((error) => log.warn({ err: error }, 'a guard health listener failed'));
  let healthClosed = false;
  let lastHealth: GuardHealth | null = null;
  const publishHealth = (): void => {
    if (lastHealth === null || healthClosed) return;
    lastHealth = computeHealth();
    healthBus.publish(lastHealth);
  };
  const { run, watchdog } = await (async () => {
    let opened: Awaited<ReturnType<typeof openRunCgroup>> | null = null;
    try {
      await endLeftovers(file, bootId, log);
      writer.write([]);
      await writer.flush();
      opened = await openRunCgroup({ runId: currentRunId, env: process.env });
      const runCgroup = opened.kind === 'cgroup' ? opened.cgroup.dir : null;
      const started = await startWatchdog({
        log,
        guarded: () => [...tracked.values()],
        run: { runId: currentRunId, cgroup: runCgroup },
        onStatus: publishHealth,
      });
      return { run: opened, watchdog: started };
    } catch (error) {
      if (opened?.kind === 'cgroup') removeCgroup(opened.cgroup.dir);
      await writer.flush();
      await lock.release();
      throw error;
    }
  })();
  const openedAt = Date.now();
  const computeHealth = (): GuardHealth => {
    const status = watchdog.status();
    return {
      watchdog: status.state,
      containment: run.kind,
      reason: status.state === 'restarting' ? `${status.reason}; ${run.reason}` : run.reason,
      since: Math.max(openedAt, status.since),
      restarts: status.restarts,
    };
  };
  lastHealth = computeHealth();
  log.info({ containment: run.kind, reason: run.reason, runId: currentRunId }, 'plugin containment');
  let closing: Promise<void> | null = null;

  // The run's cgroup once every plugin has stopped; anything still in it is a leftover, killed.
  const removeRunCgroup = async (): Promise<void> => {
    if (run.kind !== 'cgroup') return;
    const { dir } = run.cgroup;
    if (isCgroupPopulated(dir)) {
      log.warn({ cgroup: dir }, "processes left in the run's cgroup at close; killing them");
      signalCgroup(dir, 'SIGKILL');
    }
    for (let attempt = 0; attempt < cgroupRemoveTries && !removeCgroup(dir); attempt += 1) await delay(cgroupRemovePollMs);
    if (!removeCgroup(dir)) log.warn({ cgroup: dir }, "could not remove the run's cgroup");
  };

  const close = async (): Promise<void> => {
    if (tracked.size > 0) log.warn({ pids: [...tracked.keys()] }, 'plugin process groups still tracked at close; the watchdog ends them');
    await watchdog.close();
    const left = stillRunning([...tracked.values()]);
    tracked.clear();
    healthClosed = true;
    if (left.length === 0) await removeRunCgroup();
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
    contain: (plugin, generation) => {
      const mark = formatInstanceMark({ runId: currentRunId, plugin, generation });
      if (run.kind !== 'cgroup' || closing !== null) return { mark, cgroup: null };
      const made = run.cgroup.create(plugin, generation);
      if (!made.ok)
        log.warn(
          { plugin, generation, reason: made.reason },
          'the plugin runs without a cgroup of its own (its process group and mark still hold it)',
        );
      return { mark, cgroup: made.ok ? made.dir : null };
    },
    track: (pid, containment) => {
      if (closing !== null) return;
      const startTime = readStartTime(pid);
      // Gone already (or no /proc): nothing that could be named safely later.
      if (startTime === null) return;
      const cgroup = containment?.cgroup ?? undefined;
      const record: GroupRecord = { pid, startTime, runId: currentRunId, ...(cgroup === undefined ? {} : { cgroup }) };
      tracked.set(pid, record);
      writer.write([...tracked.values()]);
      watchdog.add(record);
    },
    release: (pid) => {
      const record = tracked.get(pid);
      // While closing, the map alone: the records file is close's to write.
      if (!tracked.delete(pid) || closing !== null) return;
      writer.write([...tracked.values()]);
      watchdog.remove(pid);
      // Its stop saw the cgroup empty; the kernel may need a moment before rmdir works.
      if (record?.cgroup !== undefined) {
        const { cgroup } = record;
        void removePluginCgroup(cgroup).then((removed) => {
          if (!removed) log.warn({ cgroup }, "could not remove a stopped plugin's cgroup; it goes with the run's at close");
        });
      }
    },
    health: () => lastHealth ?? computeHealth(),
    onHealth: (listener) => healthBus.subscribe(listener),
    close: () => {
      closing ??= close();
      return closing;
    },
  };
};
