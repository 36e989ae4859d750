import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHealthPublisher, type HealthPublisher, type HealthPublisherOptions } from '../../../src/nats/health-publisher.js';
import type { HealthSummary, RegistrationMessage, TransitionMessage } from '../../../src/nats/summary.js';
import type { NatsPublisher, PublishOutcome } from '../../../src/nats/types.js';
import type { PluginState } from '../../../src/model/plugin-state.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import type { DependencyStatus } from '../../../src/model/status.js';
import {
  buildPluginStatus,
  buildSnapshot,
  createRecordingBackend,
  snapshotNow,
  type RecordingBackend,
} from '../../helpers/status-builder.js';

interface Sent {
  subject: string;
  body: unknown;
  at: number;
}

/** Keeps every message with the (fake) time it was published at; answers `outcome`, or throws when told. */
const createRecordingPublisher = (outcome: PublishOutcome | 'throw' = 'sent') => {
  const sent: Sent[] = [];
  const publisher: NatsPublisher = {
    publish(subject, body) {
      sent.push({ subject, body, at: Date.now() });
      if (outcome === 'throw') throw new Error('the link broke');
      return outcome;
    },
  };
  const on = (subject: string) => sent.filter((m) => m.subject === subject);
  return { publisher, sent, on };
};

const summarySubject = 'hale.web-1.health.summary';
const registeredSubject = 'hale.web-1.service.registered';
const deregisteredSubject = 'hale.web-1.service.deregistered';
const intervalMs = 10_000;

const buildDependency = (name: string): DependencyStatus => ({
  name,
  protocol: 'tcp',
  target: 'tcp 127.0.0.1:5432',
  critical: true,
  state: 'healthy',
  reason: 'checks pass',
  since: snapshotNow,
  lastCheck: null,
  lastHealthyAt: null,
  failureCount: 0,
  recentChecks: [],
});

// The publisher summarises a microtask after a change; this one is queued after it.
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

const registrations = (messages: Sent[]) =>
  messages.map((m) => m.body as RegistrationMessage).map((b) => `${b.type}:${b.service} (${b.reason})`);

