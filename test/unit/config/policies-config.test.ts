import { describe, expect, test } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../../src/config/load.js';

const parse = (text: string) => parseConfigText(text, { file: '/etc/hale/supervisor.yaml', env: {} });
const configOf = (text: string) => {
  const result = parse(text);
  if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'));
  return result.config;
};
const issuesOf = (text: string) => {
  const result = parse(text);
  return result.ok ? [] : result.issues.map(formatConfigIssue);
};
const plugin = (extra: string, head = '') => `${head}plugins:\n  - name: web\n    command: node\n${extra}`;

describe('restart: and backoff:', () => {
  test('default to always and linear (what hale did before), in defaults: and per plugin', () => {
    const config = configOf(plugin(''));
    expect(config.defaults).toMatchObject({ restart: 'always', backoff: 'linear' });
    expect(config.plugins[0]).toMatchObject({ restart: 'always', backoff: 'linear' });
  });

  test("are read from defaults:, and a plugin's own value wins", () => {
    const config = configOf(
      `defaults: { restart: on-failure, backoff: exponential }\nplugins:\n  - { name: a, command: x }\n  - { name: b, command: x, restart: never, backoff: linear }\n`,
    );
    expect(config.plugins.map((p) => [p.restart, p.backoff])).toEqual([
      ['on-failure', 'exponential'],
      ['never', 'linear'],
    ]);
  });

  test('a wrong word is an error at file:line:col that lists the right ones', () => {
    expect(issuesOf(plugin('    restart: sometimes\n'))).toEqual([
      '/etc/hale/supervisor.yaml:4:14: plugins[0].restart: expected one of always, on-failure, never, got "sometimes"',
    ]);
    expect(issuesOf('defaults:\n  backoff: fibonacci\nplugins: []\n')).toEqual([
      '/etc/hale/supervisor.yaml:2:12: defaults.backoff: expected one of linear, exponential, got "fibonacci"',
    ]);
    expect(issuesOf(plugin('    restart: [always]\n'))).toEqual([
      expect.stringMatching(/^\/etc\/hale\/supervisor.yaml:4:14: plugins\[0\]\.restart: expected one of/),
    ]);
  });

  test('a near miss of the key is named', () => {
    expect(issuesOf(plugin('    restartPolicy: never\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.restartPolicy: unknown key "restartPolicy"/),
    ]);
  });
});

describe("a plugin's readiness:", () => {
  test('is absent by default: no probe, nothing scheduled', () => {
    expect(configOf(plugin('')).plugins[0]?.readiness).toBeNull();
  });

  test('takes the documented defaults: every 10s, 2s to answer, 3 failures to fail, 1 pass to pass', () => {
    expect(configOf(plugin('    readiness: { protocol: tcp, port: 8080 }\n')).plugins[0]?.readiness).toEqual({
      intervalMs: 10_000,
      timeoutMs: 2_000,
      failureThreshold: 3,
      successThreshold: 1,
      check: { protocol: 'tcp', host: '127.0.0.1', port: 8080, retries: 0, retryDelayMs: 100 },
    });
  });

  test.each([
    [
      '    readiness: { protocol: http, url: "http://127.0.0.1:8080/ready", interval: 1s, timeout: 500ms, failureThreshold: 1, successThreshold: 2 }',
      {
        intervalMs: 1_000,
        timeoutMs: 500,
        failureThreshold: 1,
        successThreshold: 2,
        check: { protocol: 'http', url: 'http://127.0.0.1:8080/ready' },
      },
    ],
    ['    readiness: { protocol: grpc, service: ready }', { check: { protocol: 'grpc', service: 'ready', address: null } }],
    [
      '    cwd: /srv/web\n    readiness: { protocol: exec, command: test, args: [-f, ready.flag] }',
      { check: { protocol: 'exec', command: 'test', args: ['-f', 'ready.flag'], cwd: '/srv/web' } },
    ],
  ])('reads %s', (lines, expected) => {
    expect(configOf(plugin(`${lines}\n`)).plugins[0]?.readiness).toMatchObject(expected);
  });

  test('needs a protocol, and refuses plugin: that is the liveness check asked again', () => {
    expect(issuesOf(plugin('    readiness: { port: 8080 }\n'))).toEqual([
      expect.stringMatching(
        /^\/etc\/hale\/supervisor.yaml:4:16: plugins\[0\]\.readiness\.protocol: missing required key \(one of plugin, grpc, http, tcp, exec\)$/,
      ),
    ]);
    expect(issuesOf(plugin('    readiness:\n      protocol: plugin\n'))).toEqual([
      expect.stringMatching(
        /^\/etc\/hale\/supervisor.yaml:5:17: plugins\[0\]\.readiness\.protocol: protocol plugin asks the same HealthCheck as health:/,
      ),
    ]);
  });

  test("says what a protocol needs and which keys are another's, at the key", () => {
    expect(issuesOf(plugin('    readiness:\n      protocol: http\n'))).toEqual([
      expect.stringMatching(/:5:17: plugins\[0\]\.readiness\.protocol: protocol http needs "url"/),
    ]);
    expect(issuesOf(plugin('    readiness:\n      protocol: tcp\n      port: 1\n      url: "http://x:1/"\n'))).toEqual([
      expect.stringMatching(/:7:12: plugins\[0\]\.readiness\.url: "url" is for protocol http, and this check's protocol is tcp/),
    ]);
  });

  test('bad cadences and unknown keys are errors at their place', () => {
    expect(
      issuesOf(
        plugin('    readiness:\n      protocol: tcp\n      port: 1\n      interval: 10\n      failureThreshold: 0\n      intervall: 1s\n'),
      ),
    ).toEqual([
      expect.stringMatching(/:7:17: plugins\[0\]\.readiness\.interval: expected a duration with a unit, got the number 10 \(write "10s"\)/),
      expect.stringMatching(/:8:25: plugins\[0\]\.readiness\.failureThreshold: expected a whole number ≥ 1, got the number 0/),
      expect.stringMatching(/:9:7: plugins\[0\]\.readiness\.intervall: unknown key "intervall" \(did you mean interval\?\)/),
    ]);
    expect(issuesOf(plugin('    readiness: { protocol: tcp, port: 1, interval: 10ms }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.readiness\.interval: must be at least 100ms/),
    ]);
  });

  test('grpc without an address on a plugin with no address at all is refused', () => {
    expect(issuesOf(plugin('    handshake: none\n    health: { protocol: tcp, port: 1 }\n    readiness: { protocol: grpc }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.readiness\.protocol: with handshake: none there is no address to ask over gRPC/),
    ]);
  });

  test('is per plugin only: not a key of defaults:', () => {
    expect(issuesOf('defaults:\n  readiness: { protocol: tcp, port: 1 }\nplugins: []\n')).toEqual([
      expect.stringMatching(/defaults\.readiness: unknown key "readiness"/),
    ]);
  });
});
