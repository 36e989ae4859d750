import type { CheckOutcome } from '../model/plugin-state.js';
import type { HealthReport, HealthStatus } from '../model/health-report.js';
import type { CheckFailure, CheckRecord } from '../model/check-record.js';
import { keepText } from '../text/bounded-text.js';

/** What one attempt of a check concluded; runProbe adds the time it began and how long it took. */
export interface ProbeVerdict {
  outcome: CheckOutcome;
  /** Set exactly when the outcome is `fail`. */
  failure?: CheckFailure;
  status: HealthStatus;
  message: string;
  /** What a plugin answered to hale's own HealthCheck; the other protocols have none. */
  report?: HealthReport;
}

/** What one check came to: its record, and the plugin's own report when it answered one. */
export interface ProbeResult {
  check: CheckRecord;
  report: HealthReport | null;
}

/** How one attempt runs: its deadline, and a signal that ends it early. */
export interface AttemptOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A passing verdict (healthy unless said otherwise). */
export const passVerdict = (message: string): ProbeVerdict => ({ outcome: 'pass', status: 'healthy', message });

/** A degraded verdict: it answers, and says it is impaired. */
export const degradedVerdict = (message: string): ProbeVerdict => ({ outcome: 'degraded', status: 'degraded', message });

/** A failing verdict; `status` is `unknown` when nothing answered. */
export const failVerdict = (failure: CheckFailure, message: string, status: HealthStatus = 'unknown'): ProbeVerdict => ({
  outcome: 'fail',
  failure,
  status,
  message,
});

/**
 * Text from outside (a body, a command's output) as a check keeps it: a copy of at most `max` UTF-8 bytes,
 * one line, with an ellipsis when something was cut (see keepText).
 *
 * @example
 * cutText('abcd', 3); // 'abc…'
 */
export const cutText = (text: string, max: number): string => keepText(text, max);

/** `host:port`, with an IPv6 host in brackets. */
export const formatHostPort = (host: string, port: number | string): string =>
  host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;

/** The code of a system or network error (ECONNREFUSED, UND_ERR_SOCKET…), also inside an AggregateError or a fetch failure's cause. */
export const readErrorCode = (error: unknown, depth = 0): string | null => {
  if (typeof error !== 'object' || error === null || depth > 3) return null;
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = readErrorCode(inner, depth + 1);
      if (found !== null) return found;
    }
  }
  return readErrorCode(cause, depth + 1);
};

/** An error's message, whatever was thrown. */
export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
