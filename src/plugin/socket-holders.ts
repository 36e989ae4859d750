import { closeSync, opendirSync, openSync, readFileSync, readlinkSync, readSync, type Dir } from 'node:fs';
import { readProcStat } from '../process/proc-stat.js';
import { formatInstanceMark, readInstanceMark } from '../containment/instance-mark.js';

// A scan of /proc is bounded: a host with more processes, or a process with more descriptors, is not read whole.
const maxProcesses = 100_000;
const maxDescriptors = 100_000;

/** Reads up to `max` names of a directory; null when it cannot be opened. */
const readNames = (path: string, max: number): string[] | null => {
  let dir: Dir;
  try {
    dir = opendirSync(path);
  } catch {
    return null;
  }
  const names: string[] = [];
  try {
    for (let entry = dir.readSync(); entry !== null && names.length < max; entry = dir.readSync()) names.push(entry.name);
  } catch {
    // A process that ends mid-read leaves what was read.
  } finally {
    dir.closeSync();
  }
  return names;
};

/** The pids /proc shows (bounded), or null where there is no /proc. */
export const listPids = (): number[] | null => {
  const names = readNames('/proc', maxProcesses * 2);
  if (names === null) return null;
  const pids: number[] = [];
  for (const name of names) if (/^\d+$/.test(name) && pids.length < maxProcesses) pids.push(Number(name));
  return pids;
};

const socketLink = /^socket:\[(\d+)\]$/;

/**
 * Which of `inodes` the process holds a descriptor of (from /proc/PID/fd); empty when it is gone or not
 * ours to read (another user's).
 *
 * @example
 * heldSockets(child.pid, new Set([4242])); // Set { 4242 } when the plugin holds that socket
 */
export const heldSockets = (pid: number, inodes: ReadonlySet<number>): Set<number> => {
  const held = new Set<number>();
  const fds = readNames(`/proc/${pid}/fd`, maxDescriptors) ?? [];
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = Number(socketLink.exec(link)?.[1] ?? Number.NaN);
    if (inodes.has(inode)) held.add(inode);
  }
  return held;
};

// cgroup.procs of a plugin's own cgroup: a pid a line; a cgroup with more is not read whole.
const maxCgroupBytes = 1024 * 1024;
// A walk through /proc lets other work run between steps of this many processes.
const yieldEvery = 64;

/**
 * The processes in a plugin's own cgroup v2 (cgroup.procs); empty without one.
 *
 * @example
 * readCgroupProcesses('/sys/fs/cgroup/hale-1/echo-2'); // [4242, 4250]
 */
export const readCgroupProcesses = (cgroup: string | null): number[] => {
  if (cgroup === null) return [];
  try {
    const procs = readFileSync(`${cgroup}/cgroup.procs`, 'utf8').slice(0, maxCgroupBytes);
    return procs
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch {
    // Gone with its last process, or never made.
    return [];
  }
};

/**
 * Calls `visit` with every pid /proc shows (bounded) until it returns true,
 * letting the event loop run every 64 processes: a host with thousands of
 * processes does not stall hale's checks and API.
 *
 * @example
 * await walkProcesses((pid) => readProcStat(pid)?.pgid === leader && found.add(pid) === undefined);
 */
export const walkProcesses = async (visit: (pid: number) => boolean): Promise<void> => {
  const pids = listPids() ?? [];
  for (let i = 0; i < pids.length; i += 1) {
    if (i > 0 && i % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (visit(pids[i] ?? 0)) return;
  }
};

/** True when a process of this pid carries `mark` (the HALE_INSTANCE value) in its environment. */
export const carriesMark = (pid: number, mark: string): boolean => {
  const carried = readInstanceMark(pid);
  return carried !== null && formatInstanceMark(carried) === mark;
};

/** True when the process is in the group led by `leader`. */
export const inGroup = (pid: number, leader: number): boolean => readProcStat(pid)?.pgid === leader;

/** The name of a process, from /proc/PID/comm; '' when unreadable. */
export const readCommandName = (pid: number): string => {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/comm`, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(64);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, read).trim();
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
};

/**
 * The first process (other than `except`) found holding one of `inodes`, in a
 * bounded walk through /proc, with the plugin its instance mark names; null
 * when none is visible (another user's, or gone). hale itself is looked at last.
 *
 * @example
 * await findSocketHolder(new Set([4242]), new Set([100])); // { pid: 101, plugin: 'sibling' }
 */
export const findSocketHolder = async (
  inodes: ReadonlySet<number>,
  except: ReadonlySet<number>,
): Promise<{ pid: number; plugin: string | null } | null> => {
  let found: { pid: number; plugin: string | null } | null = null;
  await walkProcesses((pid) => {
    if (except.has(pid) || pid === process.pid || heldSockets(pid, inodes).size === 0) return false;
    found = { pid, plugin: readInstanceMark(pid)?.plugin ?? null };
    return true;
  });
  if (found === null && heldSockets(process.pid, inodes).size > 0) found = { pid: process.pid, plugin: null };
  return found;
};
