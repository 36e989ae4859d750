// A quick run of every hale bench with small numbers: `node --import tsx bench/hale/smoke.ts`
// [--trials 3] [--counts 10,100] [--idle 5000] [--only crash,hang,overhead,floor,orphans] [--cpu-prof DIR]
import { parseArgs } from 'node:util';
import { requireBuilt } from '../../test/helpers/paths.js';
import { installCleanup } from '../cleanup.js';
import { show, summarize } from '../stats.js';
import { measureBareExit } from './bare-exit.js';
import { measureBareStart } from './bare-start.js';
import { greeterPlugin } from './bench-config.js';
import { summarizeCpuProfile } from './cpu-profile.js';
import { measureCheckFloor } from './check-floor.js';
import { measureCrashRecovery, type CrashTrial } from './crash-recovery.js';
import { startHaleBench } from './hale-bench.js';
import { defaultHangPolicy, detectionBoundMs, measureHangDetection, toHangPolicyValues } from './hang-detection.js';
import { allHealthy } from './log-lines.js';
import { measureOrphans } from './orphans.js';
import { measureOverhead } from './overhead.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '3' },
    counts: { type: 'string', default: '10,100' },
    idle: { type: 'string', default: '5000' },
    only: { type: 'string', default: 'crash,hang,overhead,floor,orphans' },
    'cpu-prof': { type: 'string' },
  },
});
const trials = Number(values.trials);
const counts = values.counts.split(',').map(Number);
const idleMs = Number(values.idle);
const only = new Set(values.only.split(','));
const print = (text: string) => process.stdout.write(`${text}\n`);
const profileDir = values['cpu-prof'];

// hale's hot spots over the idle window, by self and by total time.
const printProfile = (file: string | null) => {
  if (file === null) return;
  const summary = summarizeCpuProfile(file, undefined, 15);
  print(`   profile ${file}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.sampledMs.toFixed(0)} ms sampled`);
  print(`     by owner: ${summary.byOwner.map((o) => `${o.owner} ${o.selfMs.toFixed(0)}`).join(', ')} (ms self)`);
  for (const spot of summary.bySelf) print(`     self ${spot.selfMs.toFixed(1).padStart(8)} ms  ${spot.frame}`);
  for (const spot of summary.byTotal) print(`     total ${spot.totalMs.toFixed(1).padStart(7)} ms  ${spot.frame}`);
};
const ms = (samples: number[]) => show(summarize(samples), 'ms');

requireBuilt();
installCleanup();

if (only.has('crash') || only.has('hang')) {
  const bench = await startHaleBench({
    plugins: [greeterPlugin('greeter'), greeterPlugin('greeter-hang', toHangPolicyValues(defaultHangPolicy))],
  });
  try {
    await allHealthy(bench.hale, ['greeter', 'greeter-hang'], 15_000);
    if (only.has('crash')) {
      const crashes: CrashTrial[] = [];
      const bareHealth: number[] = [];
      const bareHello: number[] = [];
      const bareExit: number[] = [];
      for (let trial = 0; trial < trials; trial++) {
        bareExit.push(await measureBareExit());
        bareHealth.push(await measureBareStart(undefined, 'health'));
        bareHello.push(await measureBareStart(undefined, 'hello'));
        crashes.push(await measureCrashRecovery(bench, 'greeter'));
      }
      const pick = (key: keyof CrashTrial) => crashes.map((c) => c[key]);
      print('1. crash → healthy (greeter, SIGKILL)');
      print(`   hale exited seen     ${ms(pick('exitedMs'))}`);
      print(`   hale unhealthy       ${ms(pick('unhealthyMs'))}   (2. exit detection)`);
      print(`   bare exit floor      ${ms(bareExit)}   (SIGKILL → 'exit' in an idle bare parent)`);
      print(`   hale ready           ${ms(pick('readyMs'))}`);
      print(`   hale healthy         ${ms(pick('healthyMs'))}`);
      print(`   hale own RPC         ${ms(pick('rpcMs'))}`);
      print(`   bare → HealthCheck   ${ms(bareHealth)}`);
      print(`   bare → SayHello      ${ms(bareHello)}`);
      print(
        `   ratio healthy/bare ${(summarize(pick('healthyMs')).median / summarize(bareHealth).median).toFixed(2)}, rpc/bare ${(summarize(pick('rpcMs')).median / summarize(bareHello).median).toFixed(2)}`,
      );
    }
    if (only.has('hang')) {
      const hangs: number[] = [];
      for (let trial = 0; trial < trials; trial++) hangs.push(await measureHangDetection(bench, 'greeter-hang'));
      print(
        `2. hang detection (SIGSTOP → unhealthy) ${ms(hangs)}; bound ${detectionBoundMs(defaultHangPolicy)} ms (${JSON.stringify(defaultHangPolicy)})`,
      );
    }
  } finally {
    await bench.stop();
  }
}

if (only.has('overhead')) {
  for (const count of counts) {
    const result = await measureOverhead({ count, idleMs, ...(profileDir === undefined ? {} : { profileDir }) });
    const { hale, watchdog, checks, freeMemMib: free } = result;
    print(`4/5. ${count} light plugins, checkInterval 1s, idle ${idleMs} ms`);
    print(`   start-up → all healthy ${result.startupMs} ms`);
    print(
      `   hale RSS ${hale.rssMib.toFixed(1)} MiB, CPU ${hale.cpuPercent.toFixed(2)} % of a core; watchdog RSS ${watchdog?.rssMib.toFixed(1) ?? '-'} MiB, CPU ${watchdog?.cpuPercent.toFixed(2) ?? '-'} %`,
    );
    print(
      `   checks ${checks.checks} (${checks.failed} failed) over ${checks.coveredMs} ms: latency p50 ${checks.latencyP50Ms} p99 ${checks.latencyP99Ms} max ${checks.latencyMaxMs} ms`,
    );
    print(
      `   gaps ${checks.gaps}: p50 ${checks.gapP50Ms} p99 ${checks.gapP99Ms} max ${checks.gapMaxMs} ms; late ${checks.late}, missed ${checks.missed}`,
    );
    print(
      `   machine busy ${result.machineCpuPercent.toFixed(1)} % of one core (all cores together; the plugins and anything else included)`,
    );
    print(`   event-loop lag ${JSON.stringify(result.eventLoopLag)}`);
    print(`   free memory ${free.before.toFixed(0)} → ${free.healthy.toFixed(0)} → ${free.after.toFixed(0)} MiB`);
    printProfile(result.profile);
    if (only.has('floor')) {
      const floor = await measureCheckFloor({ count, idleMs });
      print(
        `   floor: ${count} spawned bare → all handshakes ${floor.startupMs.toFixed(0)} ms; a bare grpc-js client checking them: CPU ${floor.cpuPercent.toFixed(2)} %, latency p50 ${floor.latencyP50Ms.toFixed(2)} p99 ${floor.latencyP99Ms.toFixed(2)} ms (${floor.checks} checks, ${floor.failed} failed)`,
      );
    }
  }
}

if (only.has('orphans')) {
  const result = await measureOrphans({ count: 50 });
  print(
    `6. orphans: SIGKILL hale with ${result.plugins} plugins → ${result.survivors} left after 2 s; watchdog left: ${result.watchdogSurvived}; all gone in ${result.allGoneMs?.toFixed(1) ?? '-'} ms`,
  );
}
