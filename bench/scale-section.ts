import { freemem } from 'node:os';
import { floorMax, idleMs, pollScales, say, scales, youngScales, type PeerFactory } from './bench-options.js';
import { measureCheckFloor } from './hale/check-floor.js';
import { measureOverhead, type OverheadResult } from './hale/overhead.js';
import { measureIdle } from './peers/measure.js';
import type { Usage } from './proc-usage.js';
import { readHaleNodeFlags } from '../test/helpers/paths.js';
import { row, type Row, type Section, type Target } from './report.js';

// What one more light plugin or http child takes (its private memory is ~9 MiB once serving), and room to spare.
const perProcessMib = 12;
const spareMib = 1_024;

/** Throws before a start that would run the machine out of memory (an OOM kill could hit anything running). */
const requireMemory = (count: number, what: string): void => {
  const free = freemem() / 2 ** 20;
  const needed = count * perProcessMib + spareMib;
  if (free < needed) throw new Error(`${what}: ${free.toFixed(0)} MiB free, ${needed} MiB needed for ${count} processes`);
};

/** What a scale measured, for the targets: hale with its helpers, and each peer's daemon. */
interface ScaleFigures {
  hale?: OverheadResult;
  peers: Map<string, Usage>;
}

const haleNote = (label: string, result: OverheadResult): string =>
  `${label} at ${result.count}: ${result.checks.checks} checks in the window at a ${result.cadenceMs.toFixed(0)} ms cadence, ${result.checks.late} late (gap > cadence + 25 ms, gap p99 ${result.checks.gapP99Ms.toFixed(0)} ms), ${result.checks.missed} missed; ${result.withHelpers.helpers} helper(s) (watchdog ${result.watchdog === null ? 'not found' : `${result.watchdog.rssMib.toFixed(1)} MiB, ${result.watchdog.cpuPercent.toFixed(2)} %`}); event-loop lag p99 ${result.eventLoopLag.p99Ms} ms; start-up ${(result.startupMs / 1000).toFixed(1)} s; free memory ${result.freeMemMib.before.toFixed(0)} → ${result.freeMemMib.healthy.toFixed(0)} MiB.`;

const haleRows = (label: string, result: OverheadResult): Row[] => [
  row(`${label}, ${result.count} plugins at 1 s: RSS`, 'MiB', [result.hale.rssMib]),
  row(`${label}, ${result.count}: RSS of hale and all its helpers`, 'MiB', [result.withHelpers.rssMib]),
  row(`${label}, ${result.count}: CPU (% of one core, idle)`, '%', [result.hale.cpuPercent]),
  row(`${label}, ${result.count}: CPU of hale and all its helpers`, '%', [result.withHelpers.cpuPercent]),
  // With pushed health a short window may hold no poll at all: no latency to show then.
  ...(result.checks.checks === 0
    ? []
    : [row(`${label}, ${result.count}: health check p99 (the polls in the window)`, 'ms', [result.checks.latencyP99Ms])]),
  row(`${label}, ${result.count}: missed checks`, '', [result.checks.missed]),
];

/** The scale targets of issue 18, each against what the same run measured. */
const scaleTargets = (figures: Map<number, ScaleFigures>): Target[] => {
  const at = (count: number) => figures.get(count);
  const pm2 = (count: number) => at(count)?.peers.get('pm2');
  const targets: Target[] = [];
  const notRun = (goal: string): Target => ({ goal, measured: 'not measured', met: false });
  const cpu50 = "idle CPU at 50 plugins (hale and helpers) ≤ PM2's daemon with 50 children";
  const h50 = at(50)?.hale;
  const p50 = pm2(50);
  targets.push(
    h50 === undefined || p50 === undefined
      ? notRun(cpu50)
      : {
          goal: cpu50,
          measured: `${h50.withHelpers.cpuPercent.toFixed(2)} % against ${p50.cpuPercent.toFixed(2)} %`,
          met: h50.withHelpers.cpuPercent <= p50.cpuPercent,
        },
  );
  const h500 = at(500)?.hale;
  const cpu500 = 'idle CPU at 500 plugins ≤ 5 % of a core';
  targets.push(
    h500 === undefined
      ? notRun(cpu500)
      : { goal: cpu500, measured: `${h500.withHelpers.cpuPercent.toFixed(2)} %`, met: h500.withHelpers.cpuPercent <= 5 },
  );
  const h1000 = at(1000)?.hale;
  const at1000 = 'at 1,000 plugins: 0 missed checks and idle CPU ≤ 10 % of a core';
  targets.push(
    h1000 === undefined
      ? notRun(at1000)
      : {
          goal: at1000,
          measured: `${h1000.checks.missed} missed, ${h1000.withHelpers.cpuPercent.toFixed(2)} %`,
          met: h1000.checks.missed === 0 && h1000.withHelpers.cpuPercent <= 10,
        },
  );
  const rss50 = "RSS of hale and all its helpers at 50 plugins ≤ PM2's daemon at 50";
  targets.push(
    h50 === undefined || p50 === undefined
      ? notRun(rss50)
      : {
          goal: rss50,
          measured: `${h50.withHelpers.rssMib.toFixed(1)} MiB against ${p50.rssMib.toFixed(1)} MiB`,
          met: h50.withHelpers.rssMib <= p50.rssMib,
        },
  );
  const p500 = pm2(500);
  const rss500 = "RSS of hale and all its helpers at 500 plugins ≤ 1.2× PM2's daemon at 500";
  targets.push(
    h500 === undefined || p500 === undefined
      ? notRun(rss500)
      : {
          goal: rss500,
          measured: `${h500.withHelpers.rssMib.toFixed(1)} MiB against ${p500.rssMib.toFixed(1)} MiB (${(h500.withHelpers.rssMib / p500.rssMib).toFixed(2)}×)`,
          met: h500.withHelpers.rssMib <= 1.2 * p500.rssMib,
        },
  );
  return targets;
};

