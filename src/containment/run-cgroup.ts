import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findOwnCgroup, isCgroupPopulated, removeCgroup } from './cgroup.js';
import { runCommand } from '../process/run-process.js';
import { pluginDirPattern, runDirPattern } from './recorded-cgroups.js';

/** The environment variable that turns cgroups off (`off`); anything else lets hale use them where it can. */
export const cgroupSwitchVariable = 'HALE_CGROUP';

/** How plugins are held together: a cgroup each, or their process group plus the instance mark. */
export type ContainmentKind = 'cgroup' | 'process-group';

/** The cgroup of one hale run (`hale-<runId>` under hale's own), holding a cgroup a plugin process. */
export interface RunCgroup {
  readonly dir: string;
  /** Makes the cgroup of one plugin generation; null (and why) when it cannot. */
  create(plugin: string, generation: number): { ok: true; dir: string } | { ok: false; reason: string };
}

export type RunCgroupResult = { kind: 'cgroup'; cgroup: RunCgroup; reason: string } | { kind: 'process-group'; reason: string };

// The shell moves itself into the cgroup, then nothing is left to do: a real spawn, tried once.
const enterScript = 'echo 0 > "$1/cgroup.procs"';

// The cgroup of that trial: the name every version of hale gave it, so a leftover of any is found.
const trialName = 'probe-0';

/**
 * Makes this run's cgroup under hale's own, where cgroup v2 is mounted and
 * writable and a process can be moved into it (tried once, with a shell that
 * moves itself). Otherwise, or with HALE_CGROUP=off, process groups and the
 * instance mark, and the reason why. Controllers are never enabled: cgroup
 * v2 lets a cgroup with processes (hale's own) have children only without.
 *
 * @example
 * const run = await openRunCgroup({ runId: currentRunId, env: process.env });
 * if (run.kind === 'cgroup') run.cgroup.create('echo', 1);
 */
export const openRunCgroup = async ({ runId, env }: { runId: string; env: NodeJS.ProcessEnv }): Promise<RunCgroupResult> => {
  if (env[cgroupSwitchVariable] === 'off') return { kind: 'process-group', reason: `cgroups are turned off (${cgroupSwitchVariable}=off)` };
  if (process.platform !== 'linux') return { kind: 'process-group', reason: `no cgroups on ${process.platform}` };
  const own = findOwnCgroup();
  if (!own.ok) return { kind: 'process-group', reason: own.reason };
  removeDeadTrials(own.dir);
  const dir = join(own.dir, `hale-${runId}`);
  try {
    mkdirSync(dir);
  } catch (error) {
    return { kind: 'process-group', reason: `cannot make a cgroup under ${own.dir}: ${describe(error)}` };
  }
  const trial = join(dir, trialName);
  const entered = await (async () => {
    try {
      mkdirSync(trial);
    } catch (error) {
      return `cannot make a cgroup under ${dir}: ${describe(error)}`;
    }
    const tried = await runCommand({
      command: '/bin/sh',
      args: ['-c', enterScript, 'sh', trial],
      cwd: '/',
      env: {},
      timeoutMs: 5_000,
      maxOutputBytes: 1_024,
    });
    if (!tried.ok) return tried.message;
    return tried.code === 0
      ? null
      : `cannot move a process into ${trial}: ${tried.stderr.trim() || describeExitCode(tried.code, tried.signal)}`;
  })();
  await removeWhenEmpty(trial);
  if (entered !== null) {
    await removeWhenEmpty(dir);
    return { kind: 'process-group', reason: entered };
  }
  return {
    kind: 'cgroup',
    reason: `a cgroup v2 each under ${dir}`,
    cgroup: {
      dir,
      create: (plugin, generation) => {
        const name = `${plugin}-${generation}`;
        if (!pluginDirPattern.test(name)) return { ok: false, reason: `${name} is not a cgroup name hale makes` };
        const at = join(dir, name);
        try {
          mkdirSync(at);
          return { ok: true, dir: at };
        } catch (error) {
          // A generation number is never reused within a runner; a leftover of an earlier runner may still be there.
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { ok: true, dir: at };
          return { ok: false, reason: `cannot make the cgroup ${at}: ${describe(error)}` };
        }
      },
    },
  };
};

// A trial lasts a moment; one this old belongs to a hale that died while it tried.
const deadTrialMs = 60_000;

/**
 * Removes the run cgroups of hales killed in the middle of their trial: a
 * `hale-<runId>` holding nothing but an old, empty `probe-0`. No live hale's
 * run cgroup looks so (its trial is gone within seconds).
 */
const removeDeadTrials = (parent: string): void => {
  let entries: string[];
  try {
    entries = readdirSync(parent)
      .filter((name) => runDirPattern.test(name))
      .slice(0, 1_000);
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(parent, name);
    try {
      const children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
      const trial = join(dir, trialName);
      if (children.length !== 1 || children[0]?.name !== trialName || isCgroupPopulated(dir)) continue;
      if (Date.now() - statSync(trial).mtimeMs < deadTrialMs) continue;
      removeCgroup(dir);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
};

/** rmdir of a cgroup whose last process has just exited may be refused (EBUSY) for a moment. */
const removeWhenEmpty = async (dir: string): Promise<void> => {
  for (let attempt = 0; attempt < 50 && !removeCgroup(dir); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
};

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const describeExitCode = (code: number | null, signal: string | null): string =>
  signal !== null ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
