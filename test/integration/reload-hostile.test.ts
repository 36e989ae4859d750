import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import type * as OffThread from '../../src/config/load-off-thread.js';
import { loadConfig } from '../../src/config/load.js';
import { cliMain, fixture, repoRoot, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-hostile-'));
const nested = (depth: number) => `plugins:\n  - name: a\n    command: "${'${A:-'.repeat(depth)}\${MISSING}${'}'.repeat(depth)}"\n`;
const aliasBomb = (valueBytes: number, aliases: number) =>
  `x-big: &big "${'x'.repeat(valueBytes)}"\nplugins:\n  - name: a\n    command: node\n    args: [${Array(aliases).fill('*big').join(', ')}]\n`;

/** Each hostile file, and what its first issue says. */
const hostile = [
  { name: '10k nested defaults', text: nested(10_000), says: 'plugins[0].command: environment variable MISSING is not set' },
  { name: '100k nested defaults', text: nested(100_000), says: 'plugins[0].command: environment variable MISSING is not set' },
  { name: '1 MB value aliased 19000 times', text: aliasBomb(1_000_000, 19_000), says: 'hale reads at most 1 MiB' },
  {
    name: '256 KiB value aliased 19000 times',
    text: aliasBomb(256 * 1024, 19_000),
    says: 'the document expands to more than 4 MiB of text',
  },
  { name: '2 MiB file', text: `plugins: []\n${'#'.repeat(2 * 1024 * 1024)}\n`, says: 'hale reads at most 1 MiB' },
];

const validConfig = 'api: {port: 0}\ngrpc: {enabled: false}\nlog: {level: info}\nplugins: []\n';

beforeAll(requireBuilt);
afterEach(stopAllHale);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The longest loop stall the probe wrote to stderr after `from`, in ms (0 when none passed 5 ms). */
const longestStall = (hale: HaleProcess, from: number): number =>
  Math.max(
    0,
    ...[
      ...hale
        .stderr()
        .slice(from)
        .matchAll(/loop-stall ([\d.]+)/g),
    ].map((match) => Number(match[1])),
  );

/** The built reader: from the TypeScript sources there is no worker file, and it reads on the calling thread. */
const builtReader = async () => (await import(pathToFileURL(join(repoRoot, 'dist/config/load-off-thread.js')).href)) as typeof OffThread;

describe('reading a config off the event loop', () => {
  test('gives what loadConfig gives', async () => {
    const { loadConfigOffThread } = await builtReader();
    const file = join(repoRoot, 'examples/demo/supervisor.yaml');
    expect(await loadConfigOffThread(file)).toEqual(await loadConfig(file));
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, nested(10));
    expect(await loadConfigOffThread(invalid)).toEqual(await loadConfig(invalid));
  });

  test('gives up at its deadline, with an issue', async () => {
    const { loadConfigOffThread } = await builtReader();
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, nested(100_000));
    expect(await loadConfigOffThread(file, { timeoutMs: 1 })).toEqual({
      ok: false,
      issues: [{ file, line: 1, column: 1, path: '', message: 'reading the config took longer than 1ms; nothing was changed' }],
    });
  });
});

describe('hostile config files', () => {
  test.each(hostile)('hale validate refuses the $name with exit 2, saying where and what', ({ name, text, says }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const started = performance.now();
    const run = spawnSync(process.execPath, [cliMain, 'validate', '-c', file], { encoding: 'utf8', timeout: 60_000 });
    const tookMs = performance.now() - started;
    console.log(`validate ${name}: exit ${run.status} in ${tookMs.toFixed(0)} ms`);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(says);
    expect(run.stderr.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });

  test('a running hale answers 422 to a reload of each, and its event loop keeps turning', async () => {
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(file, validConfig);
    const hale = startHale(['run', '-c', file], { NODE_OPTIONS: `--import ${fixture('loop-probe.mjs')}` });
    const listening = await hale.line((line) => typeof line['api'] === 'string' && line.msg?.includes('listening on') === true, 20_000);
    const url = String(listening['api']);
    // A quiet second first: what the loop does when nothing happens, on this machine at this moment.
    let from = hale.stderr().length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stalls: Record<string, number> = { idle: longestStall(hale, from) };

    for (const { name, text, says } of hostile) {
      writeFileSync(file, text);
      from = hale.stderr().length;
      const started = performance.now();
      const response = await fetch(`${url}/config/reload`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
      const body = (await response.json()) as { error?: { code: string; issues: string[] } };
      const tookMs = performance.now() - started;
      stalls[name] = longestStall(hale, from);
      console.log(`reload ${name}: ${response.status} in ${tookMs.toFixed(0)} ms, longest loop stall ${stalls[name]} ms`);
      expect(response.status).toBe(422);
      expect(body.error?.code).toBe('invalid_config');
      expect(body.error?.issues.join('\n')).toContain(says);
    }
    console.log(`longest loop stalls (ms): ${JSON.stringify(stalls)}`);
    // Loose: the machine is shared; the old code stalled for 10 s and more here.
    for (const [name, stall] of Object.entries(stalls)) expect(stall, name).toBeLessThan(500);

    writeFileSync(file, nested(100_000));
    hale.child.kill('SIGHUP');
    const refused = await hale.line((line) => line.msg?.startsWith('reload refused') === true, 30_000);
    expect(JSON.stringify(refused['issues'])).toContain('environment variable MISSING is not set');
    writeFileSync(file, validConfig);
    hale.child.kill('SIGHUP');
    await hale.line((line) => line.event === 'reloaded', 30_000);
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  }, 300_000);
});
