import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRecord } from '../../soak/chaos.js';
import { faultKinds } from '../../soak/faults.js';
import { parseSoakArgs } from '../../soak/options.js';
import { findHiddenProcesses } from '../../soak/invariant.js';
import { findOrphans } from '../../soak/orphans.js';
import { readCommandLine, readStat } from '../../soak/proc.js';
import { findViolations, formatReport, soakLimits, type SoakReport } from '../../soak/report.js';
import { runSoak } from '../../soak/run-soak.js';
import { watchZombies } from '../../soak/zombie-watch.js';
import { alive } from '../helpers/alive.js';
import { requireBuilt } from '../helpers/paths.js';

// With this seed the first fault of each of the 8 plugins already covers all seven kinds.
const seed = 87;

describe('chaos soak, the short version of `npm run soak`', () => {
  it('8 flaky plugins under 20 s of random faults, reloads racing restarts among them: no hidden process (checked every second), no orphan, no lingering zombie, all healthy, restarts as the faults imply, exit 0 on SIGTERM', async () => {
    requireBuilt();
    const report = await runSoak({ plugins: 8, durationMs: 20_000, seed, concurrency: null, verbose: false });
    expect(report.violations, formatReport(report)).toEqual([]);
    expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(faultKinds));
    expect(report.orphans).toEqual([]);
    expect(report.invariant.violations).toBe(0);
    expect(report.invariant.checks).toBeGreaterThanOrEqual(15);
    expect(report.haleExit?.code).toBe(0);
    expect(report.finalRows.map((r) => r.state)).toEqual(Array(8).fill('healthy'));
    // Every restart during the run is one a fault explains (counted from a plugin's last reload, which began its count again).
    const during = report.restarts.reduce((sum, r) => sum + (r.actual ?? 0) - r.before, 0);
    const counted = report.restarts.flatMap((r) => {
      const mine = report.faults.filter((f) => f.plugin === r.plugin);
      const from = mine.findLastIndex((f) => f.rebase === true);
      return from === -1 ? mine : mine.slice(from);
    });
    expect(during).toBe(counted.reduce((sum, f) => sum + (f.actual ?? 0), 0));
    expect(report.faults.reduce((sum, f) => sum + (f.actual ?? 0), 0)).toBeGreaterThan(0);
  }, 60_000);
});

