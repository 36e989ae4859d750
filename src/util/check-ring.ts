import type { CheckFailure, CheckRecord } from '../model/check-record.js';
import type { HealthStatus } from '../model/health-report.js';
import type { CheckOutcome } from '../model/plugin-state.js';

/** The newest checks of one plugin, held in columns rather than as one object each. */
export interface CheckRing {
  push(check: CheckRecord): void;
  /** The last `count` checks, oldest first, as new objects. */
  last(count: number): CheckRecord[];
  readonly size: number;
  /** The slots it holds now: it starts small and doubles up to its bound. */
  readonly slots: number;
}

// A field added to CheckRecord must be stored here too: this fails to compile until it is.
type StoredKeys = 'at' | 'outcome' | 'failure' | 'status' | 'latencyMs' | 'message';
const everyFieldStored: Exclude<keyof CheckRecord, StoredKeys> extends never ? true : never = true;
void everyFieldStored;

// Each a Record over its whole union, so a value added to one fails to compile until it has a code.
const outcomeCodes: Readonly<Record<CheckOutcome, number>> = { pass: 0, degraded: 1, fail: 2 };
const statusCodes: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2, unknown: 3 };
const failureCodes: Readonly<Record<CheckFailure, number>> = {
  deadline: 1,
  unavailable: 2,
  rpc_error: 3,
  unhealthy: 4,
  critical_component: 5,
  not_serving: 6,
  http_status: 7,
  exit_code: 8,
  bad_answer: 9,
};
const byCode = <K extends string>(codes: Readonly<Record<K, number>>): K[] => {
  const names: K[] = [];
  for (const name of Object.keys(codes) as K[]) names[codes[name]] = name;
  return names;
};
const outcomes = byCode(outcomeCodes);
const statuses = byCode(statusCodes);
const failures = byCode(failureCodes);

/** The slots a ring starts with; a plugin checked every second fills its 100 within two minutes. */
const firstSlots = 16;

/**
 * A bounded ring of a plugin's newest checks, oldest dropped first. Each
 * check is kept as numbers and one message string (a message equal to the
 * one before shares its text), not as the object it came in: at hundreds
 * of plugins checked each second, a hundred objects per plugin would each
 * live long enough to reach the old generation.
 *
 * @example
 * const ring = createCheckRing(100);
 * ring.push({ at: Date.now(), outcome: 'pass', status: 'healthy', latencyMs: 1.2, message: '' });
 * ring.last(1)[0]?.status; // 'healthy'
 */
export const createCheckRing = (maxChecks: number): CheckRing => {
  const capacity = Math.max(1, Math.floor(maxChecks));
  let slots = Math.min(capacity, firstSlots);
  let at = new Float64Array(slots);
  let latency = new Float64Array(slots);
  // outcome, status and failure (0 for none) of slot i at 3i, 3i+1, 3i+2.
  let codes = new Uint8Array(slots * 3);
  let messages: string[] = new Array<string>(slots).fill('');
  let first = 0;
  let size = 0;
  let lastMessage = '';

  const grow = (): void => {
    const next = Math.min(capacity, slots * 2);
    const nextAt = new Float64Array(next);
    const nextLatency = new Float64Array(next);
    const nextCodes = new Uint8Array(next * 3);
    const nextMessages = new Array<string>(next).fill('');
    for (let i = 0; i < size; i += 1) {
      const from = (first + i) % slots;
      nextAt[i] = at[from] ?? 0;
      nextLatency[i] = latency[from] ?? 0;
      nextCodes.set(codes.subarray(from * 3, from * 3 + 3), i * 3);
      nextMessages[i] = messages[from] ?? '';
    }
    [at, latency, codes, messages, slots, first] = [nextAt, nextLatency, nextCodes, nextMessages, next, 0];
  };

  const read = (slot: number): CheckRecord => {
    const failure = failures[codes[slot * 3 + 2] ?? 0];
    return {
      at: at[slot] ?? 0,
      outcome: outcomes[codes[slot * 3] ?? 0] ?? 'fail',
      ...(failure === undefined ? {} : { failure }),
      status: statuses[codes[slot * 3 + 1] ?? 0] ?? 'unknown',
      latencyMs: latency[slot] ?? 0,
      message: messages[slot] ?? '',
    };
  };

  return {
    push: (check) => {
      if (size === slots) {
        if (slots < capacity) grow();
        else {
          first = (first + 1) % slots;
          size -= 1;
        }
      }
      const slot = (first + size) % slots;
      at[slot] = check.at;
      latency[slot] = check.latencyMs;
      codes[slot * 3] = outcomeCodes[check.outcome];
      codes[slot * 3 + 1] = statusCodes[check.status];
      codes[slot * 3 + 2] = check.failure === undefined ? 0 : failureCodes[check.failure];
      if (check.message !== lastMessage) lastMessage = check.message;
      messages[slot] = lastMessage;
      size += 1;
    },
    last: (count) => {
      const wanted = Math.max(0, Math.min(size, Math.floor(count)));
      const result: CheckRecord[] = [];
      for (let i = size - wanted; i < size; i += 1) result.push(read((first + i) % slots));
      return result;
    },
    get size() {
      return size;
    },
    get slots() {
      return slots;
    },
  };
};
