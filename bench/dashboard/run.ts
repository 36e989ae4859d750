// `node --import tsx bench/dashboard/run.ts`: the dashboard with 10 plugins (the baseline) and with 200, in one run.
import { requireBuilt } from '../../test/helpers/paths.js';
import { measureDashboard, type DashboardRun } from './measure-dashboard.js';

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

const describe = (run: DashboardRun) => ({
  plugins: run.plugins,
  loadMs: run.loadMs,
  idleP50: quantile(run.idleTransitionMs, 0.5),
  idleP95: quantile(run.idleTransitionMs, 0.95),
  busyP50: quantile(run.busyTransitionMs, 0.5),
  busyP95: quantile(run.busyTransitionMs, 0.95),
  mainThread: run.busyMainThread,
  heapMiB: run.heapMiB,
});

requireBuilt();
const options = { transitions: Number(process.env.BENCH_TRANSITIONS ?? 30), busySeconds: Number(process.env.BENCH_BUSY_SECONDS ?? 10) };
const base = describe(await measureDashboard({ plugins: 10, ...options }));
const many = describe(await measureDashboard({ plugins: Number(process.env.BENCH_PLUGINS ?? 200), ...options }));
const line = (label: string, unit: string, pick: (d: typeof base) => number, digits = 1) =>
  `${label.padEnd(52)} ${pick(base).toFixed(digits).padStart(8)} ${pick(many).toFixed(digits).padStart(8)} ${unit.padEnd(4)} ${(pick(many) / pick(base)).toFixed(2).padStart(6)}×`;
process.stdout.write(
  [
    `${'dashboard in chromium'.padEnd(52)} ${`${base.plugins} pl.`.padStart(8)} ${`${many.plugins} pl.`.padStart(8)}      ratio`,
    line('load → every row drawn, stream live', 'ms', (d) => d.loadMs, 0),
    line('transition → row redrawn, idle, p50', 'ms', (d) => d.idleP50),
    line('transition → row redrawn, idle, p95', 'ms', (d) => d.idleP95),
    line('transition → row redrawn, 1 check/s/plugin, p50', 'ms', (d) => d.busyP50),
    line('transition → row redrawn, 1 check/s/plugin, p95', 'ms', (d) => d.busyP95),
    line('main thread busy, 1 check/s/plugin', '%', (d) => d.mainThread * 100),
    line('JS heap after the busy spell', 'MiB', (d) => d.heapMiB),
    '',
  ].join('\n'),
);
