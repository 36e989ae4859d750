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
const plugin = (extra: string) => `plugins:\n  - name: web\n    command: node\n${extra}`;

describe("a plugin's health:", () => {
  test("is hale's HealthCheck by default, with the default handshake and go-plugin's settings", () => {
    const [web] = configOf(plugin('')).plugins;
    expect(web?.health).toEqual({ protocol: 'plugin', watch: true, retries: 0, retryDelayMs: 100 });
    expect(web?.handshake).toEqual({
      cookieKey: 'HALE_PLUGIN_MAGIC_COOKIE',
      cookieValue: expect.any(String),
      protocolVersions: [1],
      minPort: 10_000,
      maxPort: 25_000,
    });
  });

  test.each([
    ['    health: { protocol: grpc, service: plugin }', { protocol: 'grpc', service: 'plugin', address: null }],
    ['    health: { protocol: grpc, address: "127.0.0.1:9000" }', { protocol: 'grpc', service: '', address: '127.0.0.1:9000' }],
    [
      '    health: { protocol: http, url: "http://127.0.0.1:8080/healthz", field: status, retries: 2, retryDelay: 250ms }',
      { protocol: 'http', url: 'http://127.0.0.1:8080/healthz', field: 'status', headers: {}, retries: 2, retryDelayMs: 250 },
    ],
    ['    health: { protocol: tcp, port: 5432 }', { protocol: 'tcp', host: '127.0.0.1', port: 5432 }],
    [
      '    health: { protocol: exec, command: pg_isready, args: [-q] }',
      { protocol: 'exec', command: 'pg_isready', args: ['-q'], env: {}, cwd: '/etc/hale' },
    ],
  ])('reads %s', (line, expected) => {
    expect(configOf(plugin(`${line}\n`)).plugins[0]?.health).toMatchObject(expected);
  });

  test('says what a protocol needs, and which keys belong to another one', () => {
    expect(issuesOf(plugin('    health: { protocol: http }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.health\.protocol: protocol http needs "url"/),
    ]);
    expect(issuesOf(plugin('    health: { protocol: tcp, url: "http://x:1/", port: 1 }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.health\.url: "url" is for protocol http, and this check's protocol is tcp/),
    ]);
    expect(issuesOf(plugin('    health: { protocol: smtp }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.health\.protocol: expected one of plugin, grpc, http, tcp, exec/),
    ]);
    expect(issuesOf(plugin('    health: { protocol: http, url: localhost }\n'))).toEqual([
      expect.stringMatching(/health\.url: a URL such as/),
    ]);
  });
});

describe('handshake:', () => {
  test("none is an ordinary server, which needs a check that does not need hale's gRPC", () => {
    const config = configOf(plugin('    handshake: none\n    health: { protocol: http, url: "http://127.0.0.1:8080/healthz" }\n'));
    expect(config.plugins[0]).toMatchObject({ handshake: null, health: { protocol: 'http' } });
    expect(configOf(plugin('    handshake: none\n    address: "127.0.0.1:9000"\n')).plugins[0]).toMatchObject({
      handshake: null,
      address: '127.0.0.1:9000',
    });
    expect(issuesOf(plugin('    handshake: none\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.handshake: with handshake: none there is no address to ask over gRPC/),
    ]);
    expect(issuesOf(plugin('    handshake: none\n    health: { protocol: grpc }\n'))).toEqual([
      expect.stringMatching(/or health\.address/),
    ]);
  });

  test("takes go-plugin's cookie, versions and ports, and says where one is wrong", () => {
    const config = configOf(
      plugin('    handshake: { cookieKey: BASIC_PLUGIN, cookieValue: hello, protocolVersions: [1, 2], minPort: 20000, maxPort: 20010 }\n'),
    );
    expect(config.plugins[0]?.handshake).toEqual({
      cookieKey: 'BASIC_PLUGIN',
      cookieValue: 'hello',
      protocolVersions: [1, 2],
      minPort: 20_000,
      maxPort: 20_010,
    });
    expect(issuesOf(plugin('    handshake: { minPort: 300, maxPort: 200 }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.handshake\.minPort: minPort \(300\) is above maxPort \(200\)/),
    ]);
    expect(issuesOf(plugin('    handshake: { cookiKey: X }\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.handshake\.cookiKey: unknown key "cookiKey" \(did you mean cookieKey\?\)/),
    ]);
    expect(issuesOf(plugin('    handshake: off\n'))).toEqual([
      expect.stringMatching(/plugins\[0\]\.handshake: expected none or a mapping/),
    ]);
  });
});

describe('checks:', () => {
  test('lists dependencies with their defaults', () => {
    const config = configOf(
      'plugins: []\nchecks:\n  - { name: db, protocol: tcp, port: 5432 }\n  - { name: api, protocol: http, url: "https://api.example.com/health", critical: false, interval: 30s, timeout: 1s }\n',
    );
    expect(config.checks).toEqual([
      {
        name: 'db',
        critical: true,
        intervalMs: 10_000,
        timeoutMs: 2_000,
        failureThreshold: 1,
        successThreshold: 1,
        degradedLatency: null,
        check: { protocol: 'tcp', host: '127.0.0.1', port: 5432, retries: 0, retryDelayMs: 100 },
      },
      {
        name: 'api',
        critical: false,
        intervalMs: 30_000,
        timeoutMs: 1_000,
        failureThreshold: 1,
        successThreshold: 1,
        degradedLatency: null,
        check: { protocol: 'http', url: 'https://api.example.com/health', field: null, headers: {}, retries: 0, retryDelayMs: 100 },
      },
    ]);
  });

  test('refuses what is not a dependency check, naming where', () => {
    expect(issuesOf('plugins: []\nchecks:\n  - { name: db, protocol: plugin }\n')).toEqual([
      expect.stringMatching(/checks\[0\]\.protocol: a check under checks: is not a plugin/),
    ]);
    expect(issuesOf('plugins: []\nchecks:\n  - { name: db }\n')).toEqual([
      expect.stringMatching(/checks\[0\]\.protocol: missing required key/),
    ]);
    expect(issuesOf('plugins: []\nchecks:\n  - { name: db, protocol: grpc }\n')).toEqual([
      expect.stringMatching(/checks\[0\]\.protocol: protocol grpc needs "address"/),
    ]);
    expect(issuesOf('plugins: []\nchecks:\n  - { name: db, protocol: tcp, port: 1 }\n  - { name: db, protocol: tcp, port: 2 }\n')).toEqual([
      expect.stringMatching(/checks\[1\]\.name: duplicate name "db" \(checks\[0\] has it already\)/),
    ]);
    expect(issuesOf('plugins: []\nchecks:\n  - { name: DB!, protocol: tcp, port: 1 }\n')).toEqual([
      expect.stringMatching(/checks\[0\]\.name: invalid name/),
    ]);
  });
});
