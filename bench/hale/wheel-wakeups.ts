/**
 * Wake-ups and CPU of N check schedules at 1 s: one timer per check (as hale
 * had) against the shared timer wheel at several slot widths. Each arm runs in
 * its own process; the check itself is trivial (it answers on the next tick),
 * or burns --work-us of CPU to stand in for a unary call's client-side cost.
 *
 *   node --import tsx bench/hale/wheel-wakeups.ts [--counts 500,1000] [--slots 1,5,10,20,50] [--seconds 8] [--rounds 2] [--work-us 0]
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scheduleChecks } from '../../src/checks/schedule-checks.js';
import { createTimerWheel, type TimerWheel, type WheelHandle } from '../../src/util/timer-wheel.js';
import { percentile } from '../stats.js';

interface ArmResult {
  arm: string;
  count: number;
  seconds: number;
  checksPerSec: number;
  timerCallbacksPerSec: number;
  wakeUpsPerSec: number;
  cpuPct: number;
  /** Checks run per wake-up. */
  burstMean: number;
  burstMax: number;
  /** From its wake-up's start to a check's run(), ms: the wait a check pays for sharing. */
  queuedP99Ms: number;
  loopDelayP99Ms: number;
  /** Gaps between a schedule's consecutive checks, ms. */
  gapP50Ms: number;
  gapP99Ms: number;
}

/** Runs one arm in this process and returns its figures. */
const runArm = async (arm: string, count: number, seconds: number, workUs: number): Promise<ArmResult> => {
  let timerCallbacks = 0;
  let wakeUps = 0;
  let checks = 0;
  let wakeStart = 0;
  let inWake = false;
  const bursts: number[] = [];
  const queued: number[] = [];
  let measuring = false;
  // One timers phase is one wake-up: the first timer callback of a loop turn opens it, a setImmediate closes it.
  const noteTimer = (): void => {
    timerCallbacks += 1;
    if (inWake) return;
    inWake = true;
    wakeUps += 1;
    wakeStart = performance.now();
    bursts.push(0);
    setImmediate(() => void (inWake = false));
  };
  const counted = (setTimer: (fn: () => void, ms: number) => unknown) => (fn: () => void, ms: number) =>
    setTimer(() => {
      noteTimer();
      fn();
    }, ms);

  const perCheckTimers: TimerWheel = (() => {
    let size = 0;
    const timers = new Map<WheelHandle, NodeJS.Timeout>();
    return {
      schedule: (delayMs, fn) => {
        const handle = { due: Date.now() + delayMs };
        size += 1;
        timers.set(
          handle,
          counted((f, ms) => setTimeout(f, ms))(() => {
            timers.delete(handle);
            size -= 1;
            fn();
          }, delayMs) as NodeJS.Timeout,
        );
        return handle;
      },
      cancel: (handle) => {
        const timer = timers.get(handle);
        if (timer === undefined) return;
        clearTimeout(timer);
        timers.delete(handle);
        size -= 1;
      },
      get size() {
        return size;
      },
    };
  })();
  const slotMs = arm === 'timers' ? 0 : Number(arm.replace('wheel-', ''));
  const wheel = arm === 'timers' ? perCheckTimers : createTimerWheel({ slotMs, setTimer: counted((fn, ms) => setTimeout(fn, ms)) });

  const starts: number[][] = [];
  const schedules = Array.from({ length: count }, (_, i) => {
    const mine: number[] = [];
    starts.push(mine);
    const run = (): Promise<{ check: { at: number } }> => {
      const at = performance.now();
      if (measuring) {
        checks += 1;
        mine.push(at);
        if (inWake) {
          queued.push(at - wakeStart);
          bursts[bursts.length - 1] = (bursts.at(-1) ?? 0) + 1;
        }
      }
      if (workUs > 0) {
        const until = at + workUs / 1_000;
        while (performance.now() < until);
      }
      return new Promise((resolve) => process.nextTick(() => resolve({ check: { at: Date.now() } })));
    };
    const schedule = scheduleChecks({ run, heard: () => {}, steadyInterval: 1_000, wheel });
    void i;
    return schedule;
  });
  for (const schedule of schedules) schedule.every(1_000);
  // Past the first check (all at once) and the staggered first steady wait.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  timerCallbacks = 0;
  wakeUps = 0;
  bursts.length = 0;
  measuring = true;
  delay.enable();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t0;
  measuring = false;
  delay.disable();
  for (const schedule of schedules) schedule.every(null);
  const gaps = starts.flatMap((mine) => mine.slice(1).map((at, i) => at - (mine[i] ?? at)));
  const perSec = (n: number): number => Math.round((n / wall) * 1_000);
  const sortedBursts = bursts.filter((n) => n > 0);
  return {
    arm,
    count,
    seconds: wall / 1_000,
    checksPerSec: perSec(checks),
    timerCallbacksPerSec: perSec(timerCallbacks),
    wakeUpsPerSec: perSec(wakeUps),
    cpuPct: Math.round(((used.user + used.system) / 1_000 / wall) * 1_000) / 10,
    burstMean: Math.round((sortedBursts.reduce((a, b) => a + b, 0) / Math.max(1, sortedBursts.length)) * 10) / 10,
    burstMax: Math.max(0, ...sortedBursts),
    queuedP99Ms: Math.round(percentile(queued, 99) * 100) / 100,
    loopDelayP99Ms: Math.round((delay.percentile(99) / 1e6) * 100) / 100,
    gapP50Ms: Math.round(percentile(gaps, 50) * 10) / 10,
    gapP99Ms: Math.round(percentile(gaps, 99) * 10) / 10,
  };
};

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '500,1000' },
    slots: { type: 'string', default: '1,5,10,20,50' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'work-us': { type: 'string', default: '0' },
    arm: { type: 'string' },
    count: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const workUs = Number(values['work-us']);

if (values.arm !== undefined) {
  const result = await runArm(values.arm, Number(values.count), seconds, workUs);
  process.send?.(result);
  process.exit(0);
} else {
  const self = fileURLToPath(import.meta.url);
  const arms = ['timers', ...values.slots.split(',').map((slot) => `wheel-${slot}`)];
  const results: ArmResult[] = [];
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const count of values.counts.split(',').map(Number)) {
      for (const arm of arms) {
        const result = await new Promise<ArmResult>((resolve, reject) => {
          const child = fork(self, ['--arm', arm, '--count', String(count), '--seconds', String(seconds), '--work-us', String(workUs)], {
            execArgv: ['--import', 'tsx'],
          });
          child.once('message', (message) => resolve(message as ArmResult));
          child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`arm ${arm} exited with ${String(code)}`))));
        });
        results.push(result);
        console.log(JSON.stringify({ round, ...result }));
      }
    }
  }
}
