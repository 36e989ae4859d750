import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alive } from '../../test/helpers/alive.js';
import { repoRoot } from '../../test/helpers/paths.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { findProcessesByMarker } from '../proc-usage.js';
import { findFreePorts } from './free-ports.js';
import { childNames, childUrl, httpChildPath } from './http-child.js';
import type { ManagedChild, PeerManager } from './manager.js';
import { waitForAllAnswers } from './probe.js';
import { endProcesses, findTaggedProcesses, sweepSync, tagVariable } from './tagged-processes.js';

const run = promisify(execFile);
const pm2Bin = join(repoRoot, 'node_modules/pm2/bin/pm2');

const readPid = (file: string): number | null => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

const ecosystem = (home: string, ports: Map<string, number>): string =>
  JSON.stringify({
    apps: [...ports].map(([name, port]) => ({
      name,
      script: httpChildPath,
      args: [String(port)],
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      restart_delay: 0,
      // PM2 gives up after 16 restarts within 16 × min_uptime; the bench kills the same child many times on purpose.
      max_restarts: 1_000_000,
      env: { [tagVariable]: home },
    })),
  });

/**
 * PM2 (the npm devDependency, driven through its CLI as a user would) with
 * PM2_HOME in a fresh temp dir, fork mode, restart_delay 0, autorestart on.
 * `start(count)` spawns the God daemon and the children with one `pm2 start
 * ecosystem.json`, so start-up includes the daemon's, as `hale run` includes hale's.
 *
 * @example
 * const pm2 = await createPm2Manager();
 * await pm2.start(10);
 * console.log(pm2.daemonPids(), await pm2.children());
 * await pm2.stop();
 */
export const createPm2Manager = async (): Promise<PeerManager> => {
  const home = mkdtempSync(join(tmpdir(), 'hale-bench-pm2-'));
  const pm2 = async (args: string[], timeoutMs: number): Promise<void> => {
    const running = run(process.execPath, [pm2Bin, ...args], {
      cwd: home,
      env: { ...process.env, PM2_HOME: home },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    const cli = running.child.pid;
    if (cli !== undefined) registerPid(cli);
    try {
      await running;
    } finally {
      if (cli !== undefined) forgetPid(cli);
    }
  };
  const ports = new Map<string, number>();
  const seen = new Set<number>();
  const see = (pid: number): void => {
    seen.add(pid);
    registerPid(pid);
  };
  let daemon: number | null = null;
  let started = false;
  let stopped = false;
  const sweep = (): void => sweepSync(home);
  process.on('exit', sweep);
  const noteDaemon = (): void => {
    daemon = readPid(join(home, 'pm2.pid')) ?? daemon;
    if (daemon !== null) registerPid(daemon);
  };
  // Every pid PM2 writes is registered the moment it is written, so a bench that dies mid-start or mid-restart leaves nothing behind.
  mkdirSync(join(home, 'pids'));
  const watchers: FSWatcher[] = [
    watch(home, (_event, file) => {
      if (file === 'pm2.pid') noteDaemon();
    }),
    watch(join(home, 'pids'), (_event, file) => {
      const pid = file === null ? null : readPid(join(home, 'pids', file));
      if (pid !== null) see(pid);
    }),
  ];
  for (const watcher of watchers) watcher.unref();

  const children = async (): Promise<ManagedChild[]> => {
    let files: string[] = [];
    try {
      files = readdirSync(join(home, 'pids'));
    } catch {
      return [];
    }
    const found: ManagedChild[] = [];
    for (const file of files) {
      // PM2 writes pids/NAME-ID.pid when it spawns a child and unlinks it when the child exits.
      const name = file.replace(/-\d+\.pid$/, '');
      const pid = readPid(join(home, 'pids', file));
      const port = ports.get(name);
      if (pid === null || port === undefined || !alive(pid)) continue;
      see(pid);
      found.push({ name, pid, url: childUrl(port) });
    }
    return found.sort((a, b) => Number(a.name.slice(1)) - Number(b.name.slice(1)));
  };

  return {
    name: 'pm2',
    dir: home,
    daemonPids: () => (daemon === null ? [] : [daemon]),
    start: async (count) => {
      if (started) throw new Error('pm2: start() runs once per manager');
      started = true;
      const names = childNames(count);
      (await findFreePorts(count)).forEach((port, i) => ports.set(names[i] ?? `c${i}`, port));
      const file = join(home, 'ecosystem.json');
      writeFileSync(file, ecosystem(home, ports));
      try {
        await pm2(['start', file], 60_000 + 500 * count);
      } finally {
        noteDaemon();
      }
      const all = await waitForAllAnswers([...ports.values()].map(childUrl), { withinMs: 60_000 + 200 * count }, see);
      if (!all.ok) throw new Error(`pm2: ${all.reason}`);
    },
    children,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', sweep);
      for (const watcher of watchers) watcher.close();
      // The daemon first, so it restarts nothing we are about to end; then every child, found by its tag, however we learnt of it.
      // By marker, not by the pid we were told: that one may be dead already (measureOrphans) and its pid reused.
      const leftDaemons = await endProcesses(findProcessesByMarker(home));
      if (daemon !== null) forgetPid(daemon);
      const left = await endProcesses(findTaggedProcesses(home));
      // None of these pids is ours any more; an exit handler must not SIGKILL them once the kernel reuses them.
      for (const pid of seen) forgetPid(pid);
      rmSync(home, { recursive: true, force: true });
      if (leftDaemons.length + left.length > 0)
        throw new Error(`pm2: still running after SIGKILL: ${[...leftDaemons, ...left].join(', ')}`);
    },
  };
};
