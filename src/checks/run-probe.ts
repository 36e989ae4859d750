import { performance } from 'node:perf_hooks';
import pRetry, { AbortError } from 'p-retry';
import type { CheckRecord } from '../model/check-record.js';
import { settleUnlessAborted, settleWithin } from '../util/settle.js';
import { runExecProbe } from './exec-probe.js';
import { runGrpcProbe } from './grpc-probe.js';
import { runHttpProbe } from './http-probe.js';
import { judgeLatency } from './judge-latency.js';
import { runPluginProbe } from './plugin-probe.js';
import type { ProbeOptions, ProbeSpec } from './probe-spec.js';
import { describeError, failVerdict, type AttemptOptions, type ProbeResult, type ProbeVerdict } from './probe-verdict.js';
import { runTcpProbe } from './tcp-probe.js';

// Each protocol keeps its own deadline; an attempt still running this long after it (a command's
// grandchild holding the output pipe open) ends as a deadline all the same.
const stuckGraceMs = 1_000;

const cancelledMessage = 'check cancelled';

/** A failed attempt, thrown so that p-retry tries again; runProbe returns its result. */
class FailedAttempt extends Error {
  constructor(readonly result: ProbeResult) {
    super(result.check.message);
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
export const runProbe = async (spec: ProbeSpec, options: ProbeOptions): Promise<CheckRecord> =>
  (await runProbeWithReport(spec, options)).check;

/**
 * runProbe, with the report of the last attempt that had one: what a plugin
 * answered to hale's own HealthCheck (null for the other protocols, and when
 * nothing answered).
 *
 * @example
 * const { check, report } = await runProbeWithReport({ protocol: 'plugin', client }, { timeoutMs: 1_000, retries: 1 });
 * report?.components; // the plugin's own words on its parts
 */
export const runProbeWithReport = async (spec: ProbeSpec, options: ProbeOptions): Promise<ProbeResult> => {
  const { signal } = options;
  let attempts = 0;
  let attemptAt = Date.now();
  let attemptStarted = performance.now();
  const endWith = (verdict: ProbeVerdict): ProbeResult => ({
    check: toCheckRecord(verdict, attemptAt, since(attemptStarted), null),
    report: null,
  });
  // A function, not a narrowed property: the signal can abort across every await below.
  const aborted = (): boolean => signal?.aborted === true;
  const invalid = findInvalidOption(options);
  if (invalid !== null) return endWith(failVerdict('unavailable', invalid));
  if (aborted()) return endWith(failVerdict('unavailable', cancelledMessage));
  const degradedLatency = options.degradedLatency ?? null;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const counted = (result: ProbeResult): ProbeResult => ({ ...result, check: withAttemptCount(result.check, attempts) });
  const attempt = async (): Promise<ProbeResult | 'cancelled'> => {
    attempts += 1;
    attemptAt = Date.now();
    attemptStarted = performance.now();
    const verdict = await runAttempt(spec, { timeoutMs: options.timeoutMs, ...(signal === undefined ? {} : { signal }) });
    if (verdict === 'cancelled' || aborted()) return 'cancelled';
    return { check: toCheckRecord(verdict, attemptAt, since(attemptStarted), degradedLatency), report: verdict.report ?? null };
  };
  try {
    // Without retries, one attempt: p-retry would cost more than most checks (measured ~60 µs a call).
    if ((options.retries ?? 0) === 0) {
      const result = await attempt();
      return result === 'cancelled' ? endWith(failVerdict('unavailable', cancelledMessage)) : result;
    }
    const result = await pRetry(
      async () => {
        const answered = await attempt();
        if (answered === 'cancelled') throw new AbortError(cancelledMessage);
        if (answered.check.outcome === 'fail') throw new FailedAttempt(answered);
        return answered;
      },
      {
        retries: options.retries ?? 0,
        factor: 1,
        minTimeout: retryDelayMs,
        maxTimeout: retryDelayMs,
        ...(signal === undefined ? {} : { signal }),
      },
    );
    return counted(result);
  } catch (error) {
    if (aborted()) return endWith(failVerdict('unavailable', cancelledMessage));
    if (error instanceof FailedAttempt) return counted(error.result);
    return endWith(failVerdict('unavailable', `the check could not run: ${describeError(error)}`));
  }
};

/** A verdict as a check record; a pass slower than `degradedLatency` turns degraded (see judgeLatency). */
export const toCheckRecord = (verdict: ProbeVerdict, at: number, latencyMs: number, degradedLatency: number | null): CheckRecord => {
  const record: CheckRecord = { at, outcome: verdict.outcome, status: verdict.status, latencyMs, message: verdict.message };
  if (verdict.outcome === 'fail') record.failure = verdict.failure ?? 'unavailable';
  return judgeLatency(record, latencyMs, degradedLatency);
};

/** The record with the number of attempts in its message, when there was more than one. */
export const withAttemptCount = (record: CheckRecord, attempts: number): CheckRecord =>
  attempts > 1 ? { ...record, message: `${record.message} (${attempts} attempts)`.trimStart() } : record;

const since = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

const findInvalidOption = (options: ProbeOptions): string | null => {
  const { timeoutMs, retries = 0, retryDelayMs = 100, degradedLatency = null } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    return `invalid check options: timeoutMs must be a positive number of ms, not ${timeoutMs}`;
  if (!(Number.isInteger(retries) && retries >= 0)) return `invalid check options: retries must be a whole number ≥ 0, not ${retries}`;
  if (!(Number.isFinite(retryDelayMs) && retryDelayMs >= 0))
    return `invalid check options: retryDelayMs must be a number of ms ≥ 0, not ${retryDelayMs}`;
  if (degradedLatency !== null && !(Number.isFinite(degradedLatency) && degradedLatency >= 0)) {
    return `invalid check options: degradedLatency must be a number of ms ≥ 0 or null, not ${degradedLatency}`;
  }
  return null;
};

const probeOnce = (spec: ProbeSpec, attempt: AttemptOptions): Promise<ProbeVerdict> => {
  switch (spec.protocol) {
    case 'plugin':
      return runPluginProbe(spec, attempt);
    case 'grpc':
      return runGrpcProbe(spec, attempt);
    case 'http':
      return runHttpProbe(spec, attempt);
    case 'tcp':
      return runTcpProbe(spec, attempt);
    case 'exec':
      return runExecProbe(spec, attempt);
    default:
      return Promise.resolve(
        failVerdict('unavailable', `unknown check protocol ${JSON.stringify((spec as { protocol?: unknown }).protocol)}`),
      );
  }
};

/** One attempt, ended at once by the signal, and by a guard should the protocol's own deadline not end it. */
const runAttempt = (spec: ProbeSpec, attempt: AttemptOptions): Promise<ProbeVerdict | 'cancelled'> => {
  const { signal, timeoutMs } = attempt;
  const answered = probeOnce(spec, attempt).catch((error: unknown) =>
    failVerdict('unavailable', `the check could not run: ${describeError(error)}`),
  );
  const guarded = settleWithin(answered, timeoutMs + stuckGraceMs, failVerdict('deadline', `no answer within ${timeoutMs} ms`));
  return signal === undefined ? guarded : settleUnlessAborted(guarded, signal, () => 'cancelled' as const);
};
