import { PassThrough } from 'node:stream';
import type { CheckOutcome } from '../../src/model/plugin-state.js';
import type { ProbeResult } from '../../src/checks/probe-verdict.js';
import type { LaunchOptions, LaunchResult } from '../../src/plugin/launch.js';
import type { PluginProcess } from '../../src/plugin/spawn-plugin.js';
import type { ExitInfo } from '../../src/process/run-process.js';
import type { ProcessGuard } from '../../src/containment/process-guard.js';
import type { InstanceLauncher } from '../../src/supervisor/instance-launcher.js';
import type { HealthWatch } from '../../src/checks/health-feed.js';

/** A plugin process that is only an object: the test ends it with `exit`. */
export interface FakeProcess extends PluginProcess {
  exit(code: number | null, signal?: string | null): void;
  readonly signals: NodeJS.Signals[];
}

export const createFakeProcess = (pid: number): FakeProcess => {
  let info: ExitInfo | null = null;
  let settle: (exit: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((resolve) => {
    settle = resolve;
  });
  const signals: NodeJS.Signals[] = [];
  return {
    pid,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    exited,
    containment: null,
    signals,
    exitInfo: () => info,
    signalGroup: (signal) => {
      signals.push(signal);
      return info === null;
    },
    groupAlive: () => info === null,
    exit: (code, signal = null) => {
      if (info !== null) return;
      info = { code, signal };
      settle(info);
    },
  };
};

/** How one launch goes, `afterMs` after its spawn: up, the process exits, or nothing until the launch is aborted. */
export type FakeStart = { kind: 'up'; afterMs: number } | { kind: 'exit'; afterMs: number; code: number } | { kind: 'hang' };

export interface FakeLauncher {
  launcher: InstanceLauncher;
  /** Every process spawned, in order. */
  processes: FakeProcess[];
  /** The processes a stop was asked for, in order. */
  stopped: FakeProcess[];
  /** What the next health checks answer; the test may change it at any time. */
  outcome: CheckOutcome;
  /** The health stream each generation opens once up; null (the default): polled only. */
  watch: HealthWatch | null;
}

/**
 * An InstanceLauncher that spawns nothing: each launch follows the next of
 * `starts` (the last repeats), on whatever clock setTimeout runs on, so a test
 * with fake timers drives a runner through starts, checks and restarts in
 * milliseconds.
 */
export const createFakeLauncher = (starts: FakeStart[] = [{ kind: 'up', afterMs: 10 }]): FakeLauncher => {
  let nextPid = 1_000;
  const fake: FakeLauncher = {
    processes: [],
    stopped: [],
    outcome: 'pass',
    watch: null,
    launcher: {
      makeSocketDir: () => Promise.resolve(),
      launch: async (options: LaunchOptions): Promise<LaunchResult> => {
        const process = createFakeProcess(nextPid++);
        const start = starts[Math.min(fake.processes.length, starts.length - 1)] ?? { kind: 'up', afterMs: 0 };
        fake.processes.push(process);
        options.onSpawned(process);
        let timer: NodeJS.Timeout | undefined;
        const ended = await new Promise<'up' | 'exited' | 'aborted'>((resolve) => {
          if (start.kind !== 'hang') {
            timer = setTimeout(() => (start.kind === 'exit' ? process.exit(start.code) : resolve('up')), start.afterMs);
          }
          void process.exited.then(() => resolve('exited'));
          if (options.signal.aborted) resolve('aborted');
          options.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
        });
        clearTimeout(timer);
        if (ended === 'up') return { ok: true, launched: { process, client: null, address: null, info: null, stderrTail: () => '' } };
        const exit = process.exitInfo();
        return {
          ok: false,
          reason: ended === 'aborted' ? 'start cancelled' : `exited with code ${exit?.code ?? 'none'} before the handshake`,
          process,
        };
      },
      stop: async (process) => {
        fake.stopped.push(process as FakeProcess);
        await Promise.resolve();
        if (process.exitInfo() !== null) return 'exited';
        (process as FakeProcess).exit(null, 'SIGTERM');
        return 'terminated';
      },
      probe: () => async (): Promise<ProbeResult> => {
        await Promise.resolve();
        const outcome = fake.outcome;
        return {
          check: {
            at: Date.now(),
            outcome,
            ...(outcome === 'fail' ? { failure: 'unhealthy' as const } : {}),
            status: outcome === 'fail' ? 'unhealthy' : outcome === 'degraded' ? 'degraded' : 'healthy',
            latencyMs: 0,
            message: outcome === 'fail' ? 'told to fail' : 'ok',
          },
          report: null,
        };
      },
      watch: () => fake.watch,
    },
  };
  return fake;
};

/** A guard that contains nothing: the fake processes need no mark or cgroup. */
export const createNoopGuard = (): ProcessGuard =>
  ({
    contain: (plugin: string, generation: number) => ({ mark: `test/${plugin}/${generation}`, cgroup: null }),
    track: () => {},
    release: () => {},
  }) as unknown as ProcessGuard;
