import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { readStartTime } from '../process/proc-stat.js';
import { describeExit } from '../process/run-process.js';
import { settleWithin } from '../util/settle.js';
import { spawnWatchdog, type WatchdogProcess } from './spawn-watchdog.js';
import type { GroupRecord } from './group-records.js';
import { formatWatchdogMessage, type WatchdogMessage } from './watchdog-protocol.js';

/** Whether a watchdog runs right now, or hale is waiting to start another. */
export type WatchdogState = 'running' | 'restarting';

export interface WatchdogStatus {
  state: WatchdogState;
  /** Why it is restarting, in words; '' while it runs. */
  reason: string;
  /** When the state last changed (ms since the epoch). */
  since: number;
  /** How many times a watchdog was started again after one died or failed to start. */
  restarts: number;
}

/** The guard's end of the watchdog process. */
export interface Watchdog {
  add(record: GroupRecord): void;
  remove(pid: number): void;
  status(): WatchdogStatus;
  /**
   * Ends its stdin: it ends the groups it still guards, then exits. Resolves once it has (bounded);
   * the cleanup program it started may still be ending marked processes and removing cgroups.
   */
  close(): Promise<void>;
}

export interface WatchdogOptions {
  log: Logger;
  /** Everything guarded right now, sent again to a watchdog that replaces one that died. */
  guarded: () => GroupRecord[];
  /** The run: its id (the plugins' mark) and its cgroup, told to every watchdog first. */
  run?: { runId: string; cgroup: string | null };
  /** Where the watchdog's cleanup program is; found next to this file (or in dist/ under test) unless given. */
  main?: string;
  /** Where the sh loop that idles is; found like main unless given. */
  script?: string;
  /** The shell that runs it; without one, the cleanup program is itself the watchdog, under node. */
  shell?: string;
  /** Called on every change of status. */
  onStatus?: (status: WatchdogStatus) => void;
  /** The wait before the second quick retry, doubled each quick retry after, up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

// A watchdog that lived this long was no quick failure: the next death is retried at once.
const stableMs = 10_000;
const closeTimeoutMs = 3_000;

/**
 * Where the compiled watchdog is: beside this file's compiled self in dist/,
 * or, when this file runs from src/ under a test runner, in the build.
 *
 * @example
 * findWatchdogMain(); // '/usr/lib/node_modules/hale/dist/containment/watchdog-main.js'
 */
export const findWatchdogMain = (): string | null => findBuilt('watchdog-main.js');

/**
 * Where the watchdog's sh loop is: found like the program it runs at the end (the build copies it into dist/).
 *
 * @example
 * findWatchdogScript(); // '/usr/lib/node_modules/hale/dist/containment/hale-watchdog.sh'
 */
export const findWatchdogScript = (): string | null => findBuilt('hale-watchdog.sh');

const findBuilt = (name: string): string | null => {
  const candidates = [new URL(`./${name}`, import.meta.url)];
  if (import.meta.url.endsWith('.ts')) candidates.push(new URL(`../../dist/containment/${name}`, import.meta.url));
  const found = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(path));
  return found ?? null;
};

/** What runs the watchdog: the sh loop, or where it cannot, the cleanup program itself under node. */
const chooseCommand = (
  main: string,
  script: string | null,
  shell: string,
): { command: string; args: string[]; fallback: string | null } => {
  if (script === null)
    return { command: process.execPath, args: [main], fallback: 'its sh loop (containment/hale-watchdog.sh) is missing' };
  if (!existsSync(shell)) return { command: process.execPath, args: [main], fallback: `there is no ${shell}` };
  return { command: shell, args: [script, process.execPath, main], fallback: null };
};

/**
 * Starts the watchdog: a small process in its own process group, without a
 * parent-death signal, that ends every plugin group it guards once our end
 * of its stdin closes — which happens however this process dies. What idles
 * is a POSIX sh loop (hale-watchdog.sh, under 2 MiB) that keeps the live
 * lines; at the end it sends SIGTERM, then SIGKILL, to the groups it proves
 * ours, and starts the cleanup program (watchdog-main.js, under node) on the
 * lines for the rest: marked processes, cgroups. Without /bin/sh, that program
 * is the watchdog itself, as a whole node process. If it dies
 * while we run (or cannot be started), another is started, and told
 * everything again: at once the first time, then after 1 s, 2 s, 4 s… up to
 * 30 s while they keep dying quickly. It never gives up; meanwhile its
 * status says 'restarting'. Never throws.
 *
 * @example
 * const watchdog = await startWatchdog({ log, guarded: () => [...tracked.values()] });
 * watchdog.add({ pid: 4242, startTime: '981234' });
 */
