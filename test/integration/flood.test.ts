import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, repoRoot, requireBuilt } from '../helpers/paths.js';

const floodMs = 5_000;
const floodRate = 60_000_000;
// The peak is bimodal, by whether V8 runs a full collection inside the 5 s: 32–45 MB or about 117 MB (7 runs of
// one build, 2026-12-01). Unbounded buffering, the bug this guards against, is 600 MB in those 5 s (2 × 60 MB/s).
const allowedGrowthMb = 160;
const maxLineLength = 16 * 1024;

type Status = { plugins: Array<{ name: string; pid: number | null; state: string; restartCount: number }> };
type Logs = {
  plugin: string;
  lines: Array<{ at: string; stream: string; line: string; truncated: boolean }>;
  stats: { lines: number; dropped: number; truncated: number };
};

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-flood-'));
});
afterEach(stopAllHale);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The resident set of a process in MB, from /proc. */
const rssMb = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
};

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};

/** Samples `pid`'s RSS every 50 ms until `done` says so or `limitMs` passes; the peak in MB. */
const samplePeakRss = async (pid: number, done: () => Promise<boolean>, limitMs: number): Promise<{ peak: number; samples: number }> => {
  const until = Date.now() + limitMs;
  let peak = 0;
  let samples = 0;
  while (Date.now() < until) {
    peak = Math.max(peak, rssMb(pid));
    samples += 1;
    if (samples % 10 === 0 && (await done())) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { peak, samples };
};

describe('a plugin flooding stdout, and one writing an endless line', () => {
  test("hale's memory stays bounded, both plugins stay healthy, the tail answers and drops are counted", async () => {
    const config = join(dir, 'flood.yaml');
    const env = `{ FLOOD_MS: "${floodMs}", FLOOD_BYTES_PER_SECOND: "${floodRate}" }`;
    writeFileSync(
      config,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { address: 127.0.0.1:0 }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 250ms, checkTimeout: 2s, startInterval: 50ms, stopTimeout: 3s, failureThreshold: 3 }',
        'plugins:',
        `  - { name: flood, command: node, args: [${fixture('flood-plugin.mjs')}], env: ${env} }`,
        `  - { name: endless, command: node, args: [${fixture('endless-line-plugin.mjs')}], env: ${env} }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', config]);
    const halePid = hale.child.pid ?? 0;
    const url = String((await hale.line((l) => typeof l.api === 'string')).api);
    await Promise.all([hale.line(becomes('flood', 'healthy')), hale.line(becomes('endless', 'healthy'))]);
    const before = await getJson<Status>(`${url}/plugins/status`);
    const pidOf = (status: Status, name: string) => status.plugins.find((p) => p.name === name)?.pid ?? 0;

    // Quiet: what hale uses with both plugins up and checked.
    const quiet = await samplePeakRss(halePid, async () => false, 1_000);

    const floodStarted = Date.now();
    process.kill(pidOf(before, 'flood'), 'SIGUSR2');
    process.kill(pidOf(before, 'endless'), 'SIGUSR2');
    const floodDone = async () => {
      const logs = await getJson<Logs>(`${url}/plugins/flood/logs?tail=50`);
      return logs.lines.some((l) => l.stream === 'stderr' && l.line.includes('flood done'));
    };
    const flooding = await samplePeakRss(halePid, floodDone, floodMs + 15_000);
    const floodWallMs = Date.now() - floodStarted;

    const after = await getJson<Status>(`${url}/plugins/status`);
    const tail5 = await getJson<Logs>(`${url}/plugins/flood/logs?tail=5`);
    const floodTail = await getJson<Logs>(`${url}/plugins/flood/logs?tail=1000`);
    const endless = await getJson<Logs>(`${url}/plugins/endless/logs?tail=1000`);
    const report = (logs: Logs, msg: string) => {
      const line = logs.lines.find((l) => l.stream === 'stderr' && l.line.includes(msg))?.line ?? '{}';
      return JSON.parse(line) as { bytes?: number; ms?: number };
    };
    const written = report(floodTail, 'flood done');
    const endlessWritten = report(endless, 'endless line paused');
    const growth = flooding.peak - quiet.peak;
    const mbPerSecond = (bytes: number | undefined, ms: number | undefined) => ((bytes ?? 0) / 1e6 / ((ms ?? 1) / 1000)).toFixed(1);
    console.log(
      [
        `hale RSS quiet (peak of ${quiet.samples} samples): ${quiet.peak.toFixed(1)} MB`,
        `hale RSS during the flood (peak of ${flooding.samples} samples over ${floodWallMs} ms): ${flooding.peak.toFixed(1)} MB, growth ${growth.toFixed(1)} MB`,
        `flood wrote ${((written.bytes ?? 0) / 1e6).toFixed(1)} MB of lines in ${written.ms} ms (${mbPerSecond(written.bytes, written.ms)} MB/s)`,
        `endless wrote ${((endlessWritten.bytes ?? 0) / 1e6).toFixed(1)} MB of one line in ${endlessWritten.ms} ms (${mbPerSecond(endlessWritten.bytes, endlessWritten.ms)} MB/s)`,
        `flood stats: ${JSON.stringify(floodTail.stats)}; endless stats: ${JSON.stringify(endless.stats)}`,
        `hale log lines seen by the test: ${hale.lines.length}`,
      ].join('\n'),
    );

    expect(growth).toBeLessThan(allowedGrowthMb);
    // The plugins aim at 60 MB/s; they get what hale reads (~60 MB/s on a quiet 2-core box, less when it is busy), and wait on the pipe otherwise.
    expect(written.bytes ?? 0).toBeGreaterThan(25e6);
    expect(endlessWritten.bytes ?? 0).toBeGreaterThan(25e6);

    // Both stayed healthy, on the same process, never restarted.
    for (const name of ['flood', 'endless']) {
      const plugin = after.plugins.find((p) => p.name === name);
      expect(plugin).toMatchObject({ state: 'healthy', restartCount: 0, pid: pidOf(before, name) });
    }
    expect(hale.lines.filter((l) => l.event === 'transition' && l.from === 'healthy')).toEqual([]);

    expect(tail5.plugin).toBe('flood');
    expect(tail5.lines).toHaveLength(5);
    expect(floodTail.lines.length).toBeGreaterThan(100);
    expect(floodTail.lines.length).toBeLessThanOrEqual(1_000);
    expect(floodTail.lines.filter((l) => l.stream === 'stdout').every((l) => /^flood line \d{5} x{82}$/.test(l.line))).toBe(true);
    // Every line reached the tail; almost none reached the log, and the log said so.
    expect(floodTail.stats.lines).toBeGreaterThan(((written.bytes ?? 0) / 100) * 0.99);
    expect(floodTail.stats.dropped).toBeGreaterThan(floodTail.stats.lines * 0.9);
    const warnings = hale.lines.filter((l) => l.plugin === 'flood' && typeof l.dropped === 'number');
    expect(warnings.length).toBeGreaterThan(0);
    // At most one a second since the flood began.
    expect(warnings.length).toBeLessThanOrEqual(Math.floor((Date.now() - floodStarted) / 1000) + 1);
    expect(warnings.every((w) => typeof w.droppedTotal === 'number' && w.level === 'warn')).toBe(true);

    // The endless line: one line, cut at the cap, and the rest dropped.
    const cut = endless.lines.filter((l) => l.stream === 'stdout');
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ truncated: true });
    expect(cut[0]?.line).toHaveLength(maxLineLength);
    expect(cut[0]?.line.startsWith('endless line begins: eeee')).toBe(true);
    expect(endless.stats).toMatchObject({ truncated: 1 });

    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe("hale's own log when nobody reads its stdout", () => {
  test('lines past the 4 MiB buffer are dropped and counted, memory stays bounded, and a warning says how many once stdout drains', async () => {
    const logModule = pathToFileURL(join(repoRoot, 'dist/log.js')).href;
    // 100,000 lines of 1 KiB (~110 MB) into a pipe nobody reads; then report on stderr and linger so the warning can follow.
    const script = `
      import { createLogger, droppedLogLines, logBufferBytes } from ${JSON.stringify(logModule)};
      const log = createLogger({ level: 'info' });
      const before = process.memoryUsage().rss;
      const payload = 'p'.repeat(1024);
      for (let i = 0; i < 100000; i += 1) log.info({ i }, payload);
      const growth = process.memoryUsage().rss - before;
      process.stderr.write(JSON.stringify({ dropped: droppedLogLines(), growth, bufferBytes: logBufferBytes }) + '\\n');
      setTimeout(() => {}, 1500);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [first] = (await once(child.stderr.setEncoding('utf8'), 'data')) as [string];
    const result = JSON.parse(first) as { dropped: number; growth: number; bufferBytes: number };
    // Now read: what was buffered comes out, then the warning.
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    const records = out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { msg?: string; i?: number; dropped?: number; level?: string });
    const logged = records.filter((r) => r.i !== undefined).length;
    const warning = records.find((r) => r.dropped !== undefined);
    console.log(
      `own log: ${result.dropped} of 100000 lines dropped, ${logged} written, RSS growth ${(result.growth / 1024 / 1024).toFixed(1)} MB; warning: ${JSON.stringify(warning)}`,
    );
    expect(code).toBe(0);
    expect(result.dropped).toBeGreaterThan(90_000);
    expect(logged + result.dropped).toBeGreaterThanOrEqual(100_000);
    expect(logged * 1024).toBeLessThan(result.bufferBytes + 1024 * 1024);
    expect(result.growth).toBeLessThan(40 * 1024 * 1024);
    expect(warning).toMatchObject({ level: 'warn' });
    expect(warning?.dropped).toBeGreaterThanOrEqual(result.dropped);
  });
});
