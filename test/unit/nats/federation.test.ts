import { describe, expect, it } from 'vitest';
import { startFederation, type FederationOptions, type FederationView } from '../../../src/nats/federation.js';
import { buildSummary } from '../../../src/nats/summary.js';
import type { HeardMessage, NatsSubscriber } from '../../../src/nats/types.js';
import type { DependencyStatus } from '../../../src/model/status.js';
import { buildPluginStatus, buildSnapshot, snapshotNow } from '../../helpers/status-builder.js';

/** NATS subject matching: `*` is one token, `>` the rest. */
const matchesSubject = (pattern: string, subject: string): boolean => {
  const want = pattern.split('.');
  const got = subject.split('.');
  for (const [i, token] of want.entries()) {
    if (token === '>') return got.length > i;
    if (got[i] === undefined || (token !== '*' && token !== got[i])) return false;
  }
  return want.length === got.length;
};

/** A subscriber the test drives by hand: `deliver` hands a message to every live subscription it matches. */
const createFakeSubscriber = () => {
  const subscriptions: Array<{ subject: string; onMessage: (message: HeardMessage) => void; live: boolean }> = [];
  const subscriber: NatsSubscriber = {
    subscribe(subject, onMessage) {
      const subscription = { subject, onMessage, live: true };
      subscriptions.push(subscription);
      return () => {
        subscription.live = false;
      };
    },
  };
  const deliver = (subject: string, body: unknown): number => {
    const data = body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
    const hit = subscriptions.filter((s) => s.live && matchesSubject(s.subject, subject));
    for (const s of hit) s.onMessage({ subject, data });
    return hit.length;
  };
  return { subscriber, subscriptions, deliver };
};

const buildDependency = (name: string): DependencyStatus => ({
  name,
  protocol: 'tcp',
  target: 'tcp 127.0.0.1:5432',
  critical: false,
  state: 'degraded',
  reason: 'slow',
  since: snapshotNow,
  lastCheck: null,
  lastHealthyAt: null,
  failureCount: 0,
  recentChecks: [],
});

/** A summary as a hub really builds it: two plugins (one restarting) and a check. */
const summaryOf = (hubId: string) =>
  buildSummary(
    buildSnapshot(
      [buildPluginStatus('greeter'), buildPluginStatus('flaky', { state: 'restarting', restartCount: 2, pid: null, startedAt: null })],
      {
        dependencies: [buildDependency('postgres')],
      },
    ),
    hubId,
    10_000,
  );

const summarySubject = (hubId: string, prefix = 'hale') => `${prefix}.${hubId}.health.summary`;

const start = (options: Partial<FederationOptions> = {}) => {
  const fake = createFakeSubscriber();
  let clock = snapshotNow;
  const bad: Array<{ subject: string; why: string }> = [];
  const federation: FederationView = startFederation({
    subscriber: fake.subscriber,
    prefix: 'hale',
    hubId: 'web-1',
    staleAfterMs: 30_000,
    now: () => clock,
    onBadMessage: (subject, why) => bad.push({ subject, why }),
    ...options,
  });
  const advance = (ms: number) => {
    clock += ms;
  };
  return { ...fake, federation, bad, advance };
};

