import type { ChaosProblem, FaultRecord } from './chaos.js';
import { faultKinds, type FaultKind } from './faults.js';
import type { PluginRow } from './hale-api.js';
import type { InvariantResult } from './invariant-watch.js';
import type { Orphan } from './orphans.js';
import type { LingeringZombie } from './zombie-watch.js';

/** Bounds that are judgement calls rather than exact counts. */
export const soakLimits = {
  /** GET /plugins/status while 20 plugins churn: an answer from memory, far under a check interval. */
  apiP99Ms: 250,
  /** hale's RSS may grow (heap warming up, buffers), but not by this much in a run. */
  rssGrowthKib: 64 * 1024,
} as const;

export interface PluginRestarts {
  plugin: string;
  /** restartCount when the faults began (a start under load may have needed a retry); included in expected. */
  before: number;
  expectedMin: number;
  expectedMax: number;
  /** restartCount at the end, or null when the plugin was not listed. */
  actual: number | null;
}

/** Everything a soak run found; `violations` is empty when hale kept every promise. */
export interface SoakReport {
  plugins: number;
  durationMs: number;
  seed: number;
  concurrency: number;
  startup: { allHealthy: boolean; ms: number };
  faults: FaultRecord[];
  problems: ChaosProblem[];
  /** Plugins whose restarts are not judged (a fault could not be injected). */
  unjudged: string[];
  finalRows: PluginRow[];
  allHealthyAtEnd: boolean;
  restarts: PluginRestarts[];
  zombies: { scans: number; zombiesSeen: number; lingering: LingeringZombie[] };
  orphans: Orphan[];
  /** Every second: each live process of a plugin is one GET /plugins/status accounts for. */
  invariant: InvariantResult;
  seenPids: number;
  rss: { startKib: number | null; endKib: number | null; maxKib: number | null };
  api: { requests: number; errors: number; errorSamples: string[]; p50Ms: number; p99Ms: number; maxMs: number };
  /** null when hale did not exit in time after SIGTERM (it was then SIGKILLed). */
  haleExit: { code: number | null; signal: string | null; ms: number } | null;
  violations: string[];
}

const countBy = (faults: readonly FaultRecord[], kind: FaultKind): number => faults.filter((f) => f.kind === kind).length;
const outside = (n: number | null, min: number, max: number): boolean => n === null || n < min || n > max;
const range = (min: number, max: number): string => (min === max ? String(min) : `${min}–${max}`);
const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

/**
 * Every broken promise in a report, in words: orphans, hidden processes (the
 * invariant), lingering zombies,
 * plugins not healthy, restarts not matching the faults, faults that never
 * settled, slow spells not seen degraded, API errors or slowness, RSS growth,
 * hale not exiting 0 on SIGTERM.
 *
 * @example
 * const violations = findViolations(report); // [] when all is well
 */
