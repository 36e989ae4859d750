import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { PluginGraphBody, PluginsStatusBody, ReadinessBody } from '../../src/api/bodies.js';
import { isEvent, openEventStream } from '../helpers/event-stream.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { runHaleCli } from '../helpers/run-to-end.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-deps-'));
});
afterEach(stopAllHale);

// Plugins start in 0.3 s on an idle machine and in several seconds on two shared cores: every wait is an event's.
const wait = 45_000;
vi.setConfig({ testTimeout: 120_000 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const late = fixture('late-plugin.mjs');
const node = JSON.stringify(process.execPath);

const header = [
  'api: { host: 127.0.0.1, port: 0 }',
  'grpc: { address: 127.0.0.1:0 }',
  'defaults: { checkInterval: 200ms, checkTimeout: 500ms, startInterval: 50ms, startTimeout: 20s, successThreshold: 1, stopTimeout: 2s }',
  'plugins:',
];

describe('hale run and a dependency graph', () => {
  test('a cycle is refused: exit 2, the whole cycle at file:line:col of the entry that closes it, nothing started', async () => {
    const file = join(dir, 'cycle.yaml');
    writeFileSync(
      file,
      [
        ...header,
        `  - { name: a, command: ${node}, args: [${late}], dependsOn: [b] }`,
        `  - { name: b, command: ${node}, args: [${late}], dependsOn: [c] }`,
        `  - { name: c, command: ${node}, args: [${late}], dependsOn: [a] }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    expect((await hale.exited).code).toBe(2);
    const column = `  - { name: c, command: ${node}, args: [${late}], dependsOn: [`.length + 1;
    expect(hale.stderr()).toContain(`${file}:7:${column}: plugins[2].dependsOn[0]: a dependency cycle: a → b → c → a`);
    expect(hale.stderr()).toContain('nothing was started');
    expect(hale.lines).toEqual([]);
  });

  test('waiting shows in /plugins/status, /plugins/graph, /events, the log and hale status; a reload with a cycle is a 422', async () => {
    const file = join(dir, 'graph.yaml');
    const plugins = [
      // Exits 78 at once: failed, never restarted, so api waits for as long as the test looks.
      `  - { name: db, command: ${node}, args: ["-e", "process.exit(78)"], critical: false }`,
      `  - { name: api, command: ${node}, args: [${late}], dependsOn: [db], restartWith: [db] }`,
      `  - { name: cache, command: ${node}, args: [${late}] }`,
      `  - { name: web, command: ${node}, args: [${late}], dependsOn: [cache] }`,
    ];
    writeFileSync(file, [...header, ...plugins, ''].join('\n'));
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', wait)).api);
    await hale.line(becomes('web', 'healthy'), wait);
    const logged = await hale.line((l) => l.event === 'waiting' && l.plugin === 'api' && l.msg === 'api: waiting for db (failed)', wait);
    expect(logged.waitingFor).toEqual([{ name: 'db', state: 'failed' }]);

    const graph = (await (await fetch(`${url}/plugins/graph`)).json()) as PluginGraphBody;
    expect(graph.nodes).toEqual([
      { name: 'db', state: 'failed', critical: false, ready: false },
      { name: 'api', state: 'stopped', critical: true, ready: false, waitingFor: [{ name: 'db', state: 'failed' }] },
      { name: 'cache', state: 'healthy', critical: true, ready: true },
      { name: 'web', state: 'healthy', critical: true, ready: true },
    ]);
    expect(graph.edges).toEqual([
      { from: 'api', to: 'db', kind: 'restartWith' },
      { from: 'web', to: 'cache', kind: 'dependsOn' },
    ]);
    expect((await fetch(`${url}/plugins/graph`, { method: 'POST' })).status).toBe(405);

    const status = (await (await fetch(`${url}/plugins/status`)).json()) as PluginsStatusBody;
    expect(status.plugins.find((p) => p.name === 'api')).toMatchObject({
      state: 'stopped',
      pid: null,
      ready: false,
      dependsOn: ['db'],
      restartWith: ['db'],
      waitingFor: [{ name: 'db', state: 'failed' }],
    });
    expect(status.plugins.find((p) => p.name === 'web')).toMatchObject({ ready: true, dependsOn: ['cache'] });

    const readiness = await fetch(`${url}/health/readiness`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as ReadinessBody).notReady).toEqual([{ name: 'api', state: 'stopped', dependenciesDown: ['db'] }]);

    const stream = await openEventStream(`${url}/events?types=waiting`, { 'Last-Event-ID': '0' });
    const replayed = await stream.take((m) => isEvent('waiting')(m) && m.data.includes('"failed"'));
    expect(JSON.parse(replayed.data)).toMatchObject({ plugin: 'api', waitingFor: [{ name: 'db', state: 'failed' }] });
    stream.close();

    const cli = await runHaleCli(['status'], { cwd: dir, env: { HALE_URL: url, COLUMNS: '200' } });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^api\s+waiting\s+-\s+.*waiting for db \(failed\)$/m);
    expect(cli.stdout).toMatch(/^web\s+healthy\s+\d+/m);
    const detail = await runHaleCli(['status', 'api'], { cwd: dir, env: { HALE_URL: url } });
    expect(detail.stdout).toMatch(/depends on:\s+db/);
    expect(detail.stdout).toMatch(/ready:\s+no/);

    // A reload that would make a cycle changes nothing, and says where.
    writeFileSync(file, [...header, ...plugins.slice(0, 2), plugins[2]?.replace(' }', ', dependsOn: [web] }'), plugins[3], ''].join('\n'));
    const reload = await fetch(`${url}/config/reload`, { method: 'POST' });
    expect(reload.status).toBe(422);
    const issues = ((await reload.json()) as { error: { issues: string[] } }).error.issues;
    expect(issues).toEqual([
      expect.stringMatching(/^graph\.yaml:8:\d+: plugins\[3\]\.dependsOn\[0\]: a dependency cycle: cache → web → cache$/),
    ]);

    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  });
});
