import { setTimeout as delay } from 'node:timers/promises';
import { isCgroupPopulated, listCgroupProcesses, signalCgroup } from './cgroup.js';
import type { GroupRecord } from './group-records.js';
import { findMarkedProcesses, findOwnedProcesses, type MarkReader, type OwnedProcesses } from './owned-processes.js';
import { isRunning, listProcesses, type ProcStat } from '../process/proc-stat.js';

export interface EndGroupsOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs: number;
  /** How long SIGKILLed processes get to be gone before they count as survivors. */
  killWaitMs: number;
  /** How often /proc is read while waiting. */
  pollMs?: number;
  /** Runs whose marked processes are ended wherever they are; the records' runs are always included. */
  runIds?: readonly string[];
  /**
   * Marked processes are looked for only among those started then or later
   * (a start time); the earliest recorded start by default, all when nothing is recorded.
   */
  markedSince?: string | null;
  /** Plugin cgroups (checked to be hale's by the caller) whose every process is ended. */
  cgroups?: readonly string[];
  readMark?: MarkReader;
}

export interface EndedGroups {
  /** Every pid that was signalled. */
  ended: number[];
  /** Pids still running after SIGKILL and killWaitMs (stuck in the kernel, say). */
  survivors: number[];
}

interface Found {
  groups: Array<{ record: GroupRecord; owned: OwnedProcesses }>;
  /** Proven by the mark or the cgroup alone, outside any live recorded group: pid and start time. */
  loose: Map<number, string>;
  cgroups: string[];
}

const signalPid = (target: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(target, signal);
  } catch {
    // Gone between the look and the signal: what was wanted.
  }
};

const signalFound = (found: Found, signal: NodeJS.Signals): void => {
  for (const { record, owned } of found.groups) {
    const targets = owned.group ? [-record.pid, ...owned.pids.filter((pid) => pid !== record.pid)] : owned.pids;
    targets.forEach((target) => signalPid(target, signal));
  }
  for (const pid of found.loose.keys()) signalPid(pid, signal);
  for (const dir of found.cgroups) signalCgroup(dir, signal);
};

const pidsOf = (found: Found): number[] => [...new Set([...found.groups.flatMap(({ owned }) => owned.pids), ...found.loose.keys()])];

const isEmpty = (found: Found): boolean => found.groups.length === 0 && found.loose.size === 0 && found.cgroups.length === 0;

/**
 * Ends what plugin process groups left when their supervisor died: SIGTERM,
 * then SIGKILL to whatever is left after `graceMs`. Only processes proven
 * to be hale's are touched: a recorded leader (pid and start time) and its
 * group, a process with the mark of a recorded run, a process in a given
 * cgroup. A reused pid never is; nor is a stranger in a leaderless group.
 *
 * @example
 * const { ended } = await endGroups(records, { graceMs: 1_000, killWaitMs: 1_000 });
 */
export const endGroups = async (records: readonly GroupRecord[], options: EndGroupsOptions): Promise<EndedGroups> => {
  const pollMs = options.pollMs ?? 20;
  const { readMark } = options;
  const runIds = new Set([...(options.runIds ?? []), ...records.flatMap((record) => (record.runId === undefined ? [] : [record.runId]))]);
  const cgroups = options.cgroups ?? [];
  const earliest = records.reduce<bigint | null>(
    (min, record) => (min === null || BigInt(record.startTime) < min ? BigInt(record.startTime) : min),
    null,
  );
  const markedSince = options.markedSince !== undefined ? options.markedSince : earliest === null ? null : String(earliest);

  // The whole look: /proc/*/environ of every process for the marks. Done before each signal, not at each poll.
  const scan = (): Found => {
    const processes = listProcesses();
    const groups = records
      .map((record) => ({ record, owned: findOwnedProcesses(record, processes, readMark) }))
      .filter(({ owned }) => owned.pids.length > 0);
    const inGroups = new Set(groups.flatMap(({ owned }) => owned.pids));
    const byPid = new Map(processes.map((stat) => [stat.pid, stat]));
    const loose = new Map<number, string>();
    for (const pid of [...findMarkedProcesses(runIds, processes, readMark, markedSince), ...cgroups.flatMap(listCgroupProcesses)]) {
      const stat = byPid.get(pid);
      if (stat !== undefined && isRunning(stat) && !inGroups.has(pid) && pid !== process.pid) loose.set(pid, stat.startTime);
    }
    return { groups, loose, cgroups: cgroups.filter(isCgroupPopulated) };
  };
  // What of an earlier look still runs; a new fork of a loose process is caught by the next whole look.
  const recheck = (before: Found): Found => {
    const processes = listProcesses();
    const byPid = new Map<number, ProcStat>(processes.map((stat) => [stat.pid, stat]));
    const groups = before.groups
      .map(({ record }) => ({ record, owned: findOwnedProcesses(record, processes, readMark) }))
      .filter(({ owned }) => owned.pids.length > 0);
    const loose = new Map(
      [...before.loose].filter(([pid, startTime]) => {
        const stat = byPid.get(pid);
        return stat !== undefined && isRunning(stat) && stat.startTime === startTime;
      }),
    );
    return { groups, loose, cgroups: before.cgroups.filter(isCgroupPopulated) };
  };
  const waitUntilGone = async (found: Found, ms: number): Promise<Found> => {
    const deadline = Date.now() + ms;
    let left = recheck(found);
    while (!isEmpty(left) && Date.now() < deadline) {
      await delay(Math.min(pollMs, Math.max(1, deadline - Date.now())));
      left = recheck(left);
    }
    return left;
  };

  const ended = new Set<number>();
  const found = scan();
  if (isEmpty(found)) return { ended: [], survivors: [] };
  pidsOf(found).forEach((pid) => ended.add(pid));
  signalFound(found, 'SIGTERM');
  await waitUntilGone(found, options.graceMs);
  const stubborn = scan();
  if (isEmpty(stubborn)) return { ended: [...ended].sort((a, b) => a - b), survivors: [] };
  pidsOf(stubborn).forEach((pid) => ended.add(pid));
  signalFound(stubborn, 'SIGKILL');
  const survivors = await waitUntilGone(stubborn, options.killWaitMs);
  return { ended: [...ended].sort((a, b) => a - b), survivors: pidsOf(survivors) };
};
