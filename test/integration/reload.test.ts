import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { alive } from '../helpers/alive.js';
import { startHale, stopAllHale } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
const becomes =
  (plugin: string, to: Transition['to']) =>
  (event: SupervisorEvent): event is Transition =>
    event.type === 'transition' && event.plugin === plugin && event.to === to;

const { superviseConfig, serveApi, scratchDir } = useSupervisedSuite();

beforeAll(requireBuilt);
afterEach(stopAllHale);

/** A config of greeters with test-sized timings; `extra` is added to the named plugin's entry. */
const configText = (stateDir: string, plugins: string[], extra: Record<string, string> = {}) =>
  [
    'api: {port: 0}',
    'grpc: {address: 127.0.0.1:0}',
    `stateDir: ${JSON.stringify(stateDir)}`,
    'log: {level: debug}',
    'defaults: {checkInterval: 100ms, checkTimeout: 500ms, startInterval: 50ms, successThreshold: 1, stopTimeout: 1s}',
    'plugins:',
    ...plugins.map(
      (name) =>
        `  - {name: ${name}, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(greeterMain)}]${extra[name] ?? ''}}`,
    ),
    '',
  ].join('\n');

const setUp = async (plugins: string[]) => {
  const dir = scratchDir('hale-reload-');
  const file = join(dir, 'supervisor.yaml');
  const stateDir = join(dir, 'state');
  writeFileSync(file, configText(stateDir, plugins));
  const loaded = await loadConfig(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const supervised = await superviseConfig(loaded.config);
  const server = await serveApi(supervised.supervisor);
  await Promise.all(plugins.map((name) => supervised.first(becomes(name, 'healthy'))));
  const rewrite = (next: string[], extra: Record<string, string> = {}) => writeFileSync(file, configText(stateDir, next, extra));
  const reload = async () => {
    const response = await fetch(`${server.url}/config/reload`, { method: 'POST' });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { ...supervised, file, rewrite, reload };
};

describe('reload', () => {
  test('added plugins start, removed ones stop, changed ones restart, unchanged ones keep their pid', async () => {
    const { supervisor, first, rewrite, reload } = await setUp(['gone', 'changes', 'stays']);
    const pidOf = (name: string) => supervisor.plugin(name)?.pid ?? null;
    const before = { gone: pidOf('gone'), changes: pidOf('changes'), stays: pidOf('stays') };

    rewrite(['changes', 'stays', 'added'], { changes: ', env: {GREETING: changed}' });
    const answer = await reload();
    expect(answer).toEqual({
      status: 200,
      body: { ok: true, added: ['added'], removed: ['gone'], changed: ['changes'], unchanged: ['stays'], ignored: [] },
    });
    await first(becomes('added', 'healthy'));
    await first((e) => becomes('changes', 'healthy')(e) && supervisor.plugin('changes')?.pid !== before.changes);

    expect(supervisor.snapshot().plugins.map((p) => p.name)).toEqual(['changes', 'stays', 'added']);
    expect(pidOf('stays')).toBe(before.stays);
    expect(supervisor.plugin('stays')?.generation).toBe(1);
    expect(pidOf('changes')).not.toBe(before.changes);
    expect(alive(before.gone ?? 0)).toBe(false);
    expect(alive(before.changes ?? 0)).toBe(false);
    expect(supervisor.plugin('gone')).toBeUndefined();
  });

  test('an invalid file changes nothing and says where and why', async () => {
    const { supervisor, file, reload } = await setUp(['greeter']);
    const pid = supervisor.plugin('greeter')?.pid;
    writeFileSync(file, 'plugins:\n  - name: greeter\n    command: node\n    checkInterval: often\n');
    const answer = await reload();
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: { code: 'invalid_config', message: `${basename(file)} is not valid; nothing was changed` },
    });
    const { issues } = (answer.body as { error: { issues: string[] } }).error;
    // Named by the file's name: where it lives on the machine is not the client's business.
    expect(issues).toEqual([expect.stringMatching(new RegExp(`^${basename(file)}:4:\\d+: plugins\\[0\\]\\.checkInterval: `))]);
    expect(JSON.stringify(answer.body)).not.toContain(dirname(file));
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'healthy', pid, generation: 1 });
  });

  test('a changed setting that needs a restart is reported as ignored, and the plugins are left alone', async () => {
    const { supervisor, file, reload } = await setUp(['greeter']);
    const pid = supervisor.plugin('greeter')?.pid;
    writeFileSync(file, configText(join(file, '..', 'state'), ['greeter']).replace('api: {port: 0}', 'api: {port: 0, host: 127.0.0.2}'));
    expect(await reload()).toMatchObject({ status: 200, body: { unchanged: ['greeter'], ignored: ['api.host'] } });
    expect(supervisor.plugin('greeter')?.pid).toBe(pid);
  });

  test('SIGHUP reloads the config of a running hale', async () => {
    const dir = scratchDir('hale-reload-');
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(file, configText(join(dir, 'state'), ['greeter']));
    const hale = startHale(['run', '-c', file]);
    await hale.line((l) => l.event === 'transition' && l.plugin === 'greeter' && l['to'] === 'healthy');
    writeFileSync(file, configText(join(dir, 'state'), ['greeter', 'second']));
    hale.child.kill('SIGHUP');
    const reloaded = await hale.line((l) => l.event === 'reloaded');
    expect(reloaded).toMatchObject({
      added: ['second'],
      unchanged: ['greeter'],
      msg: 'config reloaded: 1 added, 0 removed, 0 changed, 1 unchanged',
    });
    await hale.line((l) => l.event === 'transition' && l.plugin === 'second' && l['to'] === 'healthy');
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  });
});
