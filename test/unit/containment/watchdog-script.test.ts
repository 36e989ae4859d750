import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { readStartTime } from '../../../src/process/proc-stat.js';
import { findWatchdogMain } from '../../../src/containment/watchdog.js';
import { alive } from '../../helpers/alive.js';

// The sh loop that idles in hale's stead (README: the watchdog), run as hale runs it: /bin/sh <script> <node> <program>.
const script = fileURLToPath(new URL('../../../src/containment/hale-watchdog.sh', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hale-watchdog-sh-'));
// Every process a test starts, ended by pid after it if still there.
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// No process can have this pid: above the largest pid_max Linux allows (2^22).
const noSuchPid = 9_999_991;
let count = 0;

/** A stand-in for the cleanup program: it writes down its pid and the lines it was given. */
const writeStub = (): { main: string; seen: string } => {
  count += 1;
  const main = join(root, `stub-${count}.mjs`);
  const seen = join(root, `seen-${count}.json`);
  writeFileSync(
    main,
    [
      "import { readFileSync, renameSync, writeFileSync } from 'node:fs';",
      "const lines = readFileSync(0, 'utf8').split('\\n').filter((line) => line !== '');",
      // Written aside and renamed, so that the file the test polls for exists only whole.
      `writeFileSync(${JSON.stringify(`${seen}.part`)}, JSON.stringify({ pid: process.pid, lines }));`,
      `renameSync(${JSON.stringify(`${seen}.part`)}, ${JSON.stringify(seen)});`,
      '',
    ].join('\n'),
  );
  return { main, seen };
};

const startScript = (
  main: string,
): { child: ChildProcess; pid: number; exited: Promise<{ code: number | null; signal: string | null }> } => {
  const child = spawn('/bin/sh', [script, process.execPath, main], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    cwd: '/',
    env: {},
  });
  const pid = child.pid ?? 0;
  started.push(pid);
  // A sh that died leaves our writes nowhere: the exit says so.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, pid, exited };
};

/** Resolves with what `ms` allows: the value, or 'timeout'. */
const within = async <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([promise, delay(ms).then(() => 'timeout' as const)]);

/** What the stand-in program was given, once it has written it down (the sh does not wait for it): polled, at most 15 s. */
const readSeen = async (seen: string): Promise<{ pid: number; lines: string[] }> => {
  const deadline = Date.now() + 15_000;
  while (!existsSync(seen) && Date.now() < deadline) await delay(20);
  return JSON.parse(readFileSync(seen, 'utf8')) as { pid: number; lines: string[] };
};

/** A `sleep` leading a process group of its own, with its start time. */
const startGroup = (): { pid: number; startTime: string; exited: Promise<string | null> } => {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const pid = child.pid ?? 0;
  started.push(pid);
  const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { pid, startTime: readStartTime(pid) ?? '', exited };
};

const statusField = (pid: number, name: string): string =>
  new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';

// SIGHUP, SIGINT and SIGTERM (bit N - 1 for signal N).
const hupIntTerm = (1n << 0n) | (1n << 1n) | (1n << 14n);

/** Resolves once `pid` ignores SIGHUP, SIGINT and SIGTERM, or those in `mask` (polled, at most 5 s: no event tells). */
const ignoringSignals = async (pid: number, mask = hupIntTerm): Promise<boolean> => {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ((BigInt(`0x${statusField(pid, 'SigIgn') || '0'}`) & mask) === mask) return true;
    await delay(5);
  }
  return false;
};

/** Bytes `pid` has read so far (/proc/PID/io rchar): before EOF, only its script and its stdin. */
const bytesRead = (pid: number): number => Number(/^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);

/** Resolves once `pid` has read `bytes` and waits in its next read (polled, bounded). */
const readAll = async (pid: number, bytes: number, ms = 5_000): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (bytesRead(pid) >= bytes && stat.slice(stat.lastIndexOf(')') + 2)[0] === 'S') return true;
    await delay(10);
  }
  return false;
};