export const findViolations = (report: Omit<SoakReport, 'violations'>): string[] => {
  const violations: string[] = [];
  if (!report.startup.allHealthy) violations.push(`not every plugin was healthy ${report.startup.ms} ms after hale started`);
  for (const orphan of report.orphans)
    violations.push(`orphan: pid ${orphan.pid} (group ${orphan.pgrp}, ${orphan.because}): ${orphan.commandLine}`);
  if (report.invariant.violations > 0) {
    const shown = report.invariant.samples.map((h) => `pid ${h.pid} at ${h.atMs} ms (${h.why}): ${h.commandLine}`).join('; ');
    violations.push(`invariant: ${report.invariant.violations} hidden process sightings in ${report.invariant.checks} checks: ${shown}`);
  }
  if (report.invariant.checks === 0) violations.push('invariant: never checked (no status read answered)');
  for (const zombie of report.zombies.lingering)
    violations.push(`zombie: pid ${zombie.pid}, a child of hale, unreaped over two scans (first seen at ${zombie.firstSeenMs} ms)`);
  if (!report.allHealthyAtEnd) {
    const sick = report.finalRows.filter((r) => r.state !== 'healthy').map((r) => `${r.name} ${r.state}`);
    violations.push(`not healthy at the end: ${sick.join(', ') || `${report.plugins - report.finalRows.length} plugins not listed`}`);
  }
  for (const r of report.restarts) {
    if (report.unjudged.includes(r.plugin) || !outside(r.actual, r.expectedMin, r.expectedMax)) continue;
    violations.push(
      `restarts: ${r.plugin} has restartCount ${r.actual ?? 'unknown'}, its faults imply ${range(r.expectedMin, r.expectedMax)}`,
    );
  }
  for (const f of report.faults) {
    if (f.actual !== null && outside(f.actual, f.expected.min, f.expected.max)) {
      violations.push(
        `restarts: ${f.kind} on ${f.plugin} at ${f.atMs} ms caused ${f.actual}, expected ${range(f.expected.min, f.expected.max)}`,
      );
    }
    if (f.degradedSeen === false) violations.push(`slow-answers on ${f.plugin} at ${f.atMs} ms: never seen degraded`);
  }
  for (const p of report.problems) violations.push(`${p.plugin}: ${p.message}`);
  if (report.api.errors > 0)
    violations.push(`API: ${report.api.errors} of ${report.api.requests} status requests failed (${report.api.errorSamples.join('; ')})`);
  if (!(report.api.p99Ms <= soakLimits.apiP99Ms))
    violations.push(`API: p99 latency ${report.api.p99Ms.toFixed(1)} ms is over ${soakLimits.apiP99Ms} ms`);
  const { startKib, endKib } = report.rss;
  if (startKib === null || endKib === null) violations.push('RSS: hale could not be measured');
  else if (endKib - startKib > soakLimits.rssGrowthKib)
    violations.push(`RSS: hale grew by ${mib(endKib - startKib)}, over ${mib(soakLimits.rssGrowthKib)}`);
  if (report.haleExit === null) violations.push('hale did not exit after SIGTERM (it was SIGKILLed)');
  else if (report.haleExit.code !== 0)
    violations.push(
      `hale exited with code ${report.haleExit.code ?? 'none'} (signal ${report.haleExit.signal ?? 'none'}) on SIGTERM, not 0`,
    );
  return violations;
};

const table = (rows: readonly (readonly string[])[]): string[] => {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
};

const verdict = (ok: boolean): string => (ok ? 'ok' : 'VIOLATION');

/**
 * The report as the soak prints it: the checks, the faults by kind, and
 * every violation.
 *
 * @example
 * process.stdout.write(`${formatReport(report)}\n`);
 */
