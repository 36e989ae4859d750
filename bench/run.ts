// `npm run bench`: hale's figures beside baselines measured in the same run, printed as ratios.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startHale, type LogLine } from '../test/helpers/hale-process.js';
import { greeterMain, repoRoot, requireBuilt } from '../test/helpers/paths.js';
import type { LoadResult } from './http-load.js';
import { measureBareStart } from './bare-start.js';
import { show, summarize } from './stats.js';

const run = promisify(execFile);
const trials = Number(process.env.BENCH_TRIALS ?? 7);
const loadMs = Number(process.env.BENCH_LOAD_MS ?? 3_000);
const connections = 10;

const load = async (url: string): Promise<LoadResult> => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/load-worker.ts'), url, String(connections), String(loadMs)]);
  return JSON.parse(stdout) as LoadResult;
};

const startBare = async (body: string) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/bare-server.ts')], {
    env: { ...process.env, BENCH_BODY: body },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const port = Number(first.value);
  return { url: `http://127.0.0.1:${port}/health`, stop: () => child.kill('SIGTERM') };
};

requireBuilt();
const dir = mkdtempSync(join(tmpdir(), 'hale-bench-'));
const config = join(dir, 'bench.yaml');
writeFileSync(
  config,
  [
    'api: { host: 127.0.0.1, port: 0 }',
    'log: { level: info }',
    'defaults: { checkInterval: 1s, checkTimeout: 1s, startInterval: 20ms, successThreshold: 1, restartBackoff: 0s, maxRestarts: 1000 }',
    'plugins:',
    `  - { name: greeter, command: ${process.execPath}, args: [${greeterMain}] }`,
    '',
  ].join('\n'),
);
const hale = startHale(['run', '-c', config]);
try {
  const url = String((await hale.line((l) => typeof l.api === 'string')).api);
  const healthy = (restartCount: number) => (l: LogLine) =>
    l.event === 'transition' && l.plugin === 'greeter' && l.to === 'healthy' && l.restartCount === restartCount;
  await hale.line(healthy(0));

  // 1. Crash → healthy again (restartBackoff 0, like PM2's restart_delay 0), against a bare start of the same plugin.
  const haleMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 1; i <= trials; i++) {
    bareMs.push(await measureBareStart(greeterMain));
    const status = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ pid: number }> };
    const killedAt = Date.now();
    process.kill(status.plugins[0]?.pid ?? 0, 'SIGKILL');
    const back = await hale.line(healthy(i), 15_000);
    haleMs.push(Date.parse(String(back.time)) - killedAt);
  }
  const crash = summarize(haleMs);
  const bare = summarize(bareMs);

  // 2. GET /health under load, against a bare node:http server sending the same bytes; interleaved.
  const body = await (await fetch(`${url}/health`)).text();
  const baseline = await startBare(body);
  const haleLoad: LoadResult[] = [];
  const bareLoad: LoadResult[] = [];
  for (let round = 0; round < 3; round++) {
    haleLoad.push(await load(`${url}/health`));
    bareLoad.push(await load(baseline.url));
  }
  baseline.stop();
  const rps = (results: LoadResult[]) => summarize(results.map((r) => r.perSecond));
  const p99 = (results: LoadResult[]) => summarize(results.map((r) => r.p99Ms));

  const lines = [
    `hale bench — node ${process.version}, ${new Date().toISOString()}`,
    '',
    `crash → healthy (SIGKILL, restart, handshake, first check):  ${show(crash, 'ms')}`,
    `bare start of the same plugin (spawn → first answer):        ${show(bare, 'ms')}`,
    `  ratio hale/bare (median): ${(crash.median / bare.median).toFixed(2)}`,
    '',
    `GET /health, ${connections} connections, ${loadMs} ms × 3 rounds (${body.length} bytes)`,
    `  hale:      ${show(rps(haleLoad), 'req/s')}, p99 ${show(p99(haleLoad), 'ms')}`,
    `  node:http: ${show(rps(bareLoad), 'req/s')}, p99 ${show(p99(bareLoad), 'ms')}`,
    `  ratio hale/node:http throughput ${(rps(haleLoad).median / rps(bareLoad).median).toFixed(2)}, p99 ${(p99(haleLoad).median / p99(bareLoad).median).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  hale.child.kill('SIGTERM');
  await hale.exited;
  rmSync(dir, { recursive: true, force: true });
}
