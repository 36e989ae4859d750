import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../test/helpers/alive.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { findProcessesByMarker } from '../proc-usage.js';
import { findFreePorts } from './free-ports.js';
import { childNames, childUrl, httpChildPath } from './http-child.js';
import { ensureSupervisor } from './install-supervisor.js';
import type { ManagedChild, PeerManager } from './manager.js';
import { waitForAllAnswers } from './probe.js';
import { readProcessInfo } from './supervisor-rpc.js';
import { endProcesses, findTaggedProcesses, sweepSync, tagVariable } from './tagged-processes.js';

const config = (dir: string, ports: Map<string, number>): string =>
  [
    '[unix_http_server]',
    `file=${dir}/supervisor.sock`,
    '[supervisord]',
    `logfile=${dir}/supervisord.log`,
    `pidfile=${dir}/supervisord.pid`,
    `childlogdir=${dir}`,
    'nodaemon=true',
    'user=root',
    // Each child holds a pipe or two in supervisord; 1024 (the default) is short of 500 children.
    'minfds=8192',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${dir}/supervisor.sock`,
    ...[...ports].flatMap(([name, port]) => [
      `[program:${name}]`,
      `command=${process.execPath} ${httpChildPath} ${port}`,
      `environment=${tagVariable}="${dir}"`,
      'startsecs=0',
      'autorestart=true',
      'startretries=1000000',
      'redirect_stderr=true',
    ]),
    '',
  ].join('\n');

/**
 * Debian's supervisord (installed with apt-get when missing) run by us in
 * the foreground (`supervisord -n`) with its config, socket, pidfile and logs
 * in a fresh temp dir; startsecs 0, autorestart on. Its main loop wakes about
 * once a second, so its restarts (and its first start) take about a second.
 *
 * @example
 * const sd = await createSupervisordManager();
 * if ('unavailable' in sd) console.log(sd.unavailable);
 * else { await sd.start(10); await sd.stop(); }
 */
export const createSupervisordManager = async (): Promise<PeerManager | { unavailable: string }> => {
  const found = await ensureSupervisor();
  if (!found.ok) return { unavailable: found.reason };
  const dir = mkdtempSync(join(tmpdir(), 'hale-bench-supervisord-'));
  const socket = join(dir, 'supervisor.sock');
  const ports = new Map<string, number>();
  const seen = new Set<number>();
  const see = (pid: number): void => {
    seen.add(pid);
    registerPid(pid);
  };
  let daemon: number | null = null;
  let started = false;
  let stopped = false;
  const sweep = (): void => sweepSync(dir);
  process.on('exit', sweep);

  const children = async (): Promise<ManagedChild[]> => {
    if (daemon === null || !alive(daemon)) return [];
    const info = await readProcessInfo(socket);
    if (!info.ok) throw new Error(`supervisord: ${info.reason}`);
    const running: ManagedChild[] = [];
    for (const { name, pid, statename } of info.processes) {
      const port = ports.get(name);
      if (statename !== 'RUNNING' || pid <= 0 || port === undefined) continue;
      see(pid);
      running.push({ name, pid, url: childUrl(port) });
    }
    return running.sort((a, b) => Number(a.name.slice(1)) - Number(b.name.slice(1)));
  };

  return {
    name: 'supervisord',
    dir,
    daemonPids: () => (daemon === null ? [] : [daemon]),
    start: async (count) => {
      if (started) throw new Error('supervisord: start() runs once per manager');
      started = true;
      const names = childNames(count);
      (await findFreePorts(count)).forEach((port, i) => ports.set(names[i] ?? `c${i}`, port));
      const file = join(dir, 'supervisord.conf');
      writeFileSync(file, config(dir, ports));
      // In the foreground supervisord logs to its stdout too; a file keeps that (and any traceback) without a pipe holding our event loop.
      const output = openSync(join(dir, 'supervisord.out'), 'a');
      const child = spawn(found.supervisord, ['-n', '-c', file], { cwd: dir, stdio: ['ignore', output, output] });
      closeSync(output);
      child.unref();
      if (child.pid === undefined) throw new Error(`supervisord: could not spawn ${found.supervisord}`);
      daemon = registerPid(child.pid);
      // A supervisord that exits (a bad config, say) ends the wait at once rather than at its deadline.
      const quit = new AbortController();
      child.once('exit', (code, signal) => quit.abort(`supervisord exited (${String(code ?? signal)})`));
      const all = await waitForAllAnswers([...ports.values()].map(childUrl), { withinMs: 60_000 + 200 * count, signal: quit.signal }, see);
      if (!all.ok) throw new Error(`supervisord: ${all.reason}\n${readFileSync(join(dir, 'supervisord.out'), 'utf8').slice(-2_000)}`);
    },
    children,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', sweep);
      // The daemon first, so it restarts nothing we are about to end; then every child, found by its tag, however we learnt of it.
      // By marker, not by the pid we were told: that one may be dead already (measureOrphans) and its pid reused.
      const leftDaemons = await endProcesses(findProcessesByMarker(dir));
      if (daemon !== null) forgetPid(daemon);
      const left = await endProcesses(findTaggedProcesses(dir));
      // None of these pids is ours any more; an exit handler must not SIGKILL them once the kernel reuses them.
      for (const pid of seen) forgetPid(pid);
      rmSync(dir, { recursive: true, force: true });
      if (leftDaemons.length + left.length > 0)
        throw new Error(`supervisord: still running after SIGKILL: ${[...leftDaemons, ...left].join(', ')}`);
    },
  };
};
