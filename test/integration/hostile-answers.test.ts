import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

// Of each HealthCheck answer hale keeps at most a KiB: 300 checks cost at most ~1 MB of kept text. Kept as slices of
// the answers (the bug this guards against) they pin 300 × 1 MB; V8 collects the garbage in its own time, hence the
// loose bound.
const checksToRun = 300;
const allowedGrowthMib = 150;

type Component = { name: string; status: string; message: string };
type Status = { plugins: Array<{ name: string; state: string; version: string; description: string }> };
type Health = { plugins: Record<string, { state: string; message: string; version: string; components: Component[] }> };
type History = { checks: Array<{ outcome: string; message: string }> };

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-hostile-'));
});
afterEach(stopAllHale);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rssMib = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
};

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};

/** How many health checks hale has made of `plugin`, from its metrics. */
const checksOf = async (url: string, plugin: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^hale_health_check_duration_seconds_count\\{[^}]*plugin="${plugin}"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
};

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const runHale = async (name: string, env: Record<string, number>, policy: string): Promise<{ hale: HaleProcess; url: string }> => {
  const config = join(dir, `${name}.yaml`);
  const envText = Object.entries(env)
    .map(([key, value]) => `${key}: "${value}"`)
    .join(', ');
  writeFileSync(
    config,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { address: 127.0.0.1:0 }',
      `stateDir: ${join(dir, `${name}-state`)}`,
      `defaults: { ${policy} }`,
      'plugins:',
      `  - { name: ${name}, command: node, args: [${fixture('hostile-answers-plugin.mjs')}], env: { ${envText} }, health: { watch: false } }`,
      '',
    ].join('\n'),
  );
  const hale = startHale(['run', '-c', config]);
  const url = String((await hale.line((l) => typeof l.api === 'string', 20_000)).api);
  return { hale, url };
};

describe('a plugin whose answers are as big as the protocol allows', () => {
  test(`${checksToRun} HealthCheck answers of 1 MB each leave hale's memory bounded; what it shows is cut by bytes`, async () => {
    const env = { HOSTILE_MESSAGE_BYTES: 900_000, HOSTILE_COMPONENTS: 64, HOSTILE_COMPONENT_BYTES: 1_000, HOSTILE_INFO_BYTES: 40_000 };
    const { hale, url } = await runHale(
      'hostile',
      env,
      'checkInterval: 50ms, checkTimeout: 5s, startInterval: 50ms, failureThreshold: 5, stopTimeout: 3s',
    );
    await hale.line(becomes('hostile', 'healthy'), 30_000);
    const halePid = hale.child.pid ?? 0;

    // Settle: let start-up's garbage go, then take the base line.
    const settleUntil = (await checksOf(url, 'hostile')) + 20;
    for (let i = 0; i < 200 && (await checksOf(url, 'hostile')) < settleUntil; i += 1) await new Promise((r) => setTimeout(r, 100));
    const base = rssMib(halePid);
    const from = await checksOf(url, 'hostile');
    let peak = base;
    let checks = 0;
    const until = Date.now() + 120_000;
    while (Date.now() < until && checks < checksToRun) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rssMib(halePid));
      checks = (await checksOf(url, 'hostile')) - from;
    }
    const growth = peak - base;
    console.log(
      `hale RSS ${base.toFixed(1)} MiB before ${checks} checks of ~1 MB answers, peak ${peak.toFixed(1)} MiB: growth ${growth.toFixed(1)} MiB`,
    );
    expect(checks).toBeGreaterThanOrEqual(checksToRun);
    expect(growth).toBeLessThan(allowedGrowthMib);

    const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '');
    const status = (await getJson<Status>(`${url}/plugins/status`)).plugins.find((p) => p.name === 'hostile');
    expect(status?.state).toBe('healthy');
    expect(bytes(status?.version)).toBe(256 + 3);
    expect(bytes(status?.description)).toBe(1_024 + 3);
    const plugin = (await getJson<Health>(`${url}/plugins/health`)).plugins['hostile'];
    expect(bytes(plugin?.message)).toBe(1_024 + 3);
    expect(plugin?.message).toMatch(/^message\dm+…$/);
    expect(plugin?.components).toHaveLength(64);
    expect(plugin?.components.every((c) => bytes(c.name) === 128 + 3 && bytes(c.message) === 256 + 3)).toBe(true);
    const history = await getJson<History>(`${url}/plugins/hostile/history`);
    expect(history.checks.length).toBeGreaterThan(50);
    expect(history.checks.every((c) => bytes(c.message) <= 1_024 + 3)).toBe(true);

    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  }, 240_000);

  test('an answer larger than hale accepts fails the check with a message that says so, and is never buffered', async () => {
    const { hale, url } = await runHale(
      'huge',
      { HOSTILE_MESSAGE_BYTES: 20_000_000 },
      'checkInterval: 500ms, checkTimeout: 5s, startInterval: 50ms, failureThreshold: 100, stopTimeout: 3s',
    );
    const failed = await hale.line((l) => l.event === 'check' && l.plugin === 'huge', 60_000);
    const history = await getJson<History>(`${url}/plugins/huge/history`);
    const messages = history.checks.map((c) => c.message);
    console.log(`the failed check: ${JSON.stringify(failed)}; recent: ${JSON.stringify(messages.slice(-1))}`);
    expect(history.checks.length).toBeGreaterThan(0);
    expect(history.checks.every((c) => c.outcome === 'fail')).toBe(true);
    expect(messages.at(-1)).toMatch(/answer of 20000\d\d\d bytes is larger than the 1 MiB hale accepts from a plugin/);
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
