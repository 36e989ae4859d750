import { describe, expect, it } from 'vitest';
import { pluginStates } from '../../../src/model/plugin-state.js';
import {
  buildFederationSubject,
  buildGlobalSummarySubject,
  collidesWithSummary,
  findSubjectClashes,
  hubSubjects,
  parseSummaryHub,
  reservedHubIds,
  toSubjectToken,
} from '../../../src/model/nats-subjects.js';
import { buildRegistrationMessage, buildSummary, buildTransitionMessage, toServiceStatus } from '../../../src/nats/summary.js';
import type { DependencyStatus, LinkStatus } from '../../../src/model/status.js';
import { buildPluginStatus, buildSnapshot, snapshotNow } from '../../helpers/status-builder.js';

const buildDependency = (name: string, overrides: Partial<DependencyStatus> = {}): DependencyStatus => ({
  name,
  protocol: 'tcp',
  target: 'tcp 127.0.0.1:5432',
  critical: false,
  state: 'healthy',
  reason: 'checks pass',
  since: snapshotNow - 30_000,
  lastCheck: { at: snapshotNow - 2_000, outcome: 'pass', status: 'healthy', latencyMs: 3, message: '' },
  lastHealthyAt: snapshotNow - 2_000,
  failureCount: 0,
  recentChecks: [],
  ...overrides,
});

const natsLink = (state: LinkStatus['state']): LinkStatus => ({
  name: 'nats',
  kind: 'nats',
  state,
  critical: false,
  target: 'nats://127.0.0.1:4222',
  reason: state === 'healthy' ? 'connected' : 'reconnecting',
  since: snapshotNow,
  stats: {},
});

describe('subjects', () => {
  it("names a hub's subjects, a dotted plugin name made one token", () => {
    const subjects = hubSubjects('hale', 'web-1');
    expect(subjects.health('billing.v2.eu')).toBe('hale.web-1.health.billing_v2_eu');
    expect(subjects.health('greeter')).toBe('hale.web-1.health.greeter');
    expect(subjects.summary).toBe('hale.web-1.health.summary');
    expect(subjects.healthWildcard).toBe('hale.web-1.health.>');
    expect(subjects.registered).toBe('hale.web-1.service.registered');
    expect(subjects.deregistered).toBe('hale.web-1.service.deregistered');
    expect(hubSubjects('acme.hale', 'db-2').health('a.b')).toBe('acme.hale.db-2.health.a_b');
    expect(toSubjectToken('no-dots_here')).toBe('no-dots_here');
  });

  it("names each dependency's subject under the hub's health, and the one broadcast subject of every hub", () => {
    const subjects = hubSubjects('acme.hale', 'web-1');
    expect(subjects.dependency('postgres')).toBe('acme.hale.web-1.health.check.postgres');
    expect(subjects.dependency('db.main.eu')).toBe('acme.hale.web-1.health.check.db_main_eu');
    // Beside the plugins' subjects, never one of them: a plugin's name is one token, a dependency's two.
    expect(subjects.dependency('greeter')).not.toBe(subjects.health('check.greeter'));
    expect(subjects.globalSummary).toBe('acme.hale.global.health');
    expect(hubSubjects('hale', 'other').globalSummary).toBe(buildGlobalSummarySubject('hale'));
    // Federation's wildcard does not take the broadcast for a hub's summary, and no hub may be called "global".
    expect(parseSummaryHub('hale', buildGlobalSummarySubject('hale'))).toBeNull();
    expect(reservedHubIds).toEqual(['global']);
  });

  it('gives federation the wildcard over every hub, and reads the hub back from a summary subject', () => {
    expect(buildFederationSubject('hale')).toBe('hale.*.health.summary');
    expect(buildFederationSubject('acme.hale')).toBe('acme.hale.*.health.summary');
    expect(parseSummaryHub('acme.hale', 'acme.hale.db-2.health.summary')).toBe('db-2');
    expect(parseSummaryHub('hale', 'hale.web-1.health.greeter')).toBeNull();
    expect(parseSummaryHub('hale', 'other.web-1.health.summary')).toBeNull();
    expect(parseSummaryHub('hale', 'hale.a.b.health.summary')).toBeNull();
    expect(parseSummaryHub('hale', 'hale..health.summary')).toBeNull();
  });

  it('tells a plugin that would publish on the summary subject, and names that share a subject', () => {
    expect(collidesWithSummary('summary')).toBe(true);
    expect(hubSubjects('hale', 'h').health('summary')).toBe(hubSubjects('hale', 'h').summary);
    for (const name of ['summary.v2', 'summary_', 'summaries', 'greeter', 'a.summary']) expect(collidesWithSummary(name)).toBe(false);
    expect(findSubjectClashes(['a.b', 'greeter', 'a_b', 'x.y.z', 'x_y.z', 'x.y_z'])).toEqual([
      ['a.b', 'a_b'],
      ['x.y.z', 'x_y.z', 'x.y_z'],
    ]);
    expect(findSubjectClashes(['a.b', 'a-b', 'summary'])).toEqual([]);
  });
});

