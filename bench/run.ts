// `npm run bench`: hale beside a bare start, PM2 and supervisord, measured in the same run; prints a table
// and writes bench/RESULTS.md and bench/results.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireBuilt } from '../test/helpers/paths.js';
import { installCleanup } from './cleanup.js';
import { measureBareExit } from './hale/bare-exit.js';
import { measureBareStart } from './hale/bare-start.js';
import { measureCheckFloor } from './hale/check-floor.js';
import { greeterPlugin } from './hale/bench-config.js';
import { measureCrashRecovery, type CrashTrial } from './hale/crash-recovery.js';
import { startExitDetector } from './hale/exit-detection.js';
import { startHaleBench } from './hale/hale-bench.js';
import { defaultHangPolicy, detectionBoundMs, measureHangDetection, toHangPolicyValues } from './hale/hang-detection.js';
import { allHealthy } from './hale/log-lines.js';
import { measureOrphans as measureHaleOrphans } from './hale/orphans.js';
import { measureOverhead } from './hale/overhead.js';
import { loadUrl, startBareServer, type LoadResult } from './http/load.js';
import type { PeerManager } from './peers/manager.js';
import { measureBareChildStart, measureIdle, measureOrphans, measureRestart } from './peers/measure.js';
import { createPm2Manager } from './peers/pm2.js';
import { createSupervisordManager } from './peers/supervisord.js';
import { describeMachine, formatMarkdown, formatText, row, type BenchResults, type Row, type Section, type Target } from './report.js';

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const trials = number('BENCH_TRIALS', 15);
const warmup = number('BENCH_WARMUP', 2);
const loadSeconds = number('BENCH_LOAD_SECONDS', 10);
const loadRounds = number('BENCH_LOAD_ROUNDS', 5);
const idleMs = number('BENCH_IDLE_MS', 30_000);
const scales = (process.env.BENCH_SCALES ?? '10,50,100,500')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const peerNames = (process.env.BENCH_PEERS ?? 'pm2,supervisord').split(',').filter((n) => n !== '');
const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

type PeerFactory = { name: 'pm2' | 'supervisord'; create: () => Promise<PeerManager> };

/** The peers this run can use; supervisord is installed (apt-get) when missing, or left out with the reason. */
const findPeers = async (notes: string[]): Promise<PeerFactory[]> => {
  const peers: PeerFactory[] = [];
  if (peerNames.includes('pm2')) peers.push({ name: 'pm2', create: createPm2Manager });
  if (peerNames.includes('supervisord')) {
    const probe = await createSupervisordManager();
    if ('unavailable' in probe) notes.push(`supervisord left out: ${probe.unavailable}`);
    else {
      await probe.stop();
      peers.push({
        name: 'supervisord',
        create: async () => {
          const made = await createSupervisordManager();
          if ('unavailable' in made) throw new Error(made.unavailable);
          return made;
        },
      });
    }
  }
  return peers;
};

/** Section 1 and the exit-detection half of 2: trials interleaved across hale, the bare starts and the peers. */
const measureCrashes = async (
  peers: PeerFactory[],
): Promise<{ section: Section; crashes: CrashTrial[]; bareExit: number[]; detection: number[] }> => {
  const hale = await startHaleBench({ plugins: [greeterPlugin()] });
  const managers: PeerManager[] = [];
  const detector = await startExitDetector();
  try {
    await allHealthy(hale.hale, ['greeter'], 30_000);
    for (const peer of peers) {
      const manager = await peer.create();
      await manager.start(1);
      managers.push(manager);
    }
    const samples = {
      crashes: [] as CrashTrial[],
      bare: [] as number[],
      bareChild: [] as number[],
      bareExit: [] as number[],
      detection: [] as number[],
    };
    const peerMs = managers.map(() => [] as number[]);
    for (let i = 0; i < warmup + trials; i++) {
      const kept = i >= warmup;
      say(`crash trial ${i + 1 - warmup} of ${trials}${kept ? '' : ' (warm-up)'}`);
      const bare = await measureBareStart();
      const crash = await measureCrashRecovery(hale);
      const bareExit = await measureBareExit();
      const detection = await detector.trial();
      const bareChild = await measureBareChildStart();
      const restarts: number[] = [];
      for (const manager of managers) {
        const [child] = await manager.children();
        if (child === undefined) throw new Error(`${manager.name} runs no child`);
        restarts.push(await measureRestart(manager, child));
      }
      if (!kept) continue;
      samples.bare.push(bare);
      samples.crashes.push(crash);
      samples.bareExit.push(bareExit);
      samples.detection.push(detection);
      samples.bareChild.push(bareChild);
      restarts.forEach((ms, index) => peerMs[index]?.push(ms));
    }
    const bareRow = row('bare start of the greeter (spawn → first HealthCheck answer)', 'ms', samples.bare);
    const healthy = row(
      'hale: SIGKILL → healthy again',
      'ms',
      samples.crashes.map((c) => c.healthyMs),
      { to: 'bare start', base: bareRow },
    );
    const rows: Row[] = [
      healthy,
      row(
        'hale: SIGKILL → the greeter answers SayHello again',
        'ms',
        samples.crashes.map((c) => c.rpcMs),
        { to: 'bare start', base: bareRow },
      ),
      bareRow,
    ];
    const bareChildRow = row('bare start of the http child (spawn → first answer)', 'ms', samples.bareChild);
    managers.forEach((manager, index) => {
      const peerRow = row(`${manager.name}: SIGKILL → the http child answers again`, 'ms', peerMs[index] ?? [], {
        to: 'bare http child',
        base: bareChildRow,
      });
      rows.push(peerRow);
      if (peerRow.summary.median > 0)
        rows.push({
          ...healthy,
          label: `hale crash → healthy, over ${manager.name}'s restart`,
          ratio: { to: manager.name, value: healthy.summary.median / peerRow.summary.median },
        });
    });
    rows.push(bareChildRow);
    const notes = [
      `hale: restartBackoff 0, successThreshold 1, startInterval 20 ms; the greeter (dist/plugins/greeter). PM2: fork mode, restart_delay 0. supervisord: startsecs 0, autorestart. The peers restart bench/fixtures/http-child.mjs, a bare node:http server; neither checks health.`,
      `${warmup} warm-up trials dropped; trials interleave hale, the bare starts and each peer.`,
    ];
    return {
      section: { title: '1. Crash → serving again', rows, notes },
      crashes: samples.crashes,
      bareExit: samples.bareExit,
      detection: samples.detection,
    };
  } finally {
    await detector.stop();
    for (const manager of managers) await manager.stop();
    await hale.stop();
  }
};

