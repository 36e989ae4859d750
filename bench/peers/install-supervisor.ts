import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alive } from '../../test/helpers/alive.js';
import { findProcessesByMarker, survivorsAfter } from '../proc-usage.js';

const run = promisify(execFile);
const systemConfig = '/etc/supervisor/supervisord.conf';

export type SupervisorInstall =
  | {
      ok: true;
      supervisord: string;
      supervisorctl: string;
      /** True when this call ran apt-get. */
      installedNow: boolean;
      /** The system supervisord that the package's postinstall started and we stopped, if any. */
      stoppedSystemPid: number | null;
    }
  | { ok: false; reason: string };

const findOnPath = (name: string): string | null => {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this one.
    }
  }
  return null;
};

const systemPidfile = (): string => {
  try {
    return /^\s*pidfile\s*=\s*(\S+)/m.exec(readFileSync(systemConfig, 'utf8'))?.[1] ?? '/var/run/supervisord.pid';
  } catch {
    return '/var/run/supervisord.pid';
  }
};

const readLivePid = (pidfile: string): number | null => {
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
};

const aptGet = async (args: string[]): Promise<{ ok: true } | { ok: false; output: string }> => {
  try {
    await run('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true };
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${message}\n${stdout}\n${stderr}` };
  }
};

// The package lists are missing or stale: `apt-get update` cures these, nothing else does.
const wantsUpdate = (output: string): boolean =>
  /Unable to locate package|has no installation candidate|404\s+Not Found|Failed to fetch/i.test(output);

/** SIGTERMs the system supervisord our install started (it then stops its own programs), SIGKILL if it lingers. */
const stopSystemSupervisord = async (pid: number): Promise<void> => {
  process.kill(pid, 'SIGTERM');
  if ((await survivorsAfter([pid], 10_000, alive)).length === 0) return;
  process.kill(pid, 'SIGKILL');
  await survivorsAfter([pid], 5_000, alive);
};

/**
 * Makes sure Debian's `supervisor` package is there, installing it with
 * apt-get when `supervisord` is missing. An install must not leave the
 * system's own supervisord running: if the package's postinstall started
 * one (where invoke-rc.d is allowed to), it is stopped by the pid in its pidfile.
 *
 * @example
 * const found = await ensureSupervisor();
 * if (!found.ok) console.log(`supervisord unavailable: ${found.reason}`);
 */
export const ensureSupervisor = async (): Promise<SupervisorInstall> => {
  const present = { supervisord: findOnPath('supervisord'), supervisorctl: findOnPath('supervisorctl') };
  if (present.supervisord !== null && present.supervisorctl !== null) {
    return {
      ok: true,
      supervisord: present.supervisord,
      supervisorctl: present.supervisorctl,
      installedNow: false,
      stoppedSystemPid: null,
    };
  }
  const pidfile = systemPidfile();
  const runningBefore = new Set([readLivePid(pidfile), ...findProcessesByMarker(systemConfig)]);
  let installed = await aptGet(['install', '-y', 'supervisor']);
  if (!installed.ok && wantsUpdate(installed.output)) {
    const updated = await aptGet(['update']);
    if (!updated.ok) return { ok: false, reason: `apt-get update failed: ${updated.output.trim()}` };
    installed = await aptGet(['install', '-y', 'supervisor']);
  }
  if (!installed.ok) return { ok: false, reason: `apt-get install -y supervisor failed: ${installed.output.trim()}` };
  const supervisord = findOnPath('supervisord');
  const supervisorctl = findOnPath('supervisorctl');
  if (supervisord === null || supervisorctl === null)
    return { ok: false, reason: 'supervisor is installed but supervisord or supervisorctl is not on PATH' };
  // Only a supervisord that was not running before our install is ours to stop.
  const started = [readLivePid(systemPidfile()), ...findProcessesByMarker(systemConfig)].find(
    (pid) => pid !== null && !runningBefore.has(pid),
  );
  if (started !== undefined && started !== null) await stopSystemSupervisord(started);
  return { ok: true, supervisord, supervisorctl, installedNow: true, stoppedSystemPid: started ?? null };
};
