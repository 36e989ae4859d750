import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { alive } from '../../test/helpers/alive.js';
import { forgetPid } from '../cleanup.js';
import { findProcessesByMarker, survivorsAfter } from '../proc-usage.js';

/** The environment variable every peer child carries, set to its manager's temp dir, so we find our own children even after a restart we did not see. */
export const tagVariable = 'BENCH_PEER_TAG';

/**
 * True while `pid` runs and carries BENCH_PEER_TAG=`tag`: alive(pid) that a
 * reused pid (pid_max is 32768 here) cannot fool.
 *
 * @example
 * survivorsAfter(pids, 2_000, (pid) => isTagged(pid, manager.dir));
 */
export const isTagged = (pid: number, tag: string): boolean => {
  try {
    return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0${tagVariable}=${tag}\0`) && alive(pid);
  } catch {
    return false;
  }
};

/**
 * Pids of live processes whose environment has BENCH_PEER_TAG=`tag`: the
 * children a peer manager started for us (PM2 hides their arguments behind
 * its own process title, so the command line cannot tell).
 *
 * @example
 * findTaggedProcesses('/tmp/hale-pm2-Ab12'); // [4242, 4243]
 */
export const findTaggedProcesses = (tag: string): number[] => {
  const found: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if (isTagged(Number(entry), tag)) found.push(Number(entry));
  }
  return found;
};

/**
 * SIGKILLs `pids` (ours: started by the bench or a manager it started) and
 * waits up to `withinMs` for them to be gone; returns those still running.
 *
 * @example
 * const left = await endProcesses([daemonPid, ...childPids]); // []
 */
export const endProcesses = async (pids: number[], withinMs = 5_000): Promise<number[]> => {
  const unique = [...new Set(pids)].filter((pid) => pid > 0);
  for (const pid of unique) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  const left = await survivorsAfter(unique, withinMs, alive);
  for (const pid of unique) if (!left.includes(pid)) forgetPid(pid);
  return left;
};

/**
 * Synchronously SIGKILLs every process of a manager's temp dir — its daemon
 * (the dir is in its command line) first, then its tagged children — and
 * removes the dir: for an 'exit' handler, when the bench ends mid-run and
 * a pid we had not yet learnt would otherwise be left behind.
 *
 * @example
 * const sweep = () => sweepSync(dir);
 * process.on('exit', sweep);
 */
export const sweepSync = (dir: string): void => {
  for (const pid of [...findProcessesByMarker(dir), ...findTaggedProcesses(dir)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  rmSync(dir, { recursive: true, force: true });
};
