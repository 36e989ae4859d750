import { performance } from 'node:perf_hooks';
import pRetry, { AbortError } from 'p-retry';
import type { CheckRecord } from '../supervisor/status.js';
import { runExecProbe } from './exec-probe.js';
import { runGrpcProbe } from './grpc-probe.js';
import { runHttpProbe } from './http-probe.js';
import type { ProbeOptions, ProbeSpec } from './probe-spec.js';
import { describeError, failVerdict, type AttemptOptions, type ProbeVerdict } from './probe-verdict.js';
import { runTcpProbe } from './tcp-probe.js';

// Each protocol keeps its own deadline; an attempt still running this long after it (a command's
// grandchild holding the output pipe open) ends as a deadline all the same.
const stuckGraceMs = 1_000;

const cancelledMessage = 'check cancelled';

/** A failed attempt, thrown so that p-retry tries again; runProbe returns its record. */
class FailedAttempt extends Error {
  constructor(readonly record: CheckRecord) {
    super(record.message);
  }
}

/**
 * Runs one check of any protocol: one attempt under `timeoutMs`, and after a
 * failed one up to `retries` more, `retryDelayMs` apart. The answer is the
 * last attempt's record (its message counts the attempts when there were
 * several); a passing answer slower than `degradedLatency` is degraded. An
 * aborted `signal` ends it at once as `check cancelled`. Never rejects.
 *
 * @example
 * const check = await runProbe({ protocol: 'tcp', host: '127.0.0.1', port: 5432 }, { timeoutMs: 500, retries: 2 });
 * check.outcome; // 'fail'
 * check.message; // 'connection refused by 127.0.0.1:5432 (3 attempts)'
 */
export const runProbe = async (spec: ProbeSpec, options: ProbeOptions): Promise<CheckRecord> => {
  const { signal } = options;
  let attempts = 0;
  let attemptAt = Date.now();
  let attemptStarted = performance.now();
  const endWith = (verdict: ProbeVerdict): CheckRecord => toCheckRecord(verdict, attemptAt, since(attemptStarted), null);
  // A function, not a narrowed property: the signal can abort across every await below.
  const aborted = (): boolean => signal?.aborted === true;
  const invalid = findInvalidOption(options);
  if (invalid !== null) return endWith(failVerdict('unavailable', invalid));
  if (aborted()) return endWith(failVerdict('unavailable', cancelledMessage));
  const degradedLatency = options.degradedLatency ?? null;
  const retryDelayMs = options.retryDelayMs ?? 100;
  try {
    const record = await pRetry(
      async () => {
        attempts += 1;
        attemptAt = Date.now();
        attemptStarted = performance.now();
        const verdict = await runAttempt(spec, { timeoutMs: options.timeoutMs, ...(signal === undefined ? {} : { signal }) });
        if (verdict === 'cancelled' || aborted()) throw new AbortError(cancelledMessage);
        const record = toCheckRecord(verdict, attemptAt, since(attemptStarted), degradedLatency);
        if (record.outcome === 'fail') throw new FailedAttempt(record);
        return record;
      },
      { retries: options.retries ?? 0, factor: 1, minTimeout: retryDelayMs, maxTimeout: retryDelayMs, ...(signal === undefined ? {} : { signal }) },
    );
    return withAttemptCount(record, attempts);
  } catch (error) {
    if (aborted()) return endWith(failVerdict('unavailable', cancelledMessage));
    if (error instanceof FailedAttempt) return withAttemptCount(error.record, attempts);
    return endWith(failVerdict('unavailable', `the check could not run: ${describeError(error)}`));
  }
};

/** A verdict as a check record; a pass slower than `degradedLatency` turns degraded. */
export const toCheckRecord = (verdict: ProbeVerdict, at: number, latencyMs: number, degradedLatency: number | null): CheckRecord => {
  const record: CheckRecord = { at, outcome: verdict.outcome, status: verdict.status, latencyMs, message: verdict.message };
  if (verdict.outcome === 'fail') record.failure = verdict.failure ?? 'unavailable';
  if (verdict.outcome === 'pass' && degradedLatency !== null && latencyMs > degradedLatency) {
    record.outcome = 'degraded';
    record.message = `answered in ${latencyMs} ms, slower than degradedLatency (${degradedLatency} ms)`;
  }
  return record;
};

/** The record with the number of attempts in its message, when there was more than one. */
export const withAttemptCount = (record: CheckRecord, attempts: number): CheckRecord =>
  attempts > 1 ? { ...record, message: `${record.message} (${attempts} attempts)`.trimStart() } : record;

const since = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

const findInvalidOption = (options: ProbeOptions): string | null => {
  const { timeoutMs, retries = 0, retryDelayMs = 100, degradedLatency = null } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) return `invalid check options: timeoutMs must be a positive number of ms, not ${timeoutMs}`;
  if (!(Number.isInteger(retries) && retries >= 0)) return `invalid check options: retries must be a whole number ≥ 0, not ${retries}`;
  if (!(Number.isFinite(retryDelayMs) && retryDelayMs >= 0)) return `invalid check options: retryDelayMs must be a number of ms ≥ 0, not ${retryDelayMs}`;
  if (degradedLatency !== null && !(Number.isFinite(degradedLatency) && degradedLatency >= 0)) {
    return `invalid check options: degradedLatency must be a number of ms ≥ 0 or null, not ${degradedLatency}`;
  }
  return null;
};

const probeOnce = (spec: ProbeSpec, attempt: AttemptOptions): Promise<ProbeVerdict> => {
  switch (spec.protocol) {
    case 'grpc':
      return runGrpcProbe(spec, attempt);
    case 'http':
      return runHttpProbe(spec, attempt);
    case 'tcp':
      return runTcpProbe(spec, attempt);
    case 'exec':
      return runExecProbe(spec, attempt);
    default:
      return Promise.resolve(failVerdict('unavailable', `unknown check protocol ${JSON.stringify((spec as { protocol?: unknown }).protocol)}`));
  }
};

/** One attempt, ended at once by the signal, and by a guard should the protocol's own deadline not end it. */
const runAttempt = async (spec: ProbeSpec, attempt: AttemptOptions): Promise<ProbeVerdict | 'cancelled'> => {
  const { signal, timeoutMs } = attempt;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const answered = probeOnce(spec, attempt).catch((error: unknown) =>
    failVerdict('unavailable', `the check could not run: ${describeError(error)}`),
  );
  const stuck = new Promise<ProbeVerdict>((resolve) => {
    timer = setTimeout(() => resolve(failVerdict('deadline', `no answer within ${timeoutMs} ms`)), timeoutMs + stuckGraceMs);
  });
  const aborted = new Promise<'cancelled'>((resolve) => {
    if (signal === undefined) return;
    onAbort = () => resolve('cancelled');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([answered, stuck, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
};