/** The hang half of section 2: SIGSTOP → unhealthy, against the bound. */
const measureHangs = async (): Promise<Row[]> => {
  const policy = defaultHangPolicy;
  const hale = await startHaleBench({ plugins: [greeterPlugin('greeter', toHangPolicyValues(policy))] });
  try {
    await allHealthy(hale.hale, ['greeter'], 30_000);
    const samples: number[] = [];
    for (let i = 0; i < warmup + trials; i++) {
      say(`hang trial ${i + 1 - warmup} of ${trials}`);
      const ms = await measureHangDetection(hale, 'greeter');
      if (i >= warmup) samples.push(ms);
    }
    const bound = detectionBoundMs(policy);
    const hang = row(
      `hale: SIGSTOP → unhealthy (bound ${policy.failureThreshold} × ${policy.checkIntervalMs} + ${policy.checkTimeoutMs} = ${bound} ms)`,
      'ms',
      samples,
    );
    return [{ ...hang, ratio: { to: 'the bound', value: hang.summary.median / bound } }];
  } finally {
    await hale.stop();
  }
};

/** Section 3: GET /health under autocannon against a bare node:http server sending the same bytes; rounds interleaved. */
const measureHealthLoad = async (): Promise<Section> => {
  const hale = await startHaleBench({ plugins: [greeterPlugin()] });
  try {
    await allHealthy(hale.hale, ['greeter'], 30_000);
    const sample = await fetch(`${hale.url}/health`);
    const body = await sample.text();
    // node:http writes these itself, as it does for hale.
    const own = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    const headers = Object.fromEntries([...sample.headers].filter(([name]) => !own.has(name)));
    const bare = await startBareServer(body, headers);
    const results: { hale: LoadResult[]; bare: LoadResult[] } = { hale: [], bare: [] };
    try {
      // One short round each to warm both up.
      await loadUrl(`${hale.url}/health`, { connections: 10, seconds: 2 });
      await loadUrl(bare.url, { connections: 10, seconds: 2 });
      for (let round = 0; round < loadRounds; round++) {
        say(`load round ${round + 1} of ${loadRounds}`);
        results.hale.push(await loadUrl(`${hale.url}/health`, { connections: 10, seconds: loadSeconds }));
        results.bare.push(await loadUrl(bare.url, { connections: 10, seconds: loadSeconds }));
      }
    } finally {
      await bare.stop();
    }
    const bareRps = row(
      'node:http, the same bytes: requests/s',
      'req/s',
      results.bare.map((r) => r.perSecond),
    );
    const bareP99 = row(
      'node:http: p99 latency',
      'ms',
      results.bare.map((r) => r.p99Ms),
    );
    const errors = [...results.hale, ...results.bare].reduce((sum, r) => sum + r.errors, 0);
    return {
      title: '3. GET /health under load',
      rows: [
        row(
          'hale GET /health: requests/s',
          'req/s',
          results.hale.map((r) => r.perSecond),
          { to: 'node:http', base: bareRps },
        ),
        bareRps,
        row(
          'hale GET /health: p99 latency',
          'ms',
          results.hale.map((r) => r.p99Ms),
          { to: 'node:http', base: bareP99 },
        ),
        bareP99,
      ],
      notes: [
        `autocannon, 10 connections, ${loadSeconds} s a round, ${loadRounds} rounds each, interleaved; ${body.length} bytes of body and the same ${Object.keys(headers).length} headers (${Object.keys(headers).join(', ')}) from both; ${errors} errors.`,
      ],
    };
  } finally {
    await hale.stop();
  }
};

