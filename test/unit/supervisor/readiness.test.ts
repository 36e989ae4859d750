import { describe, expect, test } from 'vitest';
import { readiness, snapshotStatus, startupReason } from '../../../src/supervisor/overall.js';
import { servingStatuses } from '../../../src/supervisor/serving-status.js';

const up = { name: 'a', state: 'healthy' as const, critical: true };
const slow = { name: 'b', state: 'unknown' as const, critical: false };

describe('readiness during start-up', () => {
  test('no plugin listed yet while starting: not ready, with how far start-up is', () => {
    expect(readiness({ shuttingDown: false, startup: { tried: 0, total: 5 }, plugins: [] })).toEqual({
      ready: false,
      reason: 'starting: 0 of 5 plugins have had their first start tried',
      notReady: [],
      checksNotReady: [],
    });
  });

  test('every critical plugin serves, a non-critical one not tried yet: still not ready', () => {
    const verdict = readiness({ shuttingDown: false, startup: { tried: 1, total: 2 }, plugins: [up, slow] });
    expect(verdict.ready).toBe(false);
    expect(verdict.reason).toBe('starting: 1 of 2 plugins have had their first start tried');
  });

  test('start-up done (null) or not reported (absent): the critical plugins decide', () => {
    expect(readiness({ shuttingDown: false, startup: null, plugins: [up, slow] }).ready).toBe(true);
    expect(readiness({ shuttingDown: false, plugins: [up, slow] }).ready).toBe(true);
    expect(readiness({ shuttingDown: false, startup: null, plugins: [{ ...up, state: 'unknown' }] }).ready).toBe(false);
  });

  test('both reasons when start-up is under way and a critical plugin is down', () => {
    const verdict = readiness({ shuttingDown: false, startup: { tried: 1, total: 2 }, plugins: [{ ...up, state: 'unhealthy' }, slow] });
    expect(verdict.reason).toBe('starting: 1 of 2 plugins have had their first start tried; critical plugins not serving: a (unhealthy)');
  });

  test('shutting down wins over start-up', () => {
    expect(readiness({ shuttingDown: true, startup: { tried: 0, total: 1 }, plugins: [] }).reason).toBe('the supervisor is shutting down');
  });

  test('startupReason says nothing once done', () => {
    expect(startupReason(null)).toBeNull();
    expect(startupReason(undefined)).toBeNull();
    expect(startupReason({ tried: 3, total: 4 })).toBe('starting: 3 of 4 plugins have had their first start tried');
  });
});

describe('the verdict during start-up', () => {
  test('unhealthy while the plugins are not all listed yet, however empty the list looks', () => {
    expect(snapshotStatus({ plugins: [], dependencies: [], startup: { tried: 0, total: 2 } })).toBe('unhealthy');
    expect(snapshotStatus({ plugins: [], dependencies: [] })).toBe('healthy');
  });

  test('once listed, the usual rules: a non-critical plugin still starting degrades', () => {
    expect(snapshotStatus({ plugins: [up, slow], dependencies: [], startup: { tried: 1, total: 2 } })).toBe('degraded');
  });

  test('gRPC health "" is NOT_SERVING until start-up is done', () => {
    expect(servingStatuses({ shuttingDown: false, startup: { tried: 1, total: 2 }, plugins: [up, slow] }).get('')).toBe('NOT_SERVING');
    expect(servingStatuses({ shuttingDown: false, startup: null, plugins: [up, slow] }).get('')).toBe('SERVING');
  });
});