describe('startFederation', () => {
  it("subscribes to every hub's summary under its prefix and keeps what a real hub sends", () => {
    const { federation, subscriptions, deliver, bad } = start({ prefix: 'acme.hale' });
    expect(subscriptions.map((s) => s.subject)).toEqual(['acme.hale.*.health.summary']);
    // Not a summary, or another prefix: never delivered to federation at all.
    expect(deliver('acme.hale.web-2.health.greeter', summaryOf('web-2'))).toBe(0);
    expect(deliver('hale.web-2.health.summary', summaryOf('web-2'))).toBe(0);
    expect(deliver(summarySubject('web-2', 'acme.hale'), summaryOf('web-2'))).toBe(1);
    expect(bad).toEqual([]);
    const [hub, ...rest] = federation.hubs();
    expect(rest).toEqual([]);
    expect(hub).toEqual({
      hub_id: 'web-2',
      overall_status: 'unhealthy',
      stale: false,
      age_seconds: 0,
      received_at: new Date(snapshotNow).toISOString(),
      service_count: 3,
      summary: JSON.parse(JSON.stringify(summaryOf('web-2'))),
    });
    expect(federation.stats()).toEqual({ hubs: 1, stale: 0, badMessages: 0 });
    expect(federation.hubId).toBe('web-1');
    expect(federation.staleAfterMs).toBe(30_000);
  });

  it('keeps the last summary of each hub, hubs sorted by id, and flattens their services with hub and staleness', () => {
    const { federation, deliver, advance } = start();
    deliver(summarySubject('web-2'), summaryOf('web-2'));
    advance(1_000);
    deliver(summarySubject('db-1'), { ...summaryOf('db-1'), overall_status: 'healthy', services: [], checks: [] });
    advance(2_500);
    deliver(summarySubject('web-2'), { ...summaryOf('web-2'), overall_status: 'degraded' });
    advance(500);
    expect(federation.hubs().map((h) => [h.hub_id, h.overall_status, h.age_seconds])).toEqual([
      ['db-1', 'healthy', 3],
      ['web-2', 'degraded', 0.5],
    ]);
    expect(federation.services().map((s) => `${s.hub_id}/${s.name}:${s.type}:${s.status}:${s.state}:${String(s.stale)}`)).toEqual([
      'web-2/greeter:plugin:up:healthy:false',
      'web-2/flaky:plugin:down:restarting:false',
      'web-2/postgres:check:degraded:degraded:false',
    ]);
  });

  it('marks a hub stale once it was silent for longer than staleAfterMs, and fresh again when it speaks', () => {
    const { federation, deliver, advance } = start({ staleAfterMs: 30_000 });
    deliver(summarySubject('web-1'), summaryOf('web-1'));
    deliver(summarySubject('web-2'), summaryOf('web-2'));
    advance(20_000);
    deliver(summarySubject('web-1'), summaryOf('web-1'));
    advance(10_000);
    expect(federation.hubs().map((h) => [h.hub_id, h.stale, h.age_seconds])).toEqual([
      ['web-1', false, 10],
      ['web-2', false, 30],
    ]);
    advance(1);
    expect(federation.hubs().map((h) => [h.hub_id, h.stale])).toEqual([
      ['web-1', false],
      ['web-2', true],
    ]);
    expect(federation.stats()).toEqual({ hubs: 2, stale: 1, badMessages: 0 });
    expect(
      federation
        .services()
        .filter((s) => s.stale)
        .map((s) => s.hub_id),
    ).toEqual(['web-2', 'web-2', 'web-2']);
    deliver(summarySubject('web-2'), summaryOf('web-2'));
    expect(federation.stats().stale).toBe(0);
  });

  it('counts, reports and drops every message it cannot read, keeping the last good summary', () => {
    const { federation, deliver, bad } = start();
    const good = summaryOf('web-2');
    deliver(summarySubject('web-2'), good);
    const service = good.services[0];
    const wrong: Array<[string, unknown]> = [
      ['not JSON', '{"hub_id": "web-2",'],
      ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
      ['a JSON array', '[1, 2]'],
      ['hub_id of another hub', { ...good, hub_id: 'web-3' }],
      ['no hub_id', { ...good, hub_id: undefined }],
      ['an unknown overall status', { ...good, overall_status: 'ok' }],
      ['a timestamp that is not ISO', { ...good, timestamp: 'yesterday' }],
      ['services not a list', { ...good, services: {} }],
      ['a latency as text', { ...good, services: [{ ...service, latency_ms: '15' }] }],
      ['an unknown service status', { ...good, services: [{ ...service, status: 'serving' }] }],
      ['a fractional restart count', { ...good, services: [{ ...service, restart_count: 1.5 }] }],
      ['a bad check', { ...good, checks: [{ ...service, type: 'dependency' }] }],
      ['no hale', { ...good, hale: undefined }],
      ['interval as text', { ...good, interval_seconds: '10' }],
      ['larger than 256 KiB', { ...good, padding: 'x'.repeat(256 * 1024) }],
    ];
    for (const [what, body] of wrong) expect(deliver(summarySubject('web-2'), body), what).toBe(1);
    // A hub that names itself in a subject token NATS would split is not one hub either.
    expect(deliver('hale.web-9.health.summary', { ...good, hub_id: 'web-9.x' })).toBe(1);

    expect(federation.stats()).toEqual({ hubs: 1, stale: 0, badMessages: wrong.length + 1 });
    expect(bad).toHaveLength(wrong.length + 1);
    expect(bad.every((b) => b.subject.endsWith('.health.summary'))).toBe(true);
    expect(bad[0]?.why).toBe('the body is not JSON');
    expect(bad[1]?.why).toBe('the body is not JSON');
    expect(bad[3]?.why).toBe('hub_id "web-3" is not the subject\'s hub "web-2"');
    expect(bad[8]?.why).toMatch(/^not a summary \(services\.0\.latency_ms: /);
    expect(bad[11]?.why).toMatch(/checks\.0\.type/);
    expect(bad[14]?.why).toMatch(/^the body is \d+ bytes, more than 262144$/);
    expect(federation.hubs().map((h) => [h.hub_id, h.overall_status])).toEqual([['web-2', good.overall_status]]);
    expect(federation.hubs()[0]?.summary.services[0]?.latency_ms).toBe(15);
  });

  it('keeps the fields it does not know, but a service never renames its hub', () => {
    const { federation, deliver } = start();
    const summary = summaryOf('web-2');
    const [first] = summary.services;
    deliver(summarySubject('web-2'), {
      ...summary,
      region: 'eu-west',
      services: [{ ...first, zone: 'b', hub_id: 'elsewhere', stale: 'no' }],
      checks: undefined,
    });
    const hub = federation.hubs()[0];
    expect(hub?.summary).toMatchObject({ region: 'eu-west', services: [{ zone: 'b' }] });
    expect(federation.services()).toEqual([{ ...first, zone: 'b', hub_id: 'web-2', stale: false }]);
    expect(Object.keys(federation.services()[0] ?? {}).slice(0, 2)).toEqual(['hub_id', 'stale']);
  });

  it('holds maxHubs at most, forgetting the hub heard from longest ago', () => {
    const { federation, deliver, advance } = start({ maxHubs: 3 });
    for (const hub of ['c', 'a', 'b']) {
      deliver(summarySubject(hub), summaryOf(hub));
      advance(1_000);
    }
    // c was heard first, but speaks again: a is now the one heard from longest ago.
    deliver(summarySubject('c'), summaryOf('c'));
    deliver(summarySubject('d'), summaryOf('d'));
    expect(federation.hubs().map((h) => h.hub_id)).toEqual(['b', 'c', 'd']);
    for (let i = 0; i < 50; i += 1) deliver(summarySubject(`n${i}`), summaryOf(`n${i}`));
    expect(federation.hubs().map((h) => h.hub_id)).toEqual(['n47', 'n48', 'n49']);
    expect(federation.stats()).toEqual({ hubs: 3, stale: 0, badMessages: 0 });
  });

  it('never throws out of a delivery, not even when the reporter does, and stops hearing on stop()', () => {
    const fake = createFakeSubscriber();
    const federation = startFederation({
      subscriber: fake.subscriber,
      prefix: 'hale',
      hubId: 'web-1',
      staleAfterMs: 30_000,
      onBadMessage: () => {
        throw new Error('the reporter broke');
      },
    });
    expect(() => fake.deliver(summarySubject('web-2'), 'nope')).not.toThrow();
    expect(federation.stats().badMessages).toBe(1);
    fake.deliver(summarySubject('web-2'), summaryOf('web-2'));
    federation.stop();
    federation.stop();
    expect(fake.subscriptions.map((s) => s.live)).toEqual([false]);
    // A message the client still hands over after stop() is not taken either.
    fake.subscriptions[0]?.onMessage({
      subject: summarySubject('web-3'),
      data: new TextEncoder().encode(JSON.stringify(summaryOf('web-3'))),
    });
    expect(federation.hubs().map((h) => h.hub_id)).toEqual(['web-2']);
  });
});