/** Sections 4 and 5: idle overhead at each scale, hale beside each peer holding as many processes; start-up times. */
const measureScale = async (peers: PeerFactory[]): Promise<{ overhead: Section; startup: Section; targets: Target[] }> => {
  const overhead: Row[] = [];
  const startup: Row[] = [];
  const notes: string[] = [];
  const targets: Target[] = [];
  for (const count of scales) {
    // One scale that fails (a machine out of memory at 500, say) costs its own figures, not the run's.
    try {
      say(`overhead: hale with ${count} plugins`);
      // V8 keeps collecting for a while after start-up; the window opens once that tail has passed.
      const result = await measureOverhead({ count, idleMs, settleMs: 20_000 });
      say(`overhead: a bare grpc-js client checking ${count} plugins`);
      const floor = await measureCheckFloor({ count, idleMs });
      const floorCpu = row(`bare grpc-js client checking ${count} at 1 s: CPU (% of one core)`, '%', [floor.cpuPercent]);
      const floorP99 = row(`bare grpc-js client, ${count}: health check p99`, 'ms', [floor.latencyP99Ms]);
      overhead.push(
        row(`hale, ${count} plugins at 1 s: RSS`, 'MiB', [result.hale.rssMib]),
        row(`hale, ${count} plugins: CPU (% of one core, idle)`, '%', [result.hale.cpuPercent], { to: 'bare client', base: floorCpu }),
        floorCpu,
        row(`hale, ${count} plugins: health check p50`, 'ms', [result.checks.latencyP50Ms]),
        row(`hale, ${count} plugins: health check p99`, 'ms', [result.checks.latencyP99Ms], { to: 'bare client', base: floorP99 }),
        floorP99,
      );
      notes.push(
        `hale at ${count}: ${result.checks.checks} checks in the window, ${result.checks.late} late (gap > interval + 25 ms, gap p99 ${result.checks.gapP99Ms.toFixed(0)} ms), ${result.checks.missed} missed; watchdog ${result.watchdog === null ? 'not found' : `${result.watchdog.rssMib.toFixed(1)} MiB, ${result.watchdog.cpuPercent.toFixed(2)} %`}; event-loop lag p99 ${result.eventLoopLag.p99Ms} ms; free memory ${result.freeMemMib.before.toFixed(0)} → ${result.freeMemMib.healthy.toFixed(0)} MiB.`,
      );
      if (count === 100) startup.push(row('hale run → all 100 plugins healthy', 'ms', [result.startupMs]));
      if (count === 500) {
        targets.push(
          {
            goal: 'idle CPU ≤ 5 % of a core at 500 plugins / 1 s',
            measured: `${result.hale.cpuPercent.toFixed(2)} %`,
            met: result.hale.cpuPercent <= 5,
          },
          {
            goal: 'health check p99 < 5 ms at 500 plugins',
            measured: `${result.checks.latencyP99Ms.toFixed(2)} ms`,
            met: result.checks.latencyP99Ms < 5,
          },
        );
      }
      if (count === 50) {
        targets.push({
          goal: 'idle CPU ≤ 1 % of a core at 50 plugins / 1 s',
          measured: `${result.hale.cpuPercent.toFixed(2)} %`,
          met: result.hale.cpuPercent <= 1,
        });
      }
      for (const peer of peers) {
        say(`overhead: ${peer.name} with ${count} children`);
        const manager = await peer.create();
        try {
          const started = performance.now();
          await manager.start(count);
          const startMs = performance.now() - started;
          const usage = await measureIdle(manager, idleMs);
          if (count === 50 && peer.name === 'pm2') {
            targets.push({
              goal: "RSS at 50 plugins ≤ PM2's daemon",
              measured: `${result.hale.rssMib.toFixed(1)} MiB against ${usage.rssMib.toFixed(1)} MiB`,
              met: result.hale.rssMib <= usage.rssMib,
            });
          }
          overhead.push(
            row(`${peer.name}, ${count} children: daemon RSS`, 'MiB', [usage.rssMib]),
            row(`${peer.name}, ${count} children: daemon CPU (% of one core, idle)`, '%', [usage.cpuPercent]),
          );
          if (count === 100) startup.push(row(`${peer.name}: start → all 100 children answering`, 'ms', [startMs]));
        } finally {
          await manager.stop();
        }
      }
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      notes.push(`${count} plugins: not measured (${why})`);
      say(`overhead at ${count} failed: ${why}`);
    }
  }
  notes.push(
    'One run per scale (n = 1): 500 plugins take minutes to start on two cores. The peers run bench/fixtures/http-child.mjs and check nothing; hale checks every plugin every second.',
    "The bare client is the floor under hale's checking: the same light plugins checked at the same interval by a process that does nothing but call HealthCheck through hale's own grpc-js client (bench/hale/check-floor-worker.mjs); hale over it is what supervising adds to the RPCs.",
  );
  return {
    overhead: { title: '4. Overhead while idle', rows: overhead, notes },
    startup: {
      title: '5. Start-up of 100',
      rows: startup,
      notes: ['Each from its own start command (hale run, pm2 start, supervisord) to the last child serving; n = 1.'],
    },
    targets,
  };
};

