// `npm run bench`: hale beside a bare start, PM2 and supervisord, measured in the same run; prints a table
// and writes bench/RESULTS.md and bench/results.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireBuilt } from '../test/helpers/paths.js';
import { peerNames, say, sectionNames, trials, warmup, type PeerFactory } from './bench-options.js';
import { installCleanup } from './cleanup.js';
import { measureBareExit } from './hale/bare-exit.js';
import { measureBareStart } from './hale/bare-start.js';
import { greeterPlugin, httpChildPlugin } from './hale/bench-config.js';
import { measureCrashRecovery, type CrashTrial } from './hale/crash-recovery.js';
import { startExitDetector } from './hale/exit-detection.js';
import { startHaleBench } from './hale/hale-bench.js';
import { measureHttpCrash } from './hale/http-crash.js';
import { defaultHangPolicy, detectionBoundMs, measureHangDetection, toHangPolicyValues } from './hale/hang-detection.js';
import { allHealthy } from './hale/log-lines.js';
import { measureOrphans as measureHaleOrphans } from './hale/orphans.js';
import { findFreePorts } from './peers/free-ports.js';
import { childUrl } from './peers/http-child.js';
import type { PeerManager } from './peers/manager.js';
import { measureBareChildStart, measureOrphans, measureRestart } from './peers/measure.js';
import { createPm2Manager } from './peers/pm2.js';
import { createSupervisordManager } from './peers/supervisord.js';
import { measurePush } from './push-section.js';
import { describeMachine, formatMarkdown, formatText, row, type BenchResults, type Row, type Section, type Target } from './report.js';
import { measureScale } from './scale-section.js';
import { measureHealthLoad } from './load-section.js';

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
): Promise<{ section: Section; crashes: CrashTrial[]; bareExit: number[]; detection: number[]; sameChild: Target }> => {
  // The fair arm: hale runs the very http child the peers restart, as an ordinary server with an HTTP check.
  const [httpPort = 0] = await findFreePorts(1);
  const httpUrl = childUrl(httpPort);
  const hale = await startHaleBench({ plugins: [greeterPlugin(), httpChildPlugin('http-child', httpPort, `--bench-marker=${httpPort}`)] });
  const managers: PeerManager[] = [];
  const detector = await startExitDetector();
  try {
    await allHealthy(hale.hale, ['greeter', 'http-child'], 30_000);
    for (const peer of peers) {
      const manager = await peer.create();
      await manager.start(1);
      managers.push(manager);
    }
    const samples = {
      crashes: [] as CrashTrial[],
      http: [] as number[],
      httpHealthy: [] as number[],
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
      const http = await measureHttpCrash(hale, 'http-child', httpUrl);
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
      samples.http.push(http.servingMs);
      samples.httpHealthy.push(http.healthyMs);
      samples.bareExit.push(bareExit);
      samples.detection.push(detection);
      samples.bareChild.push(bareChild);
      restarts.forEach((ms, index) => peerMs[index]?.push(ms));
    }
    const bareRow = row('bare start of the greeter (spawn → first HealthCheck answer)', 'ms', samples.bare);
    const rows: Row[] = [
      row(
        'hale: SIGKILL → healthy again',
        'ms',
        samples.crashes.map((c) => c.healthyMs),
        { to: 'bare start', base: bareRow },
      ),
      row(
        'hale: SIGKILL → the greeter answers SayHello again',
        'ms',
        samples.crashes.map((c) => c.rpcMs),
        { to: 'bare start', base: bareRow },
      ),
      bareRow,
    ];
    const bareChildRow = row('bare start of the http child (spawn → first answer)', 'ms', samples.bareChild);
    const haleHttp = row('hale: SIGKILL → the http child answers again', 'ms', samples.http, { to: 'bare http child', base: bareChildRow });
    rows.push(haleHttp, row('hale: SIGKILL → the http child healthy again (log line)', 'ms', samples.httpHealthy));
    let sameChild: Target = { goal: 'crash → serving on the same child: hale < PM2', measured: 'PM2 not run', met: false };
    managers.forEach((manager, index) => {
      const peerRow = row(`${manager.name}: SIGKILL → the http child answers again`, 'ms', peerMs[index] ?? [], {
        to: 'bare http child',
        base: bareChildRow,
      });
      rows.push(peerRow);
      if (peerRow.summary.median <= 0) return;
      const ratio = haleHttp.summary.median / peerRow.summary.median;
      rows.push({ ...haleHttp, label: `hale over ${manager.name}, the same http child`, ratio: { to: manager.name, value: ratio } });
      if (manager.name === 'pm2')
        sameChild = {
          goal: sameChild.goal,
          measured: `${haleHttp.summary.median.toFixed(0)} ms against ${peerRow.summary.median.toFixed(0)} ms (${ratio.toFixed(2)}×)`,
          met: haleHttp.summary.median < peerRow.summary.median,
        };
    });
    rows.push(bareChildRow);
    const notes = [
      `hale: restartBackoff 0, successThreshold 1, startInterval 20 ms; the greeter (dist/plugins/greeter), and bench/fixtures/http-child.mjs as an ordinary server (handshake: none, health: { protocol: http }), in the same hale. PM2: fork mode, restart_delay 0. supervisord: startsecs 0, autorestart. The peers restart the same http-child.mjs and check nothing. Every "answers again" is the same probe: a GET on a fresh connection every 2 ms until a new pid answers.`,
      `${warmup} warm-up trials dropped; trials interleave hale, the bare starts and each peer.`,
    ];
    return {
      section: { title: '1. Crash → serving again', rows, notes },
      crashes: samples.crashes,
      bareExit: samples.bareExit,
      detection: samples.detection,
      sameChild,
    };
  } finally {
    await detector.stop();
    for (const manager of managers) await manager.stop();
    await hale.stop();
  }
};

