import { defaultStateDir } from '../../../src/config/state-dir.js';
import { describe, expect, test } from 'vitest';
import { parseConfigText, type ConfigResult } from '../../../src/config/load.js';
import type { SupervisorConfig } from '../../../src/config/types.js';
import { defaultCookie } from '../../../src/protocol.js';

const parse = (text: string, env: Record<string, string> = {}): ConfigResult =>
  parseConfigText(text, { file: '/etc/hale/supervisor.yaml', env });

const parseOk = (text: string, env: Record<string, string> = {}): SupervisorConfig => {
  const result = parse(text, env);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
};

// A full example config, every section set.
const spelledOutExample = `# supervisor.yaml
api:
  host: 127.0.0.1              # loopback by default
  port: 8080
  token: \${HALE_API_TOKEN:-}   # management routes need it when set
grpc:
  address: 127.0.0.1:50051     # grpc.health.v1 for every plugin
defaults:                      # every key may also be set per plugin
  checkInterval: 30s
  checkTimeout: 10s
  failureThreshold: 3
  successThreshold: 2
  maxRestarts: 5
  restartBackoff: 5s
  maxRestartBackoff: 5m
  startInterval: 1s
  startTimeout: 30s
  stopTimeout: 10s
  resetAfter: 10m
  restart: always
  backoff: linear
plugins:
  - name: greeter
    command: node
    args: [dist/plugins/greeter/main.js]
    critical: true
  - name: flaky
    command: node
    args: [dist/plugins/flaky/main.js, --degrade-after, 60s]
    env: { FLAKY_SLOW_MS: "0" }
    critical: false
    checkInterval: 5s
`;

const spelledOutDefaults = {
  checkInterval: 30_000,
  checkTimeout: 10_000,
  failureThreshold: 3,
  successThreshold: 2,
  maxRestarts: 5,
  restartBackoff: 5_000,
  maxRestartBackoff: 300_000,
  startInterval: 1_000,
  startTimeout: 30_000,
  stopTimeout: 10_000,
  resetAfter: 600_000,
  guardInterval: null,
  degradedLatency: null,
  stopSignal: 'SIGTERM',
  noRestartExitCodes: [78],
  restart: 'always',
  backoff: 'linear',
  memoryMax: null,
};

describe('a minimal config', () => {
  test("gets every default of the README's Config reference", () => {
    const config = parseOk('plugins:\n  - name: echo\n    command: /bin/echo\n');
    expect(config).toEqual({
      source: '/etc/hale/supervisor.yaml',
      api: {
        host: '127.0.0.1',
        port: 8080,
        token: null,
        tokenSource: null,
        allowUnauthenticated: false,
        protectReads: false,
        corsOrigins: [],
        allowedHosts: [],
        rateLimit: { perClient: 60, perPlugin: 30, windowMs: 60_000 },
        requestTimeoutMs: 10_000,
      },
      grpc: { enabled: true, address: '127.0.0.1:50051' },
      log: { level: 'info' },
      stateDir: defaultStateDir('/etc/hale/supervisor.yaml'),
      defaults: spelledOutDefaults,
      plugins: [
        {
          ...spelledOutDefaults,
          name: 'echo',
          command: '/bin/echo',
          args: [],
          env: {},
          cwd: '/etc/hale',
          critical: true,
          address: null,
          handshake: {
            cookieKey: defaultCookie.key,
            cookieValue: defaultCookie.value,
            protocolVersions: [1],
            minPort: 10_000,
            maxPort: 25_000,
          },
          health: { protocol: 'plugin', watch: true, retries: 0, retryDelayMs: 100 },
          readiness: null,
          dependsOn: [],
          restartWith: [],
          envFile: null,
          runAs: null,
        },
      ],
      checks: [],
      nats: null,
      federation: { enabled: false, staleAfterMs: 30_000 },
    });
  });

  test('may have no plugins, but must say so', () => {
    expect(parseOk('plugins: []').plugins).toEqual([]);
    expect(parse('api: {port: 1}')).toMatchObject({ ok: false, issues: [{ path: 'plugins', line: 1, column: 1 }] });
  });

  test('gets fresh default lists, so one config cannot change another', () => {
    const first = parseOk('plugins: [{name: a, command: x}]');
    first.plugins[0]?.args.push('changed');
    expect(parseOk('plugins: [{name: a, command: x}]').plugins[0]?.args).toEqual([]);
    first.plugins[0]?.noRestartExitCodes.push(1);
    expect(parseOk('plugins: [{name: a, command: x}]').plugins[0]?.noRestartExitCodes).toEqual([78]);
  });

  test("keeps its state beside the user's state, one folder per config file, unless stateDir says", () => {
    const config = parseOk('plugins: []');
    expect(config.stateDir).toBe(defaultStateDir('/etc/hale/supervisor.yaml'));
    expect(defaultStateDir('/etc/hale/supervisor.yaml', { XDG_STATE_HOME: '/var/state' })).toMatch(
      /^\/var\/state\/hale\/hale-[0-9a-f]{12}$/,
    );
    expect(defaultStateDir('/srv/hale/supervisor.yaml')).not.toBe(config.stateDir);
    expect(parseOk('stateDir: run/state\nplugins: []').stateDir).toBe('/etc/hale/run/state');
  });

  test('reads noRestartExitCodes as a list of exit codes', () => {
    expect(
      parseOk('defaults: {noRestartExitCodes: [78, 3]}\nplugins: [{name: a, command: x, noRestartExitCodes: []}]').plugins[0]
        ?.noRestartExitCodes,
    ).toEqual([]);
    expect(parse('plugins: [{name: a, command: x, noRestartExitCodes: [256]}]')).toMatchObject({
      ok: false,
      issues: [{ path: 'plugins[0].noRestartExitCodes[0]', message: 'expected a whole number from 0 to 255, got the number 256' }],
    });
  });
});

