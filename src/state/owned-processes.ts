import type { GroupRecord } from './group-records.js';
import { isRunning, type ProcStat } from './proc-stat.js';

/** The running processes a record still names, and how to reach them. */
export interface OwnedProcesses {
  /** The leader is ours and still leads its group: a signal to the group reaches all, forks to come included. */
  group: boolean;
  /** Running processes that are ours, leader first when it runs. */
  pids: number[];
}

/**
 * Which running processes a record of a plugin process group still names.
 * The leader counts only with the recorded start time: a pid reused by
 * another program is never ours. With the leader gone, members of its group
 * that started no earlier than it did are what it left behind.
 *
 * @example
 * const owned = findOwnedProcesses({ pid: 4242, startTime: '981234' }, listProcesses());
 * if (owned.group) process.kill(-4242, 'SIGTERM');
 */
export const findOwnedProcesses = (record: GroupRecord, processes: readonly ProcStat[]): OwnedProcesses => {
  const leader = processes.find((stat) => stat.pid === record.pid);
  if (leader !== undefined && leader.startTime !== record.startTime) return { group: false, pids: [] };
  const since = BigInt(record.startTime);
  const members = processes.filter(
    (stat) =>
      stat.pgid === record.pid &&
      stat.pid !== record.pid &&
      isRunning(stat) &&
      // With the leader there the group id cannot have been reused; without it, only later starts are its forks.
      (leader !== undefined || BigInt(stat.startTime) >= since),
  );
  const pids = members.map((stat) => stat.pid);
  if (leader !== undefined && isRunning(leader)) pids.unshift(leader.pid);
  return { group: leader !== undefined && leader.pgid === record.pid, pids };
};
