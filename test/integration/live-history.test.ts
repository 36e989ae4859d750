import { beforeAll, describe, expect, test } from 'vitest';
import type { SupervisorEvent } from '../../src/model/events.js';
import { isEvent, openEventStream } from '../helpers/event-stream.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

beforeAll(requireBuilt);
const suite = useSupervisedSuite();

type TransitionData = { id: number; type: 'transition'; plugin: string; from: string; to: string };
type History = {
  plugin: string;
  checks: Array<{ outcome: string }>;
  transitions: Array<{ time: string; from: string; to: string; reason: string }>;
};

const healthyAgain = (restartCount: number) => (event: SupervisorEvent) =>
  event.type === 'transition' && event.plugin === 'greeter' && event.to === 'healthy' && event.restartCount === restartCount;

describe('a crash seen as it happens, and remembered', () => {
  test('GET /events streams the crash transitions with growing ids; the history keeps them across a restart of the supervisor', async () => {
    const stateDir = suite.scratchDir('hale-history-');
    const first = await suite.supervise([pluginConfig('greeter', [greeterMain])], { stateDir });
    await first.first(healthyAgain(0));
    const server = await suite.serveApi(first.supervisor);
    const stream = await openEventStream(`${server.url}/events?types=transition&plugin=greeter`);
    await stream.take((m) => m.event === 'hello');

    const pid = first.supervisor.plugin('greeter')?.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await first.first(healthyAgain(1));
    const seen: TransitionData[] = [];
    while (seen.at(-1)?.to !== 'healthy') seen.push(JSON.parse((await stream.take(isEvent('transition'))).data) as TransitionData);
    expect(seen.map((t) => `${t.from}→${t.to}`)).toEqual([
      'healthy→unhealthy',
      'unhealthy→restarting',
      'restarting→unknown',
      'unknown→healthy',
    ]);
    const ids = seen.map((t) => t.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    stream.close();

    const history = (await (await fetch(`${server.url}/plugins/greeter/history`)).json()) as History;
    expect(history.transitions.map((t) => t.to)).toEqual(['unknown', 'healthy', 'unhealthy', 'restarting', 'unknown', 'healthy']);
    expect(history.checks.length).toBeGreaterThan(0);
    expect(history.transitions.find((t) => t.to === 'unhealthy')?.reason).toMatch(/SIGKILL/);
    const limited = (await (await fetch(`${server.url}/plugins/greeter/history?limit=2`)).json()) as History;
    expect(limited.transitions.map((t) => t.to)).toEqual(['unknown', 'healthy']);
    await first.supervisor.stop('test: restart the supervisor');

    const second = await suite.supervise([pluginConfig('greeter', [greeterMain])], { stateDir });
    await second.first(healthyAgain(0));
    const secondServer = await suite.serveApi(second.supervisor);
    const restored = (await (await fetch(`${secondServer.url}/plugins/greeter/history`)).json()) as History;
    const path = restored.transitions.map((t) => t.to);
    // The first run's, its stop included, then this run's start.
    expect(path).toEqual(['unknown', 'healthy', 'unhealthy', 'restarting', 'unknown', 'healthy', 'stopped', 'unknown', 'healthy']);
    const times = restored.transitions.map((t) => Date.parse(t.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test('history answers 404 for an unknown plugin and 400 for a bad limit or name', async () => {
    const { supervisor } = await suite.supervise([pluginConfig('greeter', [greeterMain])]);
    const server = await suite.serveApi(supervisor);
    const answers = await Promise.all(
      ['/plugins/nope/history', '/plugins/greeter/history?limit=0', '/plugins/greeter/history?limit=101', '/plugins/Bad!/history'].map(
        async (path) => {
          const response = await fetch(`${server.url}${path}`);
          return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
        },
      ),
    );
    expect(answers).toEqual([
      [404, 'plugin_not_found'],
      [400, 'invalid_limit'],
      [400, 'invalid_limit'],
      [400, 'invalid_plugin_name'],
    ]);
    expect((await fetch(`${server.url}/plugins/greeter/history`, { method: 'POST' })).status).toBe(405);
  });
});