describe('the sh watchdog', () => {
  test('keeps only lines it understands; a pid with shell in it runs nothing; at EOF hands the live ones to the program', async () => {
    const { main, seen } = writeStub();
    const marker = join(root, 'touched');
    const sh = startScript(main);
    const lines = [
      'garbage',
      '',
      '   ',
      `add 1;touch ${marker} 1 - -`,
      `add $(touch${'${IFS}'}${marker}) 1 - -`,
      `add \`touch ${marker}\` 1 - -`,
      `add 12$(touch${'${IFS}'}${marker}) 1 - -`,
      `remove 1;touch ${marker}`,
      `remove $(touch${'${IFS}'}${marker})`,
      'add 0042 1 - -',
      // Never pid 1 (a signal to -1 reaches every process); a start time init cannot have, should it slip through.
      'add 1 999999999999 - -',
      `add ${noSuchPid} 1 - - extra`,
      `add ${noSuchPid} 1 -`,
      'since 5',
      'run 0123456789abcdef -',
      `add ${noSuchPid} 981 0123456789abcdef /sys/fs/cgroup/hale-0123456789abcdef/echo-1`,
      `add ${noSuchPid + 1} 982 - -`,
      `remove ${noSuchPid + 1} extra`,
      `add ${noSuchPid + 2} 983 - -`,
      `remove ${noSuchPid + 2}`,
      'kill 42',
    ];
    sh.child.stdin?.end(`${lines.join('\n')}\n`);
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
    expect((await readSeen(seen)).lines).toEqual([
      'since 5',
      'run 0123456789abcdef -',
      `add ${noSuchPid} 981 0123456789abcdef /sys/fs/cgroup/hale-0123456789abcdef/echo-1`,
      `add ${noSuchPid + 1} 982 - -`,
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  test('ignores SIGTERM, SIGINT and SIGHUP (meant for hale), and still hands over at EOF', async () => {
    const { main, seen } = writeStub();
    const sh = startScript(main);
    expect(await ignoringSignals(sh.pid)).toBe(true);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.kill(sh.pid, signal);
    // Had a signal ended it, nothing would read this and the program would never run.
    sh.child.stdin?.end('since 7\n');
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
    expect((await readSeen(seen)).lines).toEqual(['since 7']);
  });

  test('2,000 adds and removes keep its memory bounded (VmHWM ≤ 5 MiB), and it still knows the live groups', async () => {
    const { main, seen } = writeStub();
    const sh = startScript(main);
    expect(await ignoringSignals(sh.pid)).toBe(true);
    expect(await readAll(sh.pid, 0)).toBe(true);
    const base = bytesRead(sh.pid);
    const idleKiB = Number(statusField(sh.pid, 'VmRSS'));
    const cgroup = '/sys/fs/cgroup/hale-0123456789abcdef/echo';
    const pairs = Array.from(
      { length: 2_000 },
      (_, i) => `add ${noSuchPid - 10_000 + i} ${i} 0123456789abcdef ${cgroup}-${i}\nremove ${noSuchPid - 10_000 + i}\n`,
    );
    const live = Array.from({ length: 300 }, (_, i) => `add ${noSuchPid - 20_000 + i} ${i} - -`);
    const text = `${pairs.join('')}${live.join('\n')}\n`;
    sh.child.stdin?.write(text);
    expect(await readAll(sh.pid, base + Buffer.byteLength(text), 40_000)).toBe(true);
    const peakKiB = Number(statusField(sh.pid, 'VmHWM'));
    sh.child.stdin?.end();
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
    expect((await readSeen(seen)).lines).toEqual(live);
    expect(peakKiB).toBeLessThanOrEqual(5 * 1024);
    expect(peakKiB - idleKiB).toBeLessThan(1024);
  }, 90_000);

  test('at EOF it sends the first SIGTERM itself, before node starts, to a group whose leader is proven; never to a pid whose start time differs', async () => {
    const { main, seen } = writeStub();
    const sh = startScript(main);
    const ours = startGroup();
    const reused = startGroup();
    sh.child.stdin?.end(`add ${ours.pid} ${ours.startTime} - -\nadd ${reused.pid} ${BigInt(reused.startTime) - 1n} - -\n`);
    // The stand-in program ends nothing: the sh did.
    expect(await within(ours.exited, 10_000)).toBe('SIGTERM');
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
    expect(alive(reused.pid)).toBe(true);
    const { lines } = await readSeen(seen);
    expect(lines.at(-1)).toMatch(/^termed \d+\.\d\d$/);
  });

  test('a proven group deaf to SIGTERM gets SIGKILL from the sh after the grace, whatever the program does', async () => {
    const { main } = writeStub();
    const sh = startScript(main);
    const child = spawn('/bin/sh', ['-c', "trap '' TERM; exec sleep 60"], { detached: true, stdio: 'ignore' });
    const deaf = child.pid ?? 0;
    started.push(deaf);
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Once the sleep runs, ignoring SIGTERM (its start time is the sh's: exec keeps it).
    expect(await ignoringSignals(deaf, 1n << 14n)).toBe(true);
    sh.child.stdin?.end(`add ${deaf} ${readStartTime(deaf)} - -\n`);
    expect(await within(exited, 10_000)).toBe('SIGKILL');
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
  });

  test('with the real program: a group removed before EOF is left alone, a group still guarded is ended', async () => {
    const main = findWatchdogMain();
    if (main === null) throw new Error('run `npm run build`: the watchdog program is not built');
    const sh = startScript(main);
    const kept = startGroup();
    const removed = startGroup();
    sh.child.stdin?.end(
      [
        `since ${readStartTime(process.pid)}`,
        `add ${kept.pid} ${kept.startTime} - -`,
        `add ${removed.pid} ${removed.startTime} - -`,
        `remove ${removed.pid}`,
        '',
      ].join('\n'),
    );
    expect(await within(kept.exited, 10_000)).toBe('SIGTERM');
    expect(await within(sh.exited, 15_000)).toEqual({ code: 0, signal: null });
    expect(alive(removed.pid)).toBe(true);
  });
});