export const startWatchdog = async (options: WatchdogOptions): Promise<Watchdog> => {
  const { log } = options;
  const firstRetryMs = options.firstRetryMs ?? 1_000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const main = options.main ?? findWatchdogMain();
  const script = options.script ?? findWatchdogScript();
  const shell = options.shell ?? '/bin/sh';
  // Ours: the watchdog's parent may be gone, or be the sh, when it needs it.
  const since = readStartTime(process.pid);
  let warnedFallback = false;
  let warnedUnsendable = false;
  let helper: WatchdogProcess | null = null;
  let closing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  // Deaths (or failed starts) in a row of watchdogs that did not live stableMs.
  let quickFailures = 0;
  let status: WatchdogStatus = { state: 'restarting', reason: 'not started yet', since: Date.now(), restarts: 0 };

  const setStatus = (next: Omit<WatchdogStatus, 'since' | 'restarts'>, restarted = false): void => {
    if (next.state === status.state && next.reason === status.reason && !restarted) return;
    status = { ...next, since: Date.now(), restarts: status.restarts + (restarted ? 1 : 0) };
    options.onStatus?.(status);
  };

  const send = (message: WatchdogMessage): void => {
    if (helper === null || helper.exitInfo() !== null) return;
    const line = formatWatchdogMessage(message) ?? formatWithoutCgroup(message);
    if (line !== null) helper.stdin.write(line);
  };

  // A cgroup path no line can carry (a space in it): the group is still guarded by its pid and mark.
  const formatWithoutCgroup = (message: WatchdogMessage): string | null => {
    if (!warnedUnsendable) log.warn({ message }, 'cannot tell the watchdog this on one line; told it without the cgroup');
    warnedUnsendable = true;
    if (message.op === 'add')
      return formatWatchdogMessage({ op: 'add', pid: message.pid, startTime: message.startTime, runId: message.runId });
    if (message.op === 'run') return formatWatchdogMessage({ ...message, cgroup: null });
    return null;
  };

  // After a death or a failed start: a new try, later each time while they keep failing quickly.
  const retry = (why: string, startedAt: number | null): void => {
    quickFailures = startedAt !== null && Date.now() - startedAt >= stableMs ? 1 : quickFailures + 1;
    const waitMs = quickFailures <= 1 ? 0 : Math.min(maxRetryMs, firstRetryMs * 2 ** (quickFailures - 2));
    setStatus({ state: 'restarting', reason: waitMs === 0 ? `${why}; starting another` : `${why}; next try in ${waitMs} ms` });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void launch(true), waitMs);
    // A wait for the next try is no reason for hale to stay up.
    retryTimer.unref();
  };

  const launch = async (again: boolean): Promise<void> => {
    retryTimer = undefined;
    if (closing) return;
    if (main === null) {
      log.error(
        'the watchdog program (containment/watchdog-main.js) is missing; plugins are not ended if hale is killed (run `npm run build`)',
      );
      retry('the watchdog program (containment/watchdog-main.js) is missing', null);
      return;
    }
    const { command, args, fallback } = chooseCommand(main, script, shell);
    if (fallback !== null && !warnedFallback)
      log.warn({ reason: fallback }, 'the watchdog runs as a whole node process instead of a sh loop');
    warnedFallback ||= fallback !== null;
    const spawned = await spawnWatchdog({ command, args, cwd: '/', env: {} });
    if (closing) {
      if (spawned.ok) spawned.process.stdin.end();
      return;
    }
    if (!spawned.ok) {
      log.error({ reason: spawned.message }, 'could not start the watchdog');
      retry(`could not start the watchdog: ${spawned.message}`, null);
      return;
    }
    const current = spawned.process;
    const startedAt = Date.now();
    helper = current;
    if (since !== null) send({ op: 'since', startTime: since });
    if (options.run !== undefined) send({ op: 'run', ...options.run });
    for (const record of options.guarded()) send({ op: 'add', ...record });
    log.debug({ watchdogPid: current.pid }, 'watchdog started');
    setStatus({ state: 'running', reason: '' }, again);
    void current.exited.then((exit) => {
      if (closing || helper !== current) return;
      helper = null;
      log.warn({ watchdogPid: current.pid, ...exit }, 'the watchdog died; starting a new one');
      retry(`the watchdog (pid ${current.pid}) died (${describeExit(exit)})`, startedAt);
    });
  };

  await launch(false);
  return {
    add: (record) => send({ op: 'add', ...record }),
    remove: (pid) => send({ op: 'remove', pid }),
    status: () => status,
    close: async () => {
      closing = true;
      clearTimeout(retryTimer);
      const last = helper;
      helper = null;
      if (last === null || last.exitInfo() !== null) return;
      // With nothing left to guard there is nothing to wait for: killed before its stdin ends, it starts no cleanup (it ignores SIGTERM).
      if (options.guarded().length === 0) last.kill('SIGKILL');
      last.stdin.end();
      const exited = await settleWithin(
        last.exited.then(() => true),
        closeTimeoutMs,
        false,
      );
      if (!exited) {
        log.warn({ watchdogPid: last.pid }, 'the watchdog did not exit; killing it');
        last.kill('SIGKILL');
      }
    },
  };
};