describe('buildSummary', () => {
  it('has the README summary shape for a healthy, a degraded and a restarting plugin and an unhealthy dependency', () => {
    const snapshot = buildSnapshot(
      [
        buildPluginStatus('greeter'),
        buildPluginStatus('billing.v2', {
          state: 'degraded',
          critical: false,
          info: { name: 'billing', version: '2.1.0', description: '' },
          lastCheck: { at: snapshotNow - 1_000, outcome: 'degraded', status: 'degraded', latencyMs: 41, message: 'slow' },
          startedAt: snapshotNow - 2_500,
          restartCount: 1,
        }),
        buildPluginStatus('flaky', {
          state: 'restarting',
          critical: false,
          pid: null,
          startedAt: null,
          info: null,
          lastCheck: null,
          restartCount: 3,
        }),
      ],
      {
        dependencies: [
          buildDependency('postgres', {
            state: 'unhealthy',
            lastCheck: { at: snapshotNow - 500, outcome: 'fail', status: 'unknown', latencyMs: 7, message: 'refused' },
          }),
        ],
      },
    );
    expect(buildSummary(snapshot, 'web-1', 10_000)).toEqual({
      hub_id: 'web-1',
      timestamp: '2024-01-15T10:30:00.000Z',
      overall_status: 'degraded',
      services: [
        {
          name: 'greeter',
          type: 'plugin',
          status: 'up',
          state: 'healthy',
          critical: true,
          latency_ms: 15,
          version: '1.0.0',
          uptime_seconds: 90,
          restart_count: 0,
          ready: true,
        },
        {
          name: 'billing.v2',
          type: 'plugin',
          status: 'degraded',
          state: 'degraded',
          critical: false,
          latency_ms: 41,
          version: '2.1.0',
          uptime_seconds: 2.5,
          restart_count: 1,
          ready: true,
        },
        {
          name: 'flaky',
          type: 'plugin',
          status: 'down',
          state: 'restarting',
          critical: false,
          latency_ms: null,
          version: '',
          uptime_seconds: null,
          restart_count: 3,
          ready: false,
        },
      ],
      checks: [
        {
          name: 'postgres',
          type: 'check',
          status: 'down',
          state: 'unhealthy',
          critical: false,
          latency_ms: 7,
          version: '',
          uptime_seconds: null,
          restart_count: 0,
          ready: false,
        },
      ],
      hale: { version: '0.1.0-test', pid: 999, uptime_seconds: 120, shutting_down: false },
      interval_seconds: 10,
    });
  });

  it('is unhealthy when a critical plugin or a critical dependency is down, healthy when all are up', () => {
    const up = [buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })];
    expect(buildSummary(buildSnapshot(up, { dependencies: [buildDependency('db')] }), 'h', 1_000).overall_status).toBe('healthy');
    expect(buildSummary(buildSnapshot([]), 'h', 1_000)).toMatchObject({
      overall_status: 'healthy',
      services: [],
      checks: [],
      interval_seconds: 1,
    });
    const failed = [buildPluginStatus('greeter', { state: 'failed', pid: null }), buildPluginStatus('flaky', { critical: false })];
    expect(buildSummary(buildSnapshot(failed), 'h', 1_000).overall_status).toBe('unhealthy');
    const criticalDb = buildSnapshot(up, { dependencies: [buildDependency('db', { critical: true, state: 'unhealthy' })] });
    expect(buildSummary(criticalDb, 'h', 1_000).overall_status).toBe('unhealthy');
    expect(buildSummary(criticalDb, 'h', 1_000).checks[0]).toMatchObject({ name: 'db', status: 'down', critical: true });
  });

  it("counts hale's own NATS link in the verdict: down, it degrades; up, it changes nothing", () => {
    const up = [buildPluginStatus('greeter')];
    expect(buildSummary(buildSnapshot(up, { links: [natsLink('degraded')] }), 'h', 1_000).overall_status).toBe('degraded');
    expect(buildSummary(buildSnapshot(up, { links: [natsLink('healthy')] }), 'h', 1_000).overall_status).toBe('healthy');
  });

  it('says up, degraded or down for every plugin state', () => {
    const said = Object.fromEntries(pluginStates.map((state) => [state, toServiceStatus(state)]));
    expect(said).toEqual({
      unknown: 'down',
      healthy: 'up',
      degraded: 'degraded',
      unhealthy: 'down',
      restarting: 'down',
      failed: 'down',
      stopped: 'down',
    });
  });
});

describe('buildTransitionMessage and buildRegistrationMessage', () => {
  const event = {
    type: 'transition' as const,
    plugin: 'billing.v2',
    from: 'healthy' as const,
    to: 'restarting' as const,
    reason: 'process exited with code 1',
    at: snapshotNow,
    restarts: 1,
    restartCount: 4,
  };

  it('carries the real name, both states, the status of the new one, and critical when known', () => {
    expect(buildTransitionMessage(event, 'web-1', true)).toEqual({
      hub_id: 'web-1',
      timestamp: '2024-01-15T10:30:00.000Z',
      service: 'billing.v2',
      type: 'plugin',
      from: 'healthy',
      to: 'restarting',
      status: 'down',
      reason: 'process exited with code 1',
      restart_count: 4,
      critical: true,
    });
    expect(buildTransitionMessage(event, 'web-1')).not.toHaveProperty('critical');
  });

  it('registers a service by name and type', () => {
    expect(
      buildRegistrationMessage({ hubId: 'web-1', service: 'postgres', type: 'check', reason: 'supervisor started', at: snapshotNow }),
    ).toEqual({
      hub_id: 'web-1',
      timestamp: '2024-01-15T10:30:00.000Z',
      service: 'postgres',
      type: 'check',
      reason: 'supervisor started',
    });
  });
});