/** Section 6: each manager SIGKILLed with 50 children; what is left after 2 s. */
const measureAllOrphans = async (peers: PeerFactory[]): Promise<Section> => {
  const rows: Row[] = [];
  say('orphans: hale');
  const hale = await measureHaleOrphans({ count: 50 });
  rows.push(row(`hale: plugins left 2 s after a SIGKILL (of ${hale.plugins})`, '', [hale.survivors]));
  for (const peer of peers) {
    say(`orphans: ${peer.name}`);
    const result = await measureOrphans(peer.create, 50);
    rows.push(row(`${peer.name}: children left 2 s after a SIGKILL (of ${result.children})`, '', [result.leftAfter2s]));
  }
  const notes = [
    `hale: all gone ${hale.allGoneMs === null ? 'never' : `${hale.allGoneMs.toFixed(0)} ms`} after the SIGKILL; its watchdog ${hale.watchdogSurvived ? 'survived' : 'exited'}.`,
    'Whatever was left was then ended by the bench, by pid.',
  ];
  return { title: '6. No orphans', rows, notes };
};

const median = (section: Section, label: string): number =>
  section.rows.find((r) => r.label.startsWith(label))?.summary.median ?? Number.NaN;

const main = async (): Promise<number> => {
  requireBuilt();
  installCleanup();
  const notes: string[] = [];
  const peers = await findPeers(notes);
  const crash = await measureCrashes(peers);
  const floor = row('bare parent: SIGKILL → its exit event (the floor)', 'ms', crash.bareExit);
  const exitRow = row('hale: SIGKILL → unhealthy event (exit detection)', 'ms', crash.detection, { to: 'the floor', base: floor });
  const loggedRow = row(
    "hale run: SIGKILL → its unhealthy log line (the log's ms clock)",
    'ms',
    crash.crashes.map((c) => c.unhealthyMs),
    { to: 'the floor', base: floor },
  );
  notes.push(
    "Exit detection is timed with performance.now() around hale's own Supervisor running in the bench process (the library, logging at info), interleaved with the floor: a bare parent's SIGKILL → 'exit' event, most of which is the kernel tearing a node process down. The hale run row reads the same moment from its log's time stamps, which have a 1 ms grain.",
  );
  const detection: Section = { title: '2. Detection', rows: [exitRow, floor, loggedRow, ...(await measureHangs())], notes };
  const load = await measureHealthLoad();
  const scale = await measureScale(peers);
  const orphans = await measureAllOrphans(peers);
  const sections = [crash.section, detection, load, scale.overhead, scale.startup, orphans];
  const crashRatio = crash.section.rows[0]?.ratio?.value ?? Number.NaN;
  const loadRatio = load.rows[0]?.ratio?.value ?? Number.NaN;
  const targets: Target[] = [
    { goal: 'crash → healthy ≤ 1.1× bare start', measured: `${crashRatio.toFixed(2)}×`, met: crashRatio <= 1.1 },
    { goal: 'exit detection p50 < 5 ms', measured: `${exitRow.summary.median.toFixed(2)} ms`, met: exitRow.summary.median < 5 },
    { goal: '/health ≥ 0.8× bare node:http', measured: `${loadRatio.toFixed(2)}×`, met: loadRatio >= 0.8 },
    ...scale.targets,
    { goal: '0 orphans', measured: `${median(orphans, 'hale:')} left`, met: median(orphans, 'hale:') === 0 },
  ];
  const results: BenchResults = { machine: describeMachine(), date: new Date().toISOString(), sections, targets };
  writeFileSync(join(repoRoot, 'bench/RESULTS.md'), formatMarkdown(results));
  writeFileSync(join(repoRoot, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatText(results));
  say('wrote bench/RESULTS.md and bench/results.json');
  return 0;
};

process.exitCode = await main();