// The soak is only worth its "violations: none" if its detectors see what they look for.
describe("the soak's detectors", () => {
  const started: number[] = [];
  afterEach(() => {
    // Each was started as the leader of its own group: the group goes, children included.
    for (const pid of started.splice(0)) if (alive(pid)) process.kill(-pid, 'SIGKILL');
  });

  const startShell = (script: string, name = 'sh'): number => {
    const child = spawn('/bin/sh', ['-c', script, name], { stdio: 'ignore', detached: true });
    if (child.pid === undefined) throw new Error('could not start /bin/sh');
    started.push(child.pid);
    return child.pid;
  };

  // Right after spawn the child may still be node, not yet the shell: wait (bounded) for the exec.
  const execed = (pid: number, text: string): boolean => {
    const deadline = Date.now() + 5_000;
    while (!readCommandLine(pid).includes(text) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    return readCommandLine(pid).includes(text);
  };

  it('finds a live process by seen pid and start time, by the marker in its command line, never by a bare reused pid', () => {
    const marker = `/tmp/hale-soak-test-${process.pid}-marker`;
    // `sleep; :` keeps sh alive, so its command line (with $0 = the marker) stays.
    const seen = startShell('sleep 5; :');
    const stranger = startShell('sleep 5; :');
    const marked = startShell('sleep 5; :', marker);
    expect(execed(seen, 'sleep 5') && execed(stranger, 'sleep 5') && execed(marked, marker)).toBe(true);
    const orphans = findOrphans(
      [
        { pid: seen, startTime: readStat(seen)?.startTime ?? 'gone' },
        // Seen too briefly for a start time: a pid that only the command line could vouch for.
        { pid: stranger, startTime: null },
      ],
      marker,
    );
    expect(orphans.find((o) => o.pid === seen)?.because).toBe('seen pid');
    expect(orphans.find((o) => o.pid === marked)?.because).toBe('soak path in its command line');
    expect(orphans.some((o) => o.pid === stranger)).toBe(false);
    // Its `sleep` child is in its group: what a plugin forked counts too.
    expect(orphans.some((o) => o.pgrp === seen && o.pid !== seen && o.because === 'seen process group')).toBe(true);
  });

  it('calls a zombie lingering only when it is there in two scans', () => {
    // sh forks `true` and becomes `sleep`, which never reaps it: a zombie child of this pid.
    const parent = startShell('true & exec sleep 5');
    const watch = watchZombies(parent, 60_000, Date.now());
    const deadline = Date.now() + 5_000;
    // The zombie exists once `true` has exited; bounded wait for it, scanning.
    while (watch.result().zombiesSeen === 0 && Date.now() < deadline) watch.scan();
    expect(watch.result().lingering).toEqual([]);
    watch.scan();
    watch.stop();
    expect(watch.result().lingering.length).toBe(1);
  });
});

describe('the invariant: no plugin process that GET /plugins/status does not account for', () => {
  const runId = '0123456789abcdef';
  const stat = (pid: number, ppid: number, pgrp: number) => ({ pid, ppid, pgrp, state: 'S', startTime: '1' });
  const marks = new Map([
    [101, { runId, plugin: 'a', generation: 3 }],
    [102, { runId, plugin: 'a', generation: 3 }],
    [103, { runId, plugin: 'a', generation: 2 }],
    [104, { runId, plugin: 'a', generation: 4 }],
    [105, { runId: 'ffffffffffffffff', plugin: 'a', generation: 1 }],
  ]);
  const scan = (rows: Parameters<typeof findHiddenProcesses>[0]['before'], processes: ReturnType<typeof stat>[]) =>
    findHiddenProcesses({
      runId,
      halePid: 1,
      before: rows,
      after: [],
      knownGroups: new Set([101, 200]),
      processes,
      readMark: (pid) => marks.get(pid) ?? null,
    });

  it('accepts the current generation, its forks, and an earlier one listed as stopping', () => {
    const rows = [{ name: 'a', pid: 101, generation: 3, stopping: [{ pid: 103, generation: 2 }] }];
    expect(scan(rows, [stat(101, 1, 101), stat(102, 101, 101), stat(103, 1, 103)])).toEqual([]);
  });

  it('names a marked generation the API does not list, and an unmarked member of a known group led by nobody listed', () => {
    const rows = [{ name: 'a', pid: 101, generation: 3, stopping: [] }];
    const hidden = scan(rows, [stat(101, 1, 101), stat(103, 1, 103), stat(104, 1, 104), stat(201, 1, 200), stat(105, 77, 105)]);
    expect(hidden.map((h) => h.pid).sort()).toEqual([103, 104, 201]);
    expect(hidden.find((h) => h.pid === 104)?.why).toContain('generation 4');
  });

  it('a process of another run (another mark) is none of its business', () => {
    expect(scan([], [stat(105, 77, 105)])).toEqual([]);
  });
});

const cleanReport = (): Omit<SoakReport, 'violations'> => ({
  plugins: 1,
  durationMs: 1_000,
  seed: 1,
  concurrency: 1,
  startup: { allHealthy: true, ms: 500 },
  faults: [],
  problems: [],
  unjudged: [],
  finalRows: [{ name: 'flaky-01', pid: 10, state: 'healthy', restartCount: 1, generation: 2, stopping: [] }],
  allHealthyAtEnd: true,
  restarts: [{ plugin: 'flaky-01', before: 0, expectedMin: 1, expectedMax: 1, actual: 1 }],
  zombies: { scans: 3, zombiesSeen: 0, lingering: [] },
  orphans: [],
  invariant: { checks: 20, skipped: 0, violations: 0, samples: [] },
  seenPids: 2,
  rss: { startKib: 90_000, endKib: 95_000, maxKib: 95_000 },
  api: { requests: 10, errors: 0, errorSamples: [], p50Ms: 2, p99Ms: 9, maxMs: 9 },
  haleExit: { code: 0, signal: null, ms: 100 },
});

describe('findViolations', () => {
  const kill: FaultRecord = { plugin: 'flaky-01', kind: 'sigkill', atMs: 100, expected: { min: 1, max: 1 }, actual: 1, settleMs: 800 };

  it('finds none in a clean run', () => {
    expect(findViolations({ ...cleanReport(), faults: [kill] })).toEqual([]);
  });

  it.each([
    [{ orphans: [{ pid: 7, pgrp: 7, commandLine: 'node flaky', because: 'seen pid' as const }] }, 'orphan: pid 7'],
    [{ zombies: { scans: 3, zombiesSeen: 1, lingering: [{ pid: 8, firstSeenMs: 1_200 }] } }, 'zombie: pid 8'],
    [
      {
        allHealthyAtEnd: false,
        finalRows: [{ name: 'flaky-01', pid: null, state: 'restarting', restartCount: 1, generation: 2, stopping: [] }],
      },
      'not healthy at the end: flaky-01 restarting',
    ],
    [
      {
        invariant: {
          checks: 20,
          skipped: 0,
          violations: 2,
          samples: [{ pid: 9, pgrp: 9, mark: null, commandLine: 'node flaky', why: 'in process group 9', atMs: 1_500 }],
        },
      },
      'invariant: 2 hidden process sightings in 20 checks: pid 9 at 1500 ms',
    ],
    [{ invariant: { checks: 0, skipped: 3, violations: 0, samples: [] } }, 'invariant: never checked'],
    [
      { restarts: [{ plugin: 'flaky-01', before: 0, expectedMin: 1, expectedMax: 1, actual: 2 }] },
      'flaky-01 has restartCount 2, its faults imply 1',
    ],
    [{ faults: [{ ...kill, actual: 2 }] }, 'sigkill on flaky-01 at 100 ms caused 2, expected 1'],
    [
      { faults: [{ ...kill, kind: 'slow-answers' as const, expected: { min: 0, max: 0 }, actual: 0, degradedSeen: false }] },
      'never seen degraded',
    ],
    [{ api: { requests: 10, errors: 1, errorSamples: ['refused'], p50Ms: 2, p99Ms: 9, maxMs: 9 } }, '1 of 10 status requests failed'],
    [{ api: { requests: 10, errors: 0, errorSamples: [], p50Ms: 2, p99Ms: soakLimits.apiP99Ms + 1, maxMs: 900 } }, 'p99 latency'],
    [{ rss: { startKib: 90_000, endKib: 90_000 + soakLimits.rssGrowthKib + 1, maxKib: null } }, 'RSS: hale grew'],
    [{ haleExit: { code: 1, signal: null, ms: 100 } }, 'hale exited with code 1'],
    [{ haleExit: null }, 'did not exit after SIGTERM'],
  ] satisfies Array<[Partial<SoakReport>, string]>)('names a broken promise: %#', (change, words) => {
    const violations = findViolations({ ...cleanReport(), faults: [kill], ...change });
    expect(violations.join('\n')).toContain(words);
  });

  it('does not judge the restarts of a plugin a fault could not reach', () => {
    const report = {
      ...cleanReport(),
      unjudged: ['flaky-01'],
      restarts: [{ plugin: 'flaky-01', before: 0, expectedMin: 0, expectedMax: 0, actual: 3 }],
    };
    expect(findViolations(report)).toEqual([]);
  });
});

describe('parseSoakArgs', () => {
  it('reads the flags, with defaults for the rest', () => {
    expect(parseSoakArgs(['--plugins', '8', '--duration=20s', '--seed', '9'], 1)).toEqual({
      ok: true,
      options: { plugins: 8, durationMs: 20_000, seed: 9, concurrency: null, verbose: false },
    });
    expect(parseSoakArgs([], 5)).toEqual({
      ok: true,
      options: { plugins: 20, durationMs: 60_000, seed: 5, concurrency: null, verbose: false },
    });
  });

  it.each([
    [['--plugins', '0'], '--plugins: expected 1 to 200'],
    [['--duration', 'soon'], '--duration: invalid duration'],
    [['--seed'], '--seed needs a value'],
    [['--chaos'], 'unknown option "--chaos"'],
  ])('refuses %j', (argv, words) => {
    const parsed = parseSoakArgs(argv, 1);
    expect(parsed.ok ? '' : parsed.message).toContain(words);
  });
});
