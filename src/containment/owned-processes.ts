import { readInstanceMark, type InstanceMark } from './instance-mark.js';
import type { GroupRecord } from './group-records.js';
import { isRunning, type ProcStat } from '../process/proc-stat.js';

/** The running processes a record still names, and how to reach them. */
export interface OwnedProcesses {
  /** The leader is ours and still leads its group: a signal to the group reaches all, forks to come included. */
  group: boolean;
  /** Running processes that are ours, leader first when it runs. */
  pids: number[];
}

/** Reads a process's instance mark; /proc/PID/environ unless a test says otherwise. */
export type MarkReader = (pid: number) => InstanceMark | null;

/**
 * Which running processes a record of a plugin process group still names.
 * Only what is proven to be hale's counts: the leader with the recorded
 * start time (a pid reused by another program is never ours), and while it
 * lives, its group. With the leader gone, its group's number may be anyone's:
 * a member counts only if it carries the mark of the recorded run.
 *
 * @example
 * const owned = findOwnedProcesses({ pid: 4242, startTime: '981234', runId }, listProcesses());
 * if (owned.group) process.kill(-4242, 'SIGTERM');
 */
export const findOwnedProcesses = (
  record: GroupRecord,
  processes: readonly ProcStat[],
  readMark: MarkReader = readInstanceMark,
): OwnedProcesses => {
  const leader = processes.find((stat) => stat.pid === record.pid);
  if (leader !== undefined && leader.startTime !== record.startTime) return { group: false, pids: [] };
  const marked = (pid: number): boolean => record.runId !== undefined && readMark(pid)?.runId === record.runId;
  const members = processes.filter(
    (stat) =>
      stat.pgid === record.pid &&
      stat.pid !== record.pid &&
      isRunning(stat) &&
      // With the leader there the group id cannot have been reused; without it, only the mark tells.
      (leader !== undefined || marked(stat.pid)),
  );
  const pids = members.map((stat) => stat.pid);
  if (leader !== undefined && isRunning(leader)) pids.unshift(leader.pid);
  return { group: leader !== undefined && leader.pgid === record.pid, pids };
};

/**
 * Running processes that carry the mark of one of these runs, wherever they
 * are (another group, another session: a daemonizing fork). This process
 * itself never counts. With `since` (a start time), only processes started
 * then or later are read: a run's plugins all started after it did, and an
 * environ costs more to read than a stat.
 *
 * @example
 * findMarkedProcesses(new Set([currentRunId]), listProcesses()); // [4250, 4311]
 */
export const findMarkedProcesses = (
  runIds: ReadonlySet<string>,
  processes: readonly ProcStat[],
  readMark: MarkReader = readInstanceMark,
  since: string | null = null,
): number[] => {
  if (runIds.size === 0) return [];
  const from = since === null ? null : BigInt(since);
  return processes
    .filter((stat) => stat.pid !== process.pid && isRunning(stat) && (from === null || BigInt(stat.startTime) >= from))
    .filter((stat) => {
      const runId = readMark(stat.pid)?.runId;
      return runId !== undefined && runIds.has(runId);
    })
    .map((stat) => stat.pid);
};