export const formatReport = (report: SoakReport): string => {
  const { faults, api, rss, zombies } = report;
  const expectedMin = report.restarts.reduce((sum, r) => sum + r.expectedMin, 0);
  const expectedMax = report.restarts.reduce((sum, r) => sum + r.expectedMax, 0);
  const actualTotal = report.restarts.reduce((sum, r) => sum + (r.actual ?? 0), 0);
  const restartsBefore = report.restarts.reduce((sum, r) => sum + r.before, 0);
  const restartsOff = report.restarts.filter(
    (r) => !report.unjudged.includes(r.plugin) && outside(r.actual, r.expectedMin, r.expectedMax),
  ).length;
  const slow = faults.filter((f) => f.kind === 'slow-answers');
  const slowSeen = slow.filter((f) => f.degradedSeen === true).length;
  const unsettled = faults.filter((f) => f.actual === null).length;
  const healthyCount = report.finalRows.filter((r) => r.state === 'healthy').length;
  const growth = rss.startKib === null || rss.endKib === null ? null : rss.endKib - rss.startKib;
  const exit = report.haleExit;
  const checks = [
    ['check', 'value', 'bound', 'result'],
    [
      'orphan processes after hale exit',
      `${report.orphans.length} (of ${report.seenPids} plugin pids seen)`,
      '0',
      verdict(report.orphans.length === 0),
    ],
    [
      'hidden plugin processes (invariant, every 1 s)',
      `${report.invariant.violations} (${report.invariant.checks} checks, ${report.invariant.skipped} skipped)`,
      '0',
      verdict(report.invariant.violations === 0 && report.invariant.checks > 0),
    ],
    [
      'zombies lingering (children of hale)',
      `${zombies.lingering.length} (${zombies.zombiesSeen} seen briefly, ${zombies.scans} scans)`,
      '0',
      verdict(zombies.lingering.length === 0),
    ],
    ['plugins healthy at the end', `${healthyCount}/${report.plugins}`, String(report.plugins), verdict(report.allHealthyAtEnd)],
    [
      'restarts (sum of restartCount)',
      `${actualTotal} (${restartsBefore} before the first fault)`,
      range(expectedMin, expectedMax),
      verdict(restartsOff === 0),
    ],
    ['plugins with restarts off', String(restartsOff), '0', verdict(restartsOff === 0)],
    ['faults not settled in time', String(unsettled), '0', verdict(unsettled === 0)],
    ['slow spells seen degraded', `${slowSeen}/${slow.length}`, String(slow.length), verdict(slowSeen === slow.length)],
    [
      'hale RSS growth (all healthy → all healthy)',
      growth === null
        ? 'unknown'
        : `${growth >= 0 ? '+' : ''}${mib(growth)} (${mib(rss.startKib ?? 0)} → ${mib(rss.endKib ?? 0)}, max ${mib(rss.maxKib ?? 0)})`,
      `≤ ${mib(soakLimits.rssGrowthKib)}`,
      verdict(growth !== null && growth <= soakLimits.rssGrowthKib),
    ],
    [
      'API p99 latency, GET /plugins/status',
      `${api.p99Ms.toFixed(1)} ms (p50 ${api.p50Ms.toFixed(1)}, max ${api.maxMs.toFixed(1)}, ${api.requests} requests)`,
      `≤ ${soakLimits.apiP99Ms} ms`,
      verdict(api.p99Ms <= soakLimits.apiP99Ms),
    ],
    ['API errors', String(api.errors), '0', verdict(api.errors === 0)],
    [
      'hale exit on SIGTERM',
      exit === null
        ? 'did not exit (SIGKILLed)'
        : `code ${exit.code ?? 'none'}${exit.signal === null ? '' : ` signal ${exit.signal}`} in ${exit.ms} ms`,
      'code 0',
      verdict(exit?.code === 0),
    ],
  ];
  const byKind = [
    ['fault', 'injected', 'restarts expected', 'restarts seen', 'off'],
    ...faultKinds.map((kind) => {
      const of = faults.filter((f) => f.kind === kind);
      const min = of.reduce((sum, f) => sum + f.expected.min, 0);
      const max = of.reduce((sum, f) => sum + f.expected.max, 0);
      const seen = of.reduce((sum, f) => sum + (f.actual ?? 0), 0);
      const off = of.filter((f) => f.actual === null || outside(f.actual, f.expected.min, f.expected.max)).length;
      return [kind, String(countBy(faults, kind)), range(min, max), String(seen), String(off)];
    }),
    [
      'total',
      String(faults.length),
      range(expectedMin - restartsBefore, expectedMax - restartsBefore),
      String(faults.reduce((sum, f) => sum + (f.actual ?? 0), 0)),
      '',
    ],
  ];
  const pauses = faults.flatMap((f) => (f.pauseMs === undefined ? [] : [f.pauseMs]));
  const longPauses = faults.filter((f) => f.kind === 'sigstop-short' && f.expected.max > 0).length;
  return [
    `hale soak: ${report.plugins} plugins, ${report.durationMs / 1000} s of faults, seed ${report.seed}, at most ${report.concurrency} faults pending; all healthy ${report.startup.ms} ms after start`,
    '',
    ...table(checks),
    '',
    ...table(byKind),
    ...(pauses.length === 0
      ? []
      : [`short SIGSTOP pauses: longest ${Math.max(...pauses)} ms; ${longPauses} ran long enough to allow 1 restart`]),
    '',
    report.violations.length === 0 ? 'violations: none' : `violations (${report.violations.length}):`,
    ...report.violations.map((v) => `  - ${v}`),
  ].join('\n');
};