/** The hang half of section 2: SIGSTOP → unhealthy, against the bound. */
const measureHangs = async (): Promise<{ rows: Row[]; target: Target }> => {
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
    return {
      rows: [{ ...hang, ratio: { to: 'the bound', value: hang.summary.median / bound } }],
      target: {
        goal: `SIGSTOP → unhealthy within failureThreshold × checkInterval + checkTimeout (${bound} ms), every trial`,
        measured: `median ${hang.summary.median.toFixed(0)} ms, max ${hang.summary.max.toFixed(0)} ms`,
        met: hang.summary.n > 0 && hang.summary.max <= bound,
      },
    };
  } finally {
    await hale.stop();
  }
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
  const sections: Section[] = [];
  const targets: Target[] = [];
  if (sectionNames.has('crash')) {
    const crash = await measureCrashes(peers);
    sections.push(crash.section);
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
    const crashRatio = crash.section.rows[0]?.ratio?.value ?? Number.NaN;
    targets.push(
      { goal: 'crash → healthy ≤ 1.1× bare start (the greeter)', measured: `${crashRatio.toFixed(2)}×`, met: crashRatio <= 1.1 },
      crash.sameChild,
      { goal: 'exit detection p50 < 5 ms', measured: `${exitRow.summary.median.toFixed(2)} ms`, met: exitRow.summary.median < 5 },
    );
    const detection: Section = { title: '2. Detection', rows: [exitRow, floor, loggedRow], notes };
    if (sectionNames.has('detection')) {
      const hangs = await measureHangs();
      detection.rows.push(...hangs.rows);
      targets.push(hangs.target);
    }
    sections.push(detection);
  } else if (sectionNames.has('detection')) {
    const hangs = await measureHangs();
    sections.push({ title: '2. Detection', rows: hangs.rows, notes });
    targets.push(hangs.target);
  }
  if (sectionNames.has('load')) {
    const load = await measureHealthLoad();
    sections.push(load);
    const loadRatio = load.rows[0]?.ratio?.value ?? Number.NaN;
    targets.push({ goal: '/health ≥ 0.95× bare node:http', measured: `${loadRatio.toFixed(2)}×`, met: loadRatio >= 0.95 });
  }
  if (sectionNames.has('scale')) {
    const scale = await measureScale(peers);
    sections.push(scale.overhead, scale.startup);
    targets.push(...scale.targets);
  }
  if (sectionNames.has('orphans')) {
    const orphans = await measureAllOrphans(peers);
    sections.push(orphans);
    targets.push({ goal: '0 orphans', measured: `${median(orphans, 'hale:')} left`, met: median(orphans, 'hale:') === 0 });
  }
  if (sectionNames.has('push')) {
    const push = await measurePush();
    sections.push(push.section);
    targets.push(push.target);
  }
  const results: BenchResults = { machine: describeMachine(), date: new Date().toISOString(), sections, targets };
  // A run of some sections only (BENCH_SECTIONS) prints, but leaves the full run's files alone.
  if (process.env.BENCH_SECTIONS === undefined) {
    writeFileSync(join(repoRoot, 'bench/RESULTS.md'), formatMarkdown(results));
    writeFileSync(join(repoRoot, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    say('wrote bench/RESULTS.md and bench/results.json');
  }
  process.stdout.write(formatText(results));
  return 0;
};

process.exitCode = await main();
