import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../../src/config/load.js';
import { isLoopbackHost } from '../../../src/config/loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-api-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (api: string, env: Record<string, string> = {}) =>
  parseConfigText(`api:\n${api}\nplugins: []\n`, { file: join(dir, 'supervisor.yaml'), env });

const apiOf = (api: string, env: Record<string, string> = {}) => {
  const result = parse(api, env);
  if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'));
  return result.config.api;
};

const issuesOf = (api: string, env: Record<string, string> = {}) => {
  const result = parse(api, env);
  return result.ok ? [] : result.issues.map(formatConfigIssue);
};

const tokenFile = (name: string, text: string, mode = 0o600): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
};

describe('the API token', () => {
  test('comes from api.token, then api.tokenFile, then HALE_API_TOKEN', () => {
    expect(apiOf('  token: inline', { HALE_API_TOKEN: 'from-env' })).toMatchObject({ token: 'inline', tokenSource: 'token' });
    tokenFile('token.txt', 'from-file\n');
    expect(apiOf('  tokenFile: token.txt', { HALE_API_TOKEN: 'from-env' })).toMatchObject({ token: 'from-file', tokenSource: 'tokenFile' });
    expect(apiOf('  port: 1', { HALE_API_TOKEN: ' from-env ' })).toMatchObject({ token: 'from-env', tokenSource: 'env' });
    expect(apiOf('  token: ""', {})).toMatchObject({ token: null, tokenSource: null });
  });

  test.each([
    ['missing.txt', null, /api\.tokenFile: cannot read the token file .*missing\.txt: no such file/],
    ['empty.txt', '  \n', /api\.tokenFile: the token file .*empty\.txt is empty/],
    ['spaced.txt', 'two words', /api\.tokenFile: the token in .*spaced\.txt holds whitespace/],
    ['open.txt', 'secret', /api\.tokenFile: .*open\.txt is readable by every user; chmod o-r it/],
  ])('a token file %s is refused, saying where and why', (name, text, message) => {
    if (text !== null) tokenFile(name, text, name === 'open.txt' ? 0o644 : 0o600);
    const issues = issuesOf(`  tokenFile: ${name}`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/supervisor\.yaml:2:\d+: /);
    expect(issues[0]).toMatch(message);
  });

  test('api.token and api.tokenFile together are refused', () => {
    tokenFile('both.txt', 'x');
    expect(issuesOf('  token: a\n  tokenFile: both.txt')).toEqual([
      expect.stringMatching(/api\.tokenFile: set api\.token or api\.tokenFile, not both/),
    ]);
  });
});

describe('an API open to the network', () => {
  test('with no token is refused, naming the host and every way out', () => {
    const issues = issuesOf('  host: 0.0.0.0');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/supervisor\.yaml:2:9: api\.host: "0\.0\.0\.0" can be reached from other machines and no token is set/);
    expect(issues[0]).toMatch(/api\.token, api\.tokenFile or HALE_API_TOKEN/);
    expect(issues[0]).toMatch(/api\.allowUnauthenticated: true/);
  });

  test('starts with a token, or when api.allowUnauthenticated says so', () => {
    expect(apiOf('  host: 0.0.0.0\n  token: s3cret')).toMatchObject({ host: '0.0.0.0', token: 's3cret' });
    expect(apiOf('  host: 0.0.0.0', { HALE_API_TOKEN: 's3cret' })).toMatchObject({ token: 's3cret' });
    expect(apiOf('  host: "::"\n  allowUnauthenticated: true')).toMatchObject({ host: '::', token: null, allowUnauthenticated: true });
  });

  test.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['hale.example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('the rest of api:', () => {
  test('has safe defaults: loopback, reads open, no CORS, rate limits, a request timeout', () => {
    expect(apiOf('  port: 8080')).toEqual({
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
    });
  });

  test('takes CORS origins as scheme://host[:port] only, and says so', () => {
    expect(apiOf('  corsOrigins: [https://dash.example.com, "http://127.0.0.1:3000"]').corsOrigins).toEqual([
      'https://dash.example.com',
      'http://127.0.0.1:3000',
    ]);
    expect(issuesOf('  corsOrigins: ["*", https://x.example/path]')).toEqual([
      expect.stringMatching(/api\.corsOrigins\[0\]: an origin is scheme:\/\/host\[:port\]/),
      expect.stringMatching(/api\.corsOrigins\[1\]: an origin is scheme:\/\/host\[:port\]/),
    ]);
  });

  test('reads rate limits and the timeout with units, and refuses nonsense', () => {
    expect(apiOf('  rateLimit: { perClient: 5, perPlugin: 2, window: 10s }\n  requestTimeout: 2s')).toMatchObject({
      rateLimit: { perClient: 5, perPlugin: 2, windowMs: 10_000 },
      requestTimeoutMs: 2_000,
    });
    expect(issuesOf('  rateLimit: { perClient: 0, window: 10 }')).toEqual([
      expect.stringMatching(/api\.rateLimit\.perClient: expected a whole number ≥ 1/),
      expect.stringMatching(/api\.rateLimit\.window: expected a duration with a unit/),
    ]);
  });
});
