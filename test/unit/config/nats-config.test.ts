import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../../src/config/load.js';
import { defaultHubId } from '../../../src/config/nats-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-nats-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (text: string, plugins = 'plugins: []') =>
  parseConfigText(`${text}\n${plugins}\n`, { file: join(dir, 'supervisor.yaml'), env: {} });

const configOf = (text: string, plugins?: string) => {
  const result = parse(text, plugins);
  if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'));
  return result.config;
};

const issuesOf = (text: string, plugins?: string) => {
  const result = parse(text, plugins);
  return result.ok ? [] : result.issues.map(formatConfigIssue);
};

describe('the nats: section', () => {
  test('is off without it, and has a default for every key with it', () => {
    expect(configOf('').nats).toBeNull();
    expect(configOf('').federation).toEqual({ enabled: false, staleAfterMs: 30_000 });
    expect(configOf('nats: {}')).toMatchObject({
      nats: {
        servers: ['nats://127.0.0.1:4222'],
        auth: { kind: 'none' },
        hubId: defaultHubId(hostname()),
        subjectPrefix: 'hale',
        summaryIntervalMs: 10_000,
        maxPending: 10_000,
        jetstream: null,
      },
      federation: { enabled: false, staleAfterMs: 30_000 },
    });
  });

  test('reads servers, a token, a hub id, a prefix, intervals, JetStream and federation', () => {
    const config = configOf(
      [
        'nats:',
        '  servers: [nats://10.0.0.5:4222, "nats-2:4222"]',
        '  token: s3cret',
        '  hubId: eu-west-1',
        '  subjectPrefix: acme.hale',
        '  summaryInterval: 2s',
        '  maxPending: 50',
        '  jetstream: { stream: HALE_HEALTH, maxAge: 1h }',
        'federation:',
        '  enabled: true',
      ].join('\n'),
    );
    expect(config.nats).toMatchObject({
      servers: ['nats://10.0.0.5:4222', 'nats-2:4222'],
      auth: { kind: 'token', token: 's3cret' },
      hubId: 'eu-west-1',
      subjectPrefix: 'acme.hale',
      summaryIntervalMs: 2_000,
      maxPending: 50,
      jetstream: { stream: 'HALE_HEALTH', maxAgeMs: 3_600_000, maxMessages: 100_000 },
    });
    // Stale after 3 summary intervals unless told.
    expect(config.federation).toEqual({ enabled: true, staleAfterMs: 6_000 });
  });

  test('takes a credentials file beside the config, and says when it is missing or given with a token', () => {
    writeFileSync(join(dir, 'hale.creds'), 'creds');
    expect(configOf('nats:\n  credentials: hale.creds').nats?.auth).toEqual({ kind: 'credentials', file: join(dir, 'hale.creds') });
    expect(issuesOf('nats:\n  credentials: nope.creds').join('\n')).toMatch(/nats\.credentials: no credentials file at .*nope\.creds/);
    expect(issuesOf('nats:\n  credentials: hale.creds\n  token: t').join('\n')).toMatch(
      /nats\.credentials: give nats\.token or nats\.credentials, not both/,
    );
  });

  test('says where and what for a bad hub id, prefix, server or key, and federation without nats', () => {
    expect(issuesOf('nats:\n  hubId: eu.west').join('\n')).toMatch(/nats\.hubId: a subject token is 1 to 64/);
    expect(issuesOf('nats:\n  hubId: "hub*"').join('\n')).toMatch(/nats\.hubId/);
    expect(issuesOf('nats:\n  subjectPrefix: "hale.>"').join('\n')).toMatch(
      /nats\.subjectPrefix: a subject prefix is dot-separated tokens/,
    );
    expect(issuesOf('nats:\n  servers: ["http://x/y"]').join('\n')).toMatch(/nats\.servers.*a server is nats:\/\/host:port/);
    expect(issuesOf('nats:\n  summaryIntervl: 5s').join('\n')).toMatch(/unknown key "summaryIntervl" \(did you mean summaryInterval\?\)/);
    expect(issuesOf('federation:\n  enabled: true').join('\n')).toMatch(/federation\.enabled: federation needs a nats: section/);
  });

  test('refuses plugin names that would publish on the summary subject or share one subject', () => {
    const plugins = (names: string[]) => `plugins:\n${names.map((n) => `  - { name: ${n}, command: node }`).join('\n')}`;
    expect(issuesOf('nats: {}', plugins(['summary'])).join('\n')).toMatch(/plugins\[0\]\.name: with nats: a plugin named "summary"/);
    expect(issuesOf('nats: {}', plugins(['a.b', 'a_b'])).join('\n')).toMatch(
      /plugins\[1\]\.name: with nats: "a\.b" and "a_b" would share one health subject/,
    );
    // Without nats the names are fine.
    expect(issuesOf('', plugins(['summary']))).toEqual([]);
  });

  test('refuses the hub id "global", whose subject is the broadcast one, at its line', () => {
    const [issue, ...more] = issuesOf('nats:\n  subjectPrefix: acme.hale\n  hubId: global');
    expect(more).toEqual([]);
    expect(issue).toMatch(/supervisor\.yaml:3:\d+/);
    expect(issue).toMatch(/nats\.hubId: the hub id "global" is reserved: acme\.hale\.global\.health carries every hub's summary/);
    // Another case is another token, and a hub of its own.
    expect(configOf('nats:\n  hubId: Global').nats?.hubId).toBe('Global');
  });

  test('makes a hub id of any host name', () => {
    expect(defaultHubId('web-1.example.com')).toBe('web-1-example-com');
    expect(defaultHubId('')).toBe('hale');
  });
});