/** Sections 4 and 5: idle overhead at each scale, hale beside each peer holding as many processes; start-up times. */
export const measureScale = async (peers: PeerFactory[]): Promise<{ overhead: Section; startup: Section; targets: Target[] }> => {
  const overhead: Row[] = [];
  const startup: Row[] = [];
  const notes: string[] = [];
  const figures = new Map<number, ScaleFigures>();
  // One part that fails (a machine out of memory at 1,000, say) costs its own figures, not the scale's nor the run's.
  const attempt = async (what: string, measure: () => Promise<void>): Promise<void> => {
    try {
      await measure();
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      notes.push(`${what}: not measured (${why})`);
      say(`${what} failed: ${why}`);
    }
  };
  for (const count of scales) {
    const scale: ScaleFigures = { peers: new Map() };
    figures.set(count, scale);
    await attempt(`hale at ${count}`, async () => {
      say(`overhead: hale with ${count} plugins (free memory ${(freemem() / 2 ** 20).toFixed(0)} MiB)`);
      requireMemory(count, 'hale');
      // V8 keeps collecting for a while after start-up; the window opens once that tail has passed.
      const result = await measureOverhead({ count, idleMs, settleMs: 20_000 });
      scale.hale = result;
      overhead.push(...haleRows('hale', result));
      notes.push(haleNote('hale', result));
      if (count === 100) startup.push(row('hale run → all 100 plugins healthy', 'ms', [result.startupMs]));
    });
    if (pollScales.includes(count))
      await attempt(`hale polling at ${count}`, async () => {
        say(`overhead: hale polling ${count} plugins (no WatchHealth)`);
        requireMemory(count, 'hale polling');
        const polled = await measureOverhead({ count, idleMs, settleMs: 20_000, push: false });
        overhead.push(...haleRows('hale polling', polled));
        notes.push(haleNote('hale polling', polled));
      });
    if (youngScales.includes(count))
      await attempt(`hale with V8's default young generation at ${count}`, async () => {
        say(`overhead: hale with ${count} plugins, node run without hale's flags`);
        requireMemory(count, 'hale, default young generation');
        const plain = await measureOverhead({ count, idleMs, settleMs: 20_000, nodeFlags: [] });
        overhead.push(...haleRows("hale with V8's default young generation", plain));
        notes.push(haleNote("hale with V8's default young generation", plain));
      });
    if (count <= floorMax)
      await attempt(`the bare client at ${count}`, async () => {
        say(`overhead: a bare grpc-js client checking ${count} plugins`);
        requireMemory(count, 'the bare client');
        const floor = await measureCheckFloor({ count, idleMs });
        overhead.push(
          row(`bare grpc-js client polling ${count} at 1 s: CPU (% of one core)`, '%', [floor.cpuPercent]),
          row(`bare grpc-js client, ${count}: health check p99`, 'ms', [floor.latencyP99Ms]),
        );
      });
    for (const peer of peers)
      await attempt(`${peer.name} at ${count}`, async () => {
        say(`overhead: ${peer.name} with ${count} children`);
        requireMemory(count, peer.name);
        const manager = await peer.create();
        try {
          const started = performance.now();
          await manager.start(count);
          const startMs = performance.now() - started;
          const usage = await measureIdle(manager, idleMs);
          scale.peers.set(peer.name, usage);
          overhead.push(
            row(`${peer.name}, ${count} children: daemon RSS`, 'MiB', [usage.rssMib]),
            row(`${peer.name}, ${count} children: daemon CPU (% of one core, idle)`, '%', [usage.cpuPercent]),
          );
          notes.push(`${peer.name} at ${count}: start → all answering ${(startMs / 1000).toFixed(1)} s.`);
          if (count === 100) startup.push(row(`${peer.name}: start → all 100 children answering`, 'ms', [startMs]));
        } finally {
          await manager.stop();
        }
      });
  }
  notes.push(
    'One run per scale (n = 1): hundreds of plugins take minutes to start on two cores. The peers run bench/fixtures/http-child.mjs and check nothing; hale checks every plugin (pushed health where the plugin serves WatchHealth, as the light plugin does; "hale polling" is the same plugin answering WatchHealth UNIMPLEMENTED, so hale polls it every second as it polls older plugins).',
    `hale runs as \`hale\` runs: with the flags on dist/cli.js's shebang (${readHaleNodeFlags().join(' ') || 'none'}); "hale with V8's default young generation" is the same run without them, to show what the flag saves and costs.`,
    "hale's helpers are every process descended from hale that is not a plugin (its watchdog, and anything the watchdog runs), found by parent pid in /proc. PM2's figure is its God daemon alone: in fork mode it spawns the children itself and runs no other process (the pm2 CLI exits once the apps are started).",
    "Late and missed are judged against the cadence hale keeps: checkInterval when it polls, its slower guard poll when the plugin pushes (the median gap between a plugin's recorded checks). The bare client is the floor under polling: the same light plugins called HealthCheck every second through hale's own grpc-js client (bench/hale/check-floor-worker.mjs), up to " +
      `${floorMax} plugins.`,
  );
  return {
    overhead: { title: '4. Overhead while idle', rows: overhead, notes },
    startup: {
      title: '5. Start-up of 100',
      rows: startup,
      notes: ['Each from its own start command (hale run, pm2 start, supervisord) to the last child serving; n = 1.'],
    },
    targets: scaleTargets(figures),
  };
};
