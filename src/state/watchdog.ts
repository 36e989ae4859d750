import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { spawnHelper, type HelperProcess } from '../plugin/process.js';
import type { GroupRecord } from './group-records.js';
import { formatWatchdogMessage, type WatchdogMessage } from './watchdog-protocol.js';

/** The guard's end of the watchdog process. */
export interface Watchdog {
  add(record: GroupRecord): void;
  remove(pid: number): void;
  /** Ends its stdin: it ends what it still guards, then exits. Resolves once it has (bounded). */
  close(): Promise<void>;
}

export interface WatchdogOptions {
  log: Logger;
  /** Everything guarded right now, sent again to a watchdog that replaces one that died. */
  guarded: () => GroupRecord[];
  /** Where the watchdog's program is; found next to this file (or in dist/ under test) unless given. */
  main?: string;
}

// Restarts after an unexpected death: this many within the window, then we give up.
const maxQuickFailures = 3;
const failureWindowMs = 10_000;
const closeTimeoutMs = 3_000;

/**
 * Where the compiled watchdog is: beside this file's compiled self in dist/,
 * or, when this file runs from src/ under a test runner, in the build.
 *
 * @example
 * findWatchdogMain(); // '/usr/lib/node_modules/hale/dist/watchdog/main.js'
 */
export const findWatchdogMain = (): string | null => {
  const candidates = [new URL('../watchdog/main.js', import.meta.url)];
  if (import.meta.url.endsWith('.ts')) candidates.push(new URL('../../dist/watchdog/main.js', import.meta.url));
  const found = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(path));
  return found ?? null;
};

/**
 * Starts the watchdog: a small process in its own process group, without a
 * parent-death signal, that ends every plugin group it guards once our end
 * of its stdin closes — which happens however this process dies. If it dies
 * while we run, a new one is started and told everything again (a few times
 * at most). Never throws: without a watchdog the guard still works, with
 * less cover, and says so in the log.
 *
 * @example
 * const watchdog = await startWatchdog({ log, guarded: () => [...tracked.values()] });
 * watchdog.add({ pid: 4242, startTime: '981234' });
 */
export const startWatchdog = async (options: WatchdogOptions): Promise<Watchdog> => {
  const { log } = options;
  const main = options.main ?? findWatchdogMain();
  let helper: HelperProcess | null = null;
  let closing = false;
  const failures: number[] = [];

  const send = (message: WatchdogMessage): void => {
    if (helper !== null && helper.exitInfo() === null) helper.stdin.write(formatWatchdogMessage(message));
  };

  // A death or a failed start; false once too many came too quickly.
  const mayRetry = (): boolean => {
    const now = Date.now();
    failures.push(now);
    while (failures.length > 0 && (failures[0] ?? now) < now - failureWindowMs) failures.shift();
    return failures.length < maxQuickFailures;
  };

  const launch = async (): Promise<void> => {
    if (main === null) {
      log.error('the watchdog program (watchdog/main.js) is missing; plugins are not ended if hale is killed (run `npm run build`)');
      return;
    }
    const spawned = await spawnHelper({ command: process.execPath, args: [main], cwd: '/', env: {} });
    if (closing) {
      if (spawned.ok) spawned.process.stdin.end();
      return;
    }
    if (!spawned.ok) {
      log.error({ reason: spawned.message }, 'could not start the watchdog');
      if (mayRetry()) await launch();
      return;
    }
    const current = spawned.process;
    helper = current;
    for (const record of options.guarded()) send({ op: 'add', ...record });
    log.debug({ watchdogPid: current.pid }, 'watchdog started');
    void current.exited.then((exit) => {
      if (closing || helper !== current) return;
      helper = null;
      if (!mayRetry()) {
        log.error({ watchdogPid: current.pid, ...exit }, 'the watchdog keeps dying; going on without it');
        return;
      }
      log.warn({ watchdogPid: current.pid, ...exit }, 'the watchdog died; starting a new one');
      void launch();
    });
  };

  await launch();
  return {
    add: (record) => send({ op: 'add', ...record }),
    remove: (pid) => send({ op: 'remove', pid }),
    close: async () => {
      closing = true;
      const last = helper;
      helper = null;
      if (last === null || last.exitInfo() !== null) return;
      last.stdin.end();
      // With nothing left to guard there is nothing to wait for: no need to let it finish booting (it ignores SIGTERM).
      if (options.guarded().length === 0) last.kill('SIGKILL');
      const controller = new AbortController();
      const exited = await Promise.race([
        last.exited.then(() => true),
        delay(closeTimeoutMs, false, { signal: controller.signal }).catch(() => false),
      ]);
      controller.abort();
      if (!exited) {
        log.warn({ watchdogPid: last.pid }, 'the watchdog did not exit; killing it');
        last.kill('SIGKILL');
      }
    },
  };
};
