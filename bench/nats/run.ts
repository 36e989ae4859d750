// `node --import tsx bench/nats/run.ts`: issue 10's claim, "NATS down never slows supervision", measured. Three
// hales side by side, one greeter each: no nats: section, nats: up, nats: halted; trials interleaved. Prints a table.
import { requireBuilt } from '../../test/helpers/paths.js';
import { startNatsServer, type NatsServer } from '../../test/helpers/nats-server.js';
import { forgetPid, installCleanup, killRegistered, registerPid } from '../cleanup.js';
import { readRssMib } from '../proc-usage.js';
import { percentile, summarize, type Summary } from '../stats.js';
import { greeterPlugin } from '../hale/bench-config.js';
import { measureCrashRecovery } from '../hale/crash-recovery.js';
import { startHaleBench, type HaleBench } from '../hale/hale-bench.js';
import { allHealthy, nextLine } from '../hale/log-lines.js';
import { startNatsHaleBench } from './nats-hale.js';
import { measureHealthRound, readMetrics } from './probes.js';

const trials = 15;
const warmup = 2;
const healthRequests = 200;
// The whole run, set-up and teardown included; past it everything started is killed.
const deadlineMs = 20 * 60_000;
const say = (line: string): void => void process.stderr.write(`bench:nats: ${line}\n`);

interface Arm {
  label: string;
  bench: HaleBench;
  crashMs: number[];
  healthMedians: number[];
  healthAll: number[];
  non200: number;
}

const toArm = (label: string, bench: HaleBench): Arm => ({ label, bench, crashMs: [], healthMedians: [], healthAll: [], non200: 0 });

const isNatsConnected = (l: { nats?: unknown; msg?: unknown }): boolean =>
  typeof l.nats === 'string' && String(l.msg).startsWith('nats: connected');
const isNatsAway = (l: { nats?: unknown; msg?: unknown }): boolean =>
  typeof l.nats === 'string' && !String(l.msg).startsWith('nats: connected');

const fixed = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));
const spread = (s: Summary, unit: string): string => `${fixed(s.median)} ${unit} (${fixed(s.min)}–${fixed(s.max)})`;
const ratio = (value: number, base: number): string => (base > 0 ? `${(value / base).toFixed(2)}×` : 'n/a');

const formatTable = (header: string[], rows: string[][]): string => {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((r) => (r[index] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
};

/** One trial of one arm: a SIGKILL timed back to healthy, then a round of GET /health. */
const runTrial = async (arm: Arm, kept: boolean): Promise<void> => {
  const crash = await measureCrashRecovery(arm.bench);
  const round = await measureHealthRound(arm.bench.url, healthRequests);
  if (!kept) return;
  arm.crashMs.push(crash.healthyMs);
  arm.healthMedians.push(round.medianMs);
  arm.healthAll.push(...round.samples);
  arm.non200 += round.non200;
};

const measure = async (servers: { up: NatsServer; down: NatsServer }, benches: HaleBench[]): Promise<string> => {
  const plugins = [greeterPlugin()];
  const plain = await startHaleBench({ plugins });
  benches.push(plain);
  const up = await startNatsHaleBench({ plugins }, { servers: servers.up.url, hubId: 'bench-up', summaryInterval: '1s' });
  benches.push(up);
  const down = await startNatsHaleBench({ plugins }, { servers: servers.down.url, hubId: 'bench-down', summaryInterval: '1s' });
  benches.push(down);
  await Promise.all([plain, up, down].map((b) => allHealthy(b.hale, ['greeter'], 30_000)));
  await Promise.all([up, down].map((b) => b.hale.line(isNatsConnected, 30_000)));
  // Connected first, then the server goes: hale's link is in its reconnect loop, holding what it publishes.
  const away = nextLine(down.hale, isNatsAway, 30_000);
  const downPid = servers.down.pid;
  await servers.down.halt();
  forgetPid(downPid);
  await away;
  const arms = [toArm('(a) no nats:', plain), toArm('(b) nats: up', up), toArm('(c) nats: halted', down)];
  for (let i = 0; i < warmup + trials; i++) {
    const kept = i >= warmup;
    say(kept ? `trial ${i + 1 - warmup} of ${trials}` : `warm-up ${i + 1} of ${warmup}`);
    // A different arm goes first each trial, so no arm always follows the same neighbour.
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(i + k) % arms.length];
      if (arm !== undefined) await runTrial(arm, kept);
    }
  }
  const ends = await Promise.all(
    arms.map(async (arm) => ({ rss: readRssMib(arm.bench.pid), nats: await readMetrics(arm.bench.url, 'hale_nats_') })),
  );
  const [base] = arms;
  const baseCrash = summarize(base?.crashMs ?? []).median;
  const baseHealth = summarize(base?.healthMedians ?? []).median;
  const rows = arms.map((arm, index) => {
    const crash = summarize(arm.crashMs);
    const health = summarize(arm.healthMedians);
    const end = ends[index];
    const held =
      index === 2
        ? [String(end?.nats.hale_nats_pending_messages ?? 'n/a'), String(end?.nats.hale_nats_dropped_total ?? 'n/a')]
        : ['–', '–'];
    return [
      arm.label,
      spread(crash, 'ms'),
      ratio(crash.median, baseCrash),
      spread(health, 'ms'),
      ratio(health.median, baseHealth),
      end?.rss == null ? 'gone' : `${end.rss.toFixed(1)} MiB`,
      ...held,
    ];
  });
  const table = formatTable(
    [
      'arm',
      'SIGKILL→healthy median (min–max)',
      '÷ (a)',
      '/health median (min–max)',
      '÷ (a)',
      'hale RSS at end',
      'nats pending',
      'nats dropped',
    ],
    rows,
  );
  const notes = [
    `n = ${trials} a arm after ${warmup} warm-up trials, interleaved (the first arm rotates each trial); one greeter a hale, restartBackoff 0, successThreshold 1, checkInterval 1s; summaryInterval 1s; maxPending default (10000).`,
    `/health: ${healthRequests} sequential fetches a trial, after the plugin is healthy again; the column is the median of the ${trials} per-trial medians.`,
    ...arms.map(
      (arm, index) =>
        `${arm.label} — /health p99 over all ${arm.healthAll.length} requests ${fixed(percentile(arm.healthAll, 99))} ms, ${arm.non200} answers not 200; nats metrics ${JSON.stringify(ends[index]?.nats ?? {})}`,
    ),
  ];
  return `${table}\n\n${notes.join('\n')}`;
};

const main = async (): Promise<number> => {
  requireBuilt();
  installCleanup();
  const startedAt = performance.now();
  const deadline = setTimeout(() => {
    say(`not done within ${deadlineMs / 60_000} min: ending everything it started`);
    killRegistered();
    process.exit(1);
  }, deadlineMs);
  deadline.unref();
  const benches: HaleBench[] = [];
  const servers: NatsServer[] = [];
  try {
    const up = await startNatsServer();
    servers.push(up);
    registerPid(up.pid);
    const down = await startNatsServer();
    servers.push(down);
    registerPid(down.pid);
    const report = await measure({ up, down }, benches);
    process.stdout.write(`${report}\nrun time ${((performance.now() - startedAt) / 1_000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await Promise.allSettled(benches.map((b) => b.stop()));
    for (const server of servers) {
      const { pid } = server;
      await server.stop();
      forgetPid(pid);
    }
    clearTimeout(deadline);
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
