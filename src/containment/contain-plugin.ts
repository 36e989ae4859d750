import { resolveCommand } from '../process/resolve-command.js';
import { isRunning, readProcStat, readStartTime, type ProcStat } from '../process/proc-stat.js';
import { describeSpawnError, signalProcess, type StartFailure } from '../process/run-process.js';
import { isCgroupPopulated, signalCgroup, withCgroup } from './cgroup.js';
import { instanceMarkVariable } from './instance-mark.js';
import { findParentDeathLauncher, withParentDeath } from './parent-death.js';
import { findMarkedPids, groupHasLiveMembers } from './process-group.js';

/** What marks and holds every process of one plugin generation, forks included. */
export interface SpawnContainment {
  /** The HALE_INSTANCE value (`<runId>/<plugin>/<generation>`); a fork inherits it. */
  mark: string;
  /** The plugin's own cgroup v2 directory, which the process enters before it runs; null without. */
  cgroup: string | null;
}

export interface ContainedCommand {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the plugin; nothing is inherited besides. */
  env: Record<string, string>;
  /** The user and group to run it as (hale is root); null or absent runs it as hale's own. */
  runAs?: RunAs | null;
}

/** Ids to run a plugin with (null keeps hale's); `user` names a passwd entry whose groups it then gets. */
export interface RunAs {
  uid: number | null;
  gid: number | null;
  user: string | null;
}

/** How to reach every process of one plugin: its group, its cgroup, its mark. */
export interface ContainedProcesses {
  /** Sends a signal to the group and, with a containment, to the cgroup and the marked forks; false when nothing got it. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** True while any process of the group, the cgroup or the mark runs (zombies aside). */
  groupAlive(): boolean;
}

const shell = '/bin/sh';

/**
 * The command line to spawn: in the plugin's cgroup (a shell that enters it
 * and execs the rest) where it has one, under setpriv with a parent-death
 * signal where it can, else the command as given. Each step execs the next:
 * the pid is the plugin's own. The environment gets the mark first (a
 * bounded read of /proc/PID/environ finds it soonest); hale's mark wins.
 *
 * @example
 * const plan = await planContainedCommand({ command: 'node', args: ['main.js'], cwd: '/srv', env: {} }, { mark, cgroup: null });
 * // plan.command: '/usr/bin/setpriv', plan.args: ['--pdeathsig', 'TERM', '--', '/usr/bin/node', 'main.js']
 */
export const planContainedCommand = async (
  options: ContainedCommand,
  containment: SpawnContainment | null,
): Promise<({ ok: true } & ContainedCommand) | StartFailure> => {
  const env = markEnvironment(options.env, containment);
  const setpriv = await findParentDeathLauncher();
  const cgroup = containment?.cgroup ?? null;
  const runAs = options.runAs ?? null;
  if (runAs !== null && setpriv === null)
    return {
      ok: false,
      code: 'ENOSETPRIV',
      message: `${options.command}: running it as another user needs util-linux setpriv (2.33 or later) on PATH`,
    };
  if (setpriv === null && cgroup === null) return { ok: true, ...options, env };
  // A launcher execs the command itself; finding it first keeps a missing or non-executable one our clear spawn error.
  const found = resolveCommand(options.command, { cwd: options.cwd, path: options.env.PATH });
  if (!found.ok) {
    const error = Object.assign(new Error(found.code), { code: found.code });
    return { ok: false, code: found.code, message: describeSpawnError(options.command, options.cwd, error) };
  }
  const inner =
    setpriv === null
      ? { command: found.path, args: options.args }
      : withParentDeath(setpriv, found.path, options.args, identityArgs(runAs));
  return { ok: true, cwd: options.cwd, env, ...(cgroup === null ? inner : withCgroup(shell, cgroup, inner.command, inner.args)) };
};

// After the cgroup is entered (as root), setpriv takes the plugin's ids; its parent-death signal outlives the change.
const identityArgs = (runAs: RunAs | null): string[] =>
  runAs === null
    ? []
    : [
        ...(runAs.gid === null ? [] : ['--regid', String(runAs.gid)]),
        ...(runAs.uid === null ? [] : ['--reuid', String(runAs.uid)]),
        // A named user gets its groups from /etc/group; an id no file names, none beyond its own.
        ...(runAs.user !== null && runAs.uid !== null ? ['--init-groups'] : ['--clear-groups']),
      ];

const markEnvironment = (env: Record<string, string>, containment: SpawnContainment | null): Record<string, string> => {
  if (containment === null) return env;
  const rest = { ...env };
  delete rest[instanceMarkVariable];
  return { [instanceMarkVariable]: containment.mark, ...rest };
};

/**
 * The processes of a plugin started as `pid`, leader of its own group: the
 * group while its number is still ours, and beyond it the cgroup (which
 * holds every fork) or else the mark (which finds those that left the group).
 *
 * @example
 * const contained = watchContainedProcesses(started.pid, containment);
 * contained.signalGroup('SIGTERM');
 */
export const watchContainedProcesses = (pid: number, containment: SpawnContainment | null): ContainedProcesses => {
  const leaderStart = readStartTime(pid);
  // The group's number is free again once the group is empty; a live process holding it with another start time is someone else's.
  const stillOurs = (): boolean => {
    const holder = readStartTime(pid);
    return holder === null || leaderStart === null || holder === leaderStart;
  };
  // A look for the mark reads every /proc/PID/environ: what it found is remembered, and looked at again first.
  let marked: ProcStat[] = [];
  const findMarked = (mark: string): number[] => {
    marked = findMarkedPids(mark).flatMap((target) => readProcStat(target) ?? []);
    return marked.map((stat) => stat.pid);
  };
  const markedStillRun = (): boolean =>
    marked.some((known) => {
      const now = readProcStat(known.pid);
      return now !== null && isRunning(now) && now.startTime === known.startTime;
    });
  // With a cgroup, it holds every fork already: the walk through every /proc/PID/environ is left to the watchdog and the next start.
  const signalContained = (signal: NodeJS.Signals): boolean => {
    if (containment === null) return false;
    if (containment.cgroup !== null) return signalCgroup(containment.cgroup, signal);
    return findMarked(containment.mark).filter((target) => signalProcess(target, signal)).length > 0;
  };
  const containedAlive = (): boolean => {
    if (containment === null) return false;
    if (containment.cgroup !== null) return isCgroupPopulated(containment.cgroup);
    return markedStillRun() || findMarked(containment.mark).length > 0;
  };
  return {
    signalGroup: (signal) => {
      const group = stillOurs() && signalProcess(-pid, signal);
      return signalContained(signal) || group;
    },
    groupAlive: () => (stillOurs() && groupHasLiveMembers(pid)) || containedAlive(),
  };
};
