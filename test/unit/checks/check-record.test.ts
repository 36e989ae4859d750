import { describe, expect, test } from 'vitest';
import { judgeServingStatus } from '../../../src/checks/grpc-probe.js';
import { cutText, failVerdict, formatHostPort, passVerdict, readErrorCode } from '../../../src/checks/probe-verdict.js';
import { runProbe, toCheckRecord, withAttemptCount } from '../../../src/checks/run-probe.js';

describe('toCheckRecord', () => {
  test('a pass is a record with its time and latency, and no failure', () => {
    expect(toCheckRecord(passVerdict('fine'), 1_000, 12.34, null)).toEqual({
      at: 1_000,
      outcome: 'pass',
      status: 'healthy',
      latencyMs: 12.34,
      message: 'fine',
    });
  });

  test('a pass slower than degradedLatency is degraded, and says so', () => {
    expect(toCheckRecord(passVerdict('fine'), 1_000, 250.5, 100)).toEqual({
      at: 1_000,
      outcome: 'degraded',
      status: 'healthy',
      latencyMs: 250.5,
      message: 'answered in 250.5 ms, slower than degradedLatency (100 ms)',
    });
  });

  test('a pass within degradedLatency, or with it off, stays a pass', () => {
    expect(toCheckRecord(passVerdict('fine'), 0, 100, 100).outcome).toBe('pass');
    expect(toCheckRecord(passVerdict('fine'), 0, 1e6, null).outcome).toBe('pass');
  });

  test('a slow failure stays a failure, with its failure kind', () => {
    expect(toCheckRecord(failVerdict('http_status', 'HTTP 503', 'unhealthy'), 0, 500, 100)).toEqual({
      at: 0,
      outcome: 'fail',
      failure: 'http_status',
      status: 'unhealthy',
      latencyMs: 500,
      message: 'HTTP 503',
    });
  });
});

describe('withAttemptCount', () => {
  const record = toCheckRecord(failVerdict('unavailable', 'connection refused by 127.0.0.1:1'), 0, 1, null);

  test('one attempt leaves the message alone', () => {
    expect(withAttemptCount(record, 1)).toBe(record);
  });

  test('several attempts are counted in the message', () => {
    expect(withAttemptCount(record, 3).message).toBe('connection refused by 127.0.0.1:1 (3 attempts)');
    expect(withAttemptCount({ ...record, message: '' }, 2).message).toBe('(2 attempts)');
  });
});

describe('judgeServingStatus', () => {
  test('SERVING passes', () => {
    expect(judgeServingStatus('plugin', 'SERVING')).toEqual({ outcome: 'pass', status: 'healthy', message: 'service "plugin" is SERVING' });
    expect(judgeServingStatus('', 'SERVING').message).toBe('the server is SERVING');
  });

  test.each([
    ['NOT_SERVING', 'unhealthy'],
    ['UNKNOWN', 'unknown'],
    ['SERVICE_UNKNOWN', 'unknown'],
  ] as const)('%s fails with not_serving', (serving, status) => {
    expect(judgeServingStatus('plugin', serving)).toEqual({
      outcome: 'fail',
      failure: 'not_serving',
      status,
      message: `service "plugin" is ${serving}`,
    });
  });
});

describe('probe-verdict helpers', () => {
  test('formatHostPort brackets an IPv6 host once', () => {
    expect(formatHostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(formatHostPort('::1', 5432)).toBe('[::1]:5432');
    expect(formatHostPort('[::1]', '8080')).toBe('[::1]:8080');
  });

  test('readErrorCode finds the code on the error, in a cause, or in an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(readErrorCode(refused)).toBe('ECONNREFUSED');
    expect(readErrorCode(new TypeError('fetch failed', { cause: refused }))).toBe('ECONNREFUSED');
    expect(readErrorCode(new AggregateError([new Error('x'), refused]))).toBe('ECONNREFUSED');
    expect(readErrorCode(new Error('plain'))).toBeNull();
    expect(readErrorCode('not an error')).toBeNull();
  });

  test('cutText cuts with an ellipsis only when it must', () => {
    expect(cutText('abc', 3)).toBe('abc');
    expect(cutText('abcd', 3)).toBe('abc…');
  });
});

describe('runProbe without I/O', () => {
  const tcp = { protocol: 'tcp', host: '127.0.0.1', port: 9 } as const;

  test('an aborted signal ends the check before any attempt', async () => {
    const record = await runProbe(tcp, { timeoutMs: 1_000, signal: AbortSignal.abort() });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', status: 'unknown', message: 'check cancelled' });
  });

  test.each([
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs must be a positive number of ms, not 0'],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }, 'timeoutMs must be a positive number of ms, not NaN'],
    ['negative retries', { timeoutMs: 100, retries: -1 }, 'retries must be a whole number ≥ 0, not -1'],
    ['fractional retries', { timeoutMs: 100, retries: 1.5 }, 'retries must be a whole number ≥ 0, not 1.5'],
    ['negative retryDelayMs', { timeoutMs: 100, retryDelayMs: -5 }, 'retryDelayMs must be a number of ms ≥ 0, not -5'],
    ['negative degradedLatency', { timeoutMs: 100, degradedLatency: -1 }, 'degradedLatency must be a number of ms ≥ 0 or null, not -1'],
  ])('bad options (%s) are a failed record that says which, not a throw', async (_what, options, message) => {
    const record = await runProbe(tcp, options);
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', message: `invalid check options: ${message}` });
  });

  test('an unknown protocol is a failed record naming it', async () => {
    const record = await runProbe({ protocol: 'smtp' } as unknown as typeof tcp, { timeoutMs: 100 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', message: 'unknown check protocol "smtp"' });
  });
});
