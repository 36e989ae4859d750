import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultCookie, socketDirEnv } from '../../src/protocol.js';
import { greeterMain } from '../../test/helpers/paths.js';
import { forgetPid, registerPid } from '../cleanup.js';

/**
 * The floor of exit detection: a bare parent that does nothing else spawns
 * the plugin as hale does (own process group, three pipes), waits for its
 * handshake and `settleMs`, SIGKILLs it, and times (ms) until its 'exit'
 * event. Most of it is the kernel tearing a node process down before it
 * signals the parent; no supervisor can see the exit sooner.
 *
 * @example
 * await measureBareExit(greeterMain); // 3.6
 */
export const measureBareExit = async (main: string = greeterMain, settleMs = 200): Promise<number> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bare-exit-'));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, [defaultCookie.key]: defaultCookie.value, [socketDirEnv]: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  try {
    if (pid === undefined) throw new Error(`could not start ${main}`);
    registerPid(pid);
    child.stderr.resume();
    const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([new Promise<string>((resolve) => lines.once('line', resolve)), exited.then(() => null)]);
    if (first === null) throw new Error(`${main} exited before its handshake`);
    await delay(settleMs);
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    return (await exited) - killedAt;
  } finally {
    if (pid !== undefined) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      forgetPid(pid);
    }
    rmSync(dir, { recursive: true, force: true });
  }
};