describe('overrides', () => {
  test('a plugin key beats defaults:, which beats the built-in default', () => {
    const config = parseOk(`
defaults:
  checkInterval: 10s
  maxRestarts: 0
  degradedLatency: 2s
  stopSignal: SIGINT
plugins:
  - name: a
    command: x
  - name: b
    command: x
    checkInterval: 1m30s
    degradedLatency: null
    stopSignal: SIGUSR2
    failureThreshold: 7
`);
    const [a, b] = config.plugins;
    expect(config.defaults).toMatchObject({ checkInterval: 10_000, maxRestarts: 0, degradedLatency: 2_000, stopSignal: 'SIGINT' });
    expect(a).toMatchObject({ checkInterval: 10_000, maxRestarts: 0, degradedLatency: 2_000, stopSignal: 'SIGINT', failureThreshold: 3 });
    expect(b).toMatchObject({ checkInterval: 90_000, maxRestarts: 0, degradedLatency: null, stopSignal: 'SIGUSR2', failureThreshold: 7 });
    expect(b?.checkTimeout).toBe(10_000);
  });

  test('plugin fields: cwd resolves against the file, address and handshake are kept', () => {
    const config = parseOk(`
plugins:
  - name: a
    command: x
    cwd: ../plugins/a
    address: unix:/run/hale/a.sock
    handshake: { cookieKey: MY_COOKIE, cookieValue: yes-really }
  - name: b
    command: x
    cwd: /opt/b
    address: "[::1]:7000"
`);
    expect(config.plugins[0]).toMatchObject({
      cwd: '/etc/plugins/a',
      address: 'unix:/run/hale/a.sock',
      handshake: { cookieKey: 'MY_COOKIE', cookieValue: 'yes-really' },
    });
    expect(config.plugins[1]).toMatchObject({ cwd: '/opt/b', address: '[::1]:7000' });
  });

  test('baseDir replaces the file directory for relative paths', () => {
    const result = parseConfigText('plugins: [{name: a, command: x, cwd: sub}]', { file: '<inline>', env: {}, baseDir: '/srv' });
    expect(result.ok && result.config.source).toBe('<inline>');
    expect(result.ok && result.config.plugins[0]?.cwd).toBe('/srv/sub');
  });
});

describe('a config that spells out every default (as the Config reference lists them)', () => {
  test('parses, with the token off when HALE_API_TOKEN is unset', () => {
    const config = parseOk(spelledOutExample);
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 8080, token: null });
    expect(config.defaults).toEqual(spelledOutDefaults);
    expect(config.plugins.map((plugin) => plugin.name)).toEqual(['greeter', 'flaky']);
    expect(config.plugins[1]).toMatchObject({
      args: ['dist/plugins/flaky/main.js', '--degrade-after', '60s'],
      env: { FLAKY_SLOW_MS: '0' },
      critical: false,
      checkInterval: 5_000,
      checkTimeout: 10_000,
    });
  });

  test('takes the token from the environment', () => {
    expect(parseOk(spelledOutExample, { HALE_API_TOKEN: 's3cret' }).api.token).toBe('s3cret');
  });
});

describe('interpolation in values', () => {
  test('reaches nested values: api.token, plugin env, args, and numbers such as the port', () => {
    const config = parseOk(
      `
api:
  port: \${PORT:-9090}
  token: "\${TOKEN}"
plugins:
  - name: a
    command: \${NODE:-node}
    args: ["--home=\${HOME}", "$$HOME"]
    env:
      GREETING: \${GREETING:-hello}
      EMPTY: \${UNSET:-}
`,
      { TOKEN: 'abc', HOME: '/home/hale' },
    );
    expect(config.api).toMatchObject({ port: 9090, token: 'abc' });
    expect(config.plugins[0]).toMatchObject({
      command: 'node',
      args: ['--home=/home/hale', '$HOME'],
      env: { GREETING: 'hello', EMPTY: '' },
    });
  });

  test('never touches keys or comments, and a value cannot inject YAML', () => {
    const config = parseOk('plugins:  # ${NOT_READ}\n  - name: a\n    command: x\n    env:\n      ${KEY}: ${VALUE}\n', {
      VALUE: 'x\n  injected: true',
      KEY: 'nope',
    });
    expect(config.plugins[0]?.env).toEqual({ '${KEY}': 'x\n  injected: true' });
  });

  test('a missing variable is an issue at the value that names it, and only once', () => {
    const result = parse('api:\n  token: ${API_TOKEN}\nplugins:\n  - name: a\n    command: x\n    checkInterval: ${INTERVAL}\n');
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          file: '/etc/hale/supervisor.yaml',
          line: 2,
          column: 10,
          path: 'api.token',
          message: 'environment variable API_TOKEN is not set (set it, or give a default: ${API_TOKEN:-value})',
        },
        {
          file: '/etc/hale/supervisor.yaml',
          line: 6,
          column: 20,
          path: 'plugins[0].checkInterval',
          message: 'environment variable INTERVAL is not set (set it, or give a default: ${INTERVAL:-value})',
        },
      ],
    });
  });
});