describe('startHealthPublisher', () => {
  let backend: RecordingBackend;
  let health: HealthPublisher | null = null;

  const transition = (plugin: string, from: PluginState, to: PluginState, restartCount = 0) => {
    backend.current = {
      ...backend.current,
      plugins: backend.current.plugins.map((p) => (p.name === plugin ? { ...p, state: to, restartCount } : p)),
    };
    backend.bus.publish({
      type: 'transition',
      plugin,
      from,
      to,
      reason: `${from} to ${to}`,
      at: Date.now(),
      restarts: restartCount,
      restartCount,
    });
  };

  const start = (recording: ReturnType<typeof createRecordingPublisher>, options: Partial<HealthPublisherOptions> = {}) => {
    health = startHealthPublisher({
      source: { events: backend.bus, snapshot: backend.snapshot },
      publisher: recording.publisher,
      hubId: 'web-1',
      prefix: 'hale',
      summaryIntervalMs: intervalMs,
      ...options,
    });
    return health;
  };

  const supervisorStarted = () =>
    backend.bus.publish({ type: 'supervisor', phase: 'started', reason: 'supervisor started', at: Date.now() });

  beforeEach(() => {
    vi.useFakeTimers({ now: snapshotNow });
    backend = createRecordingBackend(
      buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('billing.v2', { critical: false })], {
        dependencies: [buildDependency('postgres')],
      }),
    );
  });

  afterEach(() => {
    health?.stop();
    health = null;
    vi.useRealTimers();
  });

  it('registers every plugin and dependency when supervision starts, then summarises at once and every interval', async () => {
    const recording = createRecordingPublisher();
    start(recording);
    await settle();
    expect(recording.sent).toEqual([]);
    supervisorStarted();
    expect(registrations(recording.on(registeredSubject))).toEqual([
      'plugin:greeter (supervisor started)',
      'plugin:billing.v2 (supervisor started)',
      'check:postgres (supervisor started)',
    ]);
    await settle();
    expect(recording.on(summarySubject).map((m) => m.at)).toEqual([snapshotNow]);
    vi.advanceTimersByTime(intervalMs - 1);
    expect(recording.on(summarySubject)).toHaveLength(1);
    vi.advanceTimersByTime(1 + intervalMs);
    expect(recording.on(summarySubject).map((m) => m.at - snapshotNow)).toEqual([0, intervalMs, 2 * intervalMs]);
    const summary = recording.on(summarySubject)[2]?.body as HealthSummary;
    expect(summary).toMatchObject({
      hub_id: 'web-1',
      overall_status: 'healthy',
      interval_seconds: 10,
      checks: [{ name: 'postgres', type: 'check' }],
    });
    expect(summary.services.map((s) => s.name)).toEqual(['greeter', 'billing.v2']);
  });

  it('registers at once when told supervision started before it, and not twice when the event comes too', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    expect(recording.on(registeredSubject)).toHaveLength(3);
    supervisorStarted();
    await settle();
    expect(recording.on(registeredSubject)).toHaveLength(3);
    expect(recording.on(summarySubject)).toHaveLength(1);
  });

  it("publishes each transition on the plugin's own subject, a dotted name made one token, with its criticality", async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(1_000);
    transition('billing.v2', 'healthy', 'restarting', 2);
    expect(recording.on('hale.web-1.health.billing_v2').map((m) => m.body as TransitionMessage)).toEqual([
      {
        hub_id: 'web-1',
        timestamp: '2024-01-15T10:30:01.000Z',
        service: 'billing.v2',
        type: 'plugin',
        from: 'healthy',
        to: 'restarting',
        status: 'down',
        reason: 'healthy to restarting',
        restart_count: 2,
        critical: false,
      },
    ]);
    // A source with plugin() is asked for that one plugin rather than for a snapshot.
    const asked: string[] = [];
    health?.stop();
    const second = createRecordingPublisher();
    start(second, {
      source: {
        events: backend.bus,
        snapshot: backend.snapshot,
        plugin: (name) => (asked.push(name), backend.current.plugins.find((p) => p.name === name)),
      },
    });
    transition('greeter', 'healthy', 'degraded');
    expect(asked).toEqual(['greeter']);
    expect(second.on('hale.web-1.health.greeter')[0]?.body).toMatchObject({ critical: true, status: 'degraded' });
  });

  it('coalesces a burst of 50 transitions into one summary of the final state', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(1_000);
    for (let i = 0; i < 50; i += 1) transition('greeter', i % 2 === 0 ? 'healthy' : 'unhealthy', i % 2 === 0 ? 'unhealthy' : 'healthy', i);
    transition('billing.v2', 'healthy', 'failed');
    await settle();
    expect(recording.on('hale.web-1.health.greeter')).toHaveLength(50);
    const summaries = recording.on(summarySubject);
    expect(summaries).toHaveLength(2);
    expect(summaries[1]?.at).toBe(snapshotNow + 1_000);
    const last = summaries[1]?.body as HealthSummary;
    expect(last.services.map((s) => [s.name, s.state, s.restart_count])).toEqual([
      ['greeter', 'healthy', 49],
      ['billing.v2', 'failed', 0],
    ]);
    expect(last.overall_status).toBe('degraded');
  });

  it('spreads 50 transitions over 490 ms into three summaries, each change followed by one within 250 ms', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(1_000);
    const changedAt: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      if (i > 0) vi.advanceTimersByTime(10);
      changedAt.push(Date.now());
      transition('greeter', i % 2 === 0 ? 'healthy' : 'degraded', i % 2 === 0 ? 'degraded' : 'healthy', i);
      await settle();
    }
    // The last change was at +490 ms; the trailing summary is due at +500.
    vi.advanceTimersByTime(10);
    const summaryTimes = recording
      .on(summarySubject)
      .map((m) => m.at)
      .slice(1);
    expect(summaryTimes.map((t) => t - snapshotNow - 1_000)).toEqual([0, 250, 500]);
    for (const at of changedAt) expect(summaryTimes.some((t) => t >= at && t - at <= 250)).toBe(true);
    expect((recording.on(summarySubject).at(-1)?.body as HealthSummary).services[0]).toMatchObject({ state: 'healthy', restart_count: 49 });
    // And nothing more until the heartbeat, an interval after the last one.
    vi.advanceTimersByTime(intervalMs - 1);
    expect(recording.on(summarySubject)).toHaveLength(4);
    vi.advanceTimersByTime(1);
    expect(recording.on(summarySubject)).toHaveLength(5);
  });

  it('summarises after a dependency changes, and not for events that change nothing', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(1_000);
    backend.bus.publish({
      type: 'check',
      plugin: 'greeter',
      generation: 1,
      check: { at: Date.now(), outcome: 'pass', status: 'healthy', latencyMs: 2, message: '' },
    });
    await settle();
    expect(recording.on(summarySubject)).toHaveLength(1);
    backend.current = { ...backend.current, dependencies: [{ ...buildDependency('postgres'), state: 'unhealthy' }] };
    backend.bus.publish({
      type: 'dependencyTransition',
      dependency: 'postgres',
      from: 'healthy',
      to: 'unhealthy',
      reason: 'refused',
      critical: true,
      at: Date.now(),
    });
    await settle();
    expect(recording.on(summarySubject)).toHaveLength(2);
    expect(recording.on(summarySubject)[1]?.body).toMatchObject({
      overall_status: 'unhealthy',
      checks: [{ name: 'postgres', status: 'down' }],
    });
  });

  it('registers what a reload added and deregisters what it removed, plugins and dependencies', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    backend.current = {
      ...backend.current,
      plugins: [buildPluginStatus('greeter'), buildPluginStatus('cache')],
      dependencies: [buildDependency('redis')],
    };
    backend.bus.publish({
      type: 'reloaded',
      added: ['cache'],
      removed: ['billing.v2'],
      changed: [],
      unchanged: ['greeter'],
      ignored: [],
      at: Date.now(),
    });
    expect(registrations(recording.on(registeredSubject)).slice(3)).toEqual([
      'plugin:cache (added to the config)',
      'check:redis (added to the config)',
    ]);
    expect(registrations(recording.on(deregisteredSubject))).toEqual([
      'plugin:billing.v2 (removed from the config)',
      'check:postgres (removed from the config)',
    ]);
    vi.advanceTimersByTime(250);
    expect((recording.on(summarySubject).at(-1)?.body as HealthSummary).services.map((s) => s.name)).toEqual(['greeter', 'cache']);
  });

  it('deregisters everything when supervision stops, then only transitions, and the last summary when asked, plugins stopped', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(1_000);
    backend.bus.publish({ type: 'supervisor', phase: 'stopping', reason: 'SIGTERM', at: Date.now() });
    expect(registrations(recording.on(deregisteredSubject))).toEqual([
      'plugin:greeter (SIGTERM)',
      'plugin:billing.v2 (SIGTERM)',
      'check:postgres (SIGTERM)',
    ]);
    backend.current = { ...backend.current, shuttingDown: true };
    await settle();
    // No summary while the plugins are still stopping: it would say they are up.
    expect(recording.on(summarySubject).map((m) => m.at - snapshotNow)).toEqual([0]);
    transition('greeter', 'healthy', 'stopped');
    vi.advanceTimersByTime(3 * intervalMs);
    expect(recording.on(summarySubject)).toHaveLength(1);
    expect(recording.on('hale.web-1.health.greeter')).toHaveLength(1);
    // What the runtime does once supervisor.stop() has resolved.
    health?.publishSummary();
    const last = recording.on(summarySubject).at(-1)?.body as {
      hale: { shutting_down: boolean };
      services: Array<{ name: string; status: string }>;
    };
    expect(last.hale.shutting_down).toBe(true);
    expect(last.services.find((s) => s.name === 'greeter')?.status).toBe('down');
    backend.bus.publish({ type: 'supervisor', phase: 'stopping', reason: 'again', at: Date.now() });
    await settle();
    expect(recording.on(deregisteredSubject)).toHaveLength(3);
  });

  it('drops a summary still due from a change when supervision stops: none comes while the plugins are stopping', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    vi.advanceTimersByTime(100);
    // Within coalesceMs of the first summary: this change's summary is due at 250 ms.
    transition('greeter', 'healthy', 'degraded');
    await settle();
    backend.bus.publish({ type: 'supervisor', phase: 'stopping', reason: 'SIGTERM', at: Date.now() });
    backend.current = { ...backend.current, shuttingDown: true };
    vi.advanceTimersByTime(3 * intervalMs);
    expect(recording.on(summarySubject).map((m) => m.at - snapshotNow)).toEqual([0]);
    health?.publishSummary();
    expect(recording.on(summarySubject)).toHaveLength(2);
  });

  it('says every summary on the global subject too, the same body, and a custom prefix spells it', async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    transition('greeter', 'healthy', 'degraded');
    vi.advanceTimersByTime(intervalMs);
    const hub = recording.on(summarySubject).map((m) => m.body);
    expect(hub.length).toBeGreaterThanOrEqual(2);
    expect(recording.on('hale.global.health').map((m) => m.body)).toEqual(hub);
    health?.stop();

    const prefixed = createRecordingPublisher();
    start(prefixed, { started: true, prefix: 'acme.hale' });
    await settle();
    expect(prefixed.on('acme.hale.global.health').map((m) => (m.body as HealthSummary).hub_id)).toEqual(['web-1']);
    expect(prefixed.on('hale.global.health')).toEqual([]);
  });

  it("says each dependency's transition on its own subject, dots made '_', and summarises after it", async () => {
    const recording = createRecordingPublisher();
    start(recording, { started: true });
    await settle();
    const before = recording.on(summarySubject).length;
    for (const dependency of ['postgres', 'cache.eu']) {
      backend.bus.publish({
        type: 'dependencyTransition',
        dependency,
        from: 'healthy',
        to: 'unhealthy',
        reason: 'connection refused',
        critical: dependency === 'postgres',
        at: Date.now(),
      });
    }
    await settle();
    expect(recording.on('hale.web-1.health.check.postgres').map((m) => m.body)).toEqual([
      {
        hub_id: 'web-1',
        timestamp: new Date(snapshotNow).toISOString(),
        service: 'postgres',
        type: 'check',
        from: 'healthy',
        to: 'unhealthy',
        status: 'down',
        reason: 'connection refused',
        critical: true,
      },
    ]);
    expect(recording.on('hale.web-1.health.check.cache_eu').map((m) => (m.body as { service: string }).service)).toEqual(['cache.eu']);
    vi.advanceTimersByTime(250);
    expect(recording.on(summarySubject).length).toBeGreaterThan(before);
  });

  it('keeps going when publishing drops, and never throws into the bus when it fails', async () => {
    const dropped = createRecordingPublisher('dropped');
    start(dropped, { started: true });
    await settle();
    expect(() => transition('greeter', 'healthy', 'unhealthy')).not.toThrow();
    vi.advanceTimersByTime(intervalMs);
    expect(dropped.on(summarySubject).length).toBeGreaterThanOrEqual(2);
    health?.stop();

    const errors: unknown[] = [];
    const broken = createRecordingPublisher('throw');
    start(broken, { started: true, onError: (error) => errors.push(error) });
    const heard: string[] = [];
    backend.bus.subscribe((event) => heard.push(event.type));
    expect(() => transition('greeter', 'unhealthy', 'healthy')).not.toThrow();
    await settle();
    vi.advanceTimersByTime(intervalMs);
    expect(heard).toEqual(['transition']);
    expect(broken.on(summarySubject)).toHaveLength(2);
    expect(errors.length).toBe(broken.sent.length);
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it('never lets a source that throws reach the caller of its listener, and recovers once it answers again', async () => {
    let listener: ((event: SupervisorEvent) => void) | null = null;
    let broken = true;
    const errors: unknown[] = [];
    const recording = createRecordingPublisher();
    const source = {
      // A bare listener, not the event bus (which would catch for us): what this publisher throws would reach the test.
      events: { subscribe: (l: (event: SupervisorEvent) => void) => ((listener = l), () => {}) },
      snapshot: () => {
        if (broken) throw new Error('no snapshot');
        return backend.snapshot();
      },
      plugin: () => {
        throw new Error('no plugin');
      },
    };
    start(recording, { source, onError: (error) => errors.push(error) });
    const call = (event: SupervisorEvent) => () => listener?.(event);
    expect(call({ type: 'supervisor', phase: 'started', reason: 'supervisor started', at: Date.now() })).not.toThrow();
    expect(
      call({
        type: 'transition',
        plugin: 'greeter',
        from: 'healthy',
        to: 'unhealthy',
        reason: 'x',
        at: Date.now(),
        restarts: 0,
        restartCount: 0,
      }),
    ).not.toThrow();
    await settle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['no snapshot', 'no plugin', 'no snapshot']);
    broken = false;
    expect(call({ type: 'reloaded', added: [], removed: [], changed: [], unchanged: [], ignored: [], at: Date.now() })).not.toThrow();
    vi.advanceTimersByTime(250);
    // The transition went out without its criticality; the reload registered what the start could not.
    expect(recording.on('hale.web-1.health.greeter').map((m) => m.body)).toEqual([
      expect.not.objectContaining({ critical: expect.anything() }),
    ]);
    expect(registrations(recording.on(registeredSubject))).toEqual([
      'plugin:greeter (added to the config)',
      'plugin:billing.v2 (added to the config)',
      'check:postgres (added to the config)',
    ]);
    expect(recording.on(summarySubject)).toHaveLength(1);
  });

  it('publishes a summary when asked, and nothing at all once stopped', async () => {
    const recording = createRecordingPublisher();
    const publisher = start(recording, { started: true });
    await settle();
    publisher.publishSummary();
    expect(recording.on(summarySubject)).toHaveLength(2);
    publisher.stop();
    const count = recording.sent.length;
    transition('greeter', 'healthy', 'unhealthy');
    publisher.publishSummary();
    vi.advanceTimersByTime(3 * intervalMs);
    await settle();
    expect(recording.sent).toHaveLength(count);
  });
});
