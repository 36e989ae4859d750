import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { forgetPid, registerPid } from '../cleanup.js';
import { measureUsage, survivorsAfter, type Usage } from '../proc-usage.js';
import { findFreePorts } from './free-ports.js';
import { childUrl, httpChildPath } from './http-child.js';
import type { ManagedChild, PeerManager } from './manager.js';
import { waitForAnswer } from './probe.js';
import { endProcesses, isTagged } from './tagged-processes.js';

/**
 * SIGKILLs `child` and times (ms) until its URL answers 200 again from a new
 * pid, polling every 2 ms for up to 10 s. Afterwards the manager is asked for
 * its children, so the new pid is registered for cleanup.
 *
 * @example
 * const [child] = await pm2.children();
 * const ms = await measureRestart(pm2, child); // ≈ 210 on 2 cores
 */
export const measureRestart = async (manager: PeerManager, child: ManagedChild): Promise<number> => {
  const killedAt = performance.now();
  process.kill(child.pid, 'SIGKILL');
  const back = await waitForAnswer(child.url, { everyMs: 2, withinMs: 10_000, notPid: child.pid });
  if (!back.ok) throw new Error(`${manager.name}: ${child.name} was not restarted: ${back.reason}`);
  // A new pid answered, so the old one is gone and reaped by its manager: not ours to end any more.
  forgetPid(child.pid);
  await manager.children();
  return back.atMs - killedAt;
};

/**
 * The peers' baseline: times (ms) spawning http-child.mjs by hand until it
 * first answers, polled every 2 ms as measureRestart polls; then ends it.
 *
 * @example
 * const bare = await measureBareChildStart(); // ≈ 150 on 2 cores
 */
export const measureBareChildStart = async (): Promise<number> => {
  const [port = 0] = await findFreePorts(1);
  const startedAt = performance.now();
  const child = spawn(process.execPath, [httpChildPath, String(port)], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`could not spawn ${httpChildPath}`);
  registerPid(child.pid);
  try {
    const answer = await waitForAnswer(childUrl(port), { everyMs: 2, withinMs: 10_000 });
    if (!answer.ok) throw new Error(`bare http-child: ${answer.reason}`);
    return answer.atMs - startedAt;
  } finally {
    await endProcesses([child.pid]);
  }
};

/**
 * Times (ms) `start(count)` on a fresh manager from `create`: the manager's
 * own start plus every child answering. The manager is stopped afterwards.
 *
 * @example
 * const ms = await measureStartup(createPm2Manager, 100); // ≈ 16000 on a busy 2-core machine
 */
export const measureStartup = async (create: () => Promise<PeerManager>, count = 100): Promise<number> => {
  const manager = await create();
  try {
    const startedAt = performance.now();
    await manager.start(count);
    return performance.now() - startedAt;
  } finally {
    await manager.stop();
  }
};

/**
 * Starts `count` children on a fresh manager, SIGKILLs the manager's own
 * process(es), waits up to 2 s, and counts the children still running; then
 * ends them (and everything else of the manager's) by pid.
 *
 * @example
 * await measureOrphans(createPm2Manager, 50); // { children: 50, leftAfter2s: 0 }
 */
export const measureOrphans = async (
  create: () => Promise<PeerManager>,
  count = 50,
): Promise<{ children: number; leftAfter2s: number }> => {
  const manager = await create();
  try {
    await manager.start(count);
    const pids = (await manager.children()).map((c) => c.pid);
    const daemons = await endProcesses(manager.daemonPids());
    if (daemons.length > 0) throw new Error(`${manager.name}: the daemon survived SIGKILL: ${daemons.join(', ')}`);
    const left = await survivorsAfter(pids, 2_000, (pid) => isTagged(pid, manager.dir));
    return { children: pids.length, leftAfter2s: left.length };
  } finally {
    await manager.stop();
  }
};

/**
 * The manager's own RSS and CPU (% of one core) over `ms`, its children not counted.
 *
 * @example
 * await measureIdle(pm2, 30_000); // { rssMib: 59, cpuPercent: 0, windowMs: 30001 }
 */
export const measureIdle = (manager: PeerManager, ms: number): Promise<Usage> => measureUsage(manager.daemonPids(), ms);
