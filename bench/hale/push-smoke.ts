// A small run of the issue-18 benches: `node --import tsx bench/hale/push-smoke.ts`
// [--count 20] [--trials 5] [--failure-threshold 1] [--idle 5000] [--only push,poll,overhead,http]
import { parseArgs } from 'node:util';
import { requireBuilt } from '../../test/helpers/paths.js';
import { installCleanup } from '../cleanup.js';
import { findFreePorts } from '../peers/free-ports.js';
import { childUrl } from '../peers/http-child.js';
import { httpChildPlugin } from './bench-config.js';
import { startHaleBench } from './hale-bench.js';
import { measureHttpCrash } from './http-crash.js';
import { allHealthy } from './log-lines.js';
import { measureOverhead } from './overhead.js';
import { measurePushLatency } from './push-latency.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    trials: { type: 'string', default: '5' },
    'failure-threshold': { type: 'string', default: '1' },
    idle: { type: 'string', default: '5000' },
    only: { type: 'string', default: 'push,poll,overhead,http' },
  },
});
const count = Number(values.count);
const trials = Number(values.trials);
const failureThreshold = Number(values['failure-threshold']);
const idleMs = Number(values.idle);
const only = new Set(values.only.split(','));
const print = (text: string) => process.stdout.write(`${text}\n`);

requireBuilt();
installCleanup();
for (const push of [true, false]) {
  if (!only.has(push ? 'push' : 'poll')) continue;
  const result = await measurePushLatency({ count, trials, warmup: 1, push, failureThreshold });
  const ms = result.samples.map((s) => s.toFixed(1)).join(', ');
  const floor = result.floor.map((s) => s.toFixed(1)).join(', ');
  print(
    `${push ? 'pushed' : 'polled'} change → unhealthy at ${count} (failureThreshold ${failureThreshold}): p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms [${ms}]; ${result.withMessage}/${result.samples.length} with the plugin's message; floor [${floor}]; start-up ${result.startupMs.toFixed(0)} ms`,
  );
}
if (only.has('overhead')) {
  const result = await measureOverhead({ count, idleMs, settleMs: 2_000 });
  print(
    `overhead at ${count}: hale ${result.hale.rssMib.toFixed(1)} MiB ${result.hale.cpuPercent.toFixed(2)} %; with ${result.withHelpers.helpers} helper(s) ${result.withHelpers.rssMib.toFixed(1)} MiB ${result.withHelpers.cpuPercent.toFixed(2)} %; checks ${result.checks.checks} at a ${result.cadenceMs.toFixed(0)} ms cadence, ${result.checks.missed} missed, p99 ${result.checks.latencyP99Ms.toFixed(2)} ms; start-up ${result.startupMs} ms`,
  );
}
if (only.has('http')) {
  const [port = 0] = await findFreePorts(1);
  const bench = await startHaleBench({ plugins: [httpChildPlugin('http-child', port, '--bench-marker=smoke')] });
  try {
    await allHealthy(bench.hale, ['http-child'], 30_000);
    const got: string[] = [];
    for (let i = 0; i < trials; i++) {
      const trial = await measureHttpCrash(bench, 'http-child', childUrl(port));
      got.push(`${trial.servingMs.toFixed(0)}/${trial.healthyMs.toFixed(0)}`);
    }
    print(`hale http child: SIGKILL → serving/healthy ms: ${got.join(', ')}`);
  } finally {
    await bench.stop();
  }
}
