import type { CallFailure } from '../grpc/plugin-client.js';
import type { CheckRecord } from '../model/check-record.js';
import type { ProbeResult, ProbeVerdict } from './probe-verdict.js';
import { createPushDamper } from './push-damper.js';
import { scheduleChecks, type CheckSchedule } from './schedule-checks.js';

/**
 * A stream of a plugin's health, pushed by the plugin (WatchHealth, or
 * grpc.health.v1 Watch): `heard` gets each verdict, the current one first;
 * `ended` once, with why the stream closed. The function returned cancels it
 * (nothing is heard after).
 */
export type HealthWatch = (listener: {
  heard(verdict: ProbeVerdict, latencyMs?: number): void;
  ended(failure: CallFailure): void;
}) => () => void;

/**
 * Where a feed is: waiting for the stream's first status, fed by the stream
 * (guard polls now and then), or polling (the plugin does not push, its
 * stream broke, or the peer refused our pings).
 */
export type FeedMode = 'off' | 'opening' | 'pushed' | 'polled';

/** How a result reached the feed: pushed by the plugin, or asked for by a poll. */
export type HeardBy = 'pushed' | 'polled';

export interface HealthFeed {
  /** Wants a verdict every `ms` (the first at once); null stops it all, and an answer in flight is dropped. */
  every(ms: number | null): void;
  readonly mode: FeedMode;
}

export interface HealthFeedOptions {
  /** Null: nothing to watch, the feed polls. */
  watch: HealthWatch | null;
  probe: () => Promise<ProbeResult>;
  heard: (result: ProbeResult, by: HeardBy) => void;
  /** Told when the feed changes mode, with why (for the log). */
  changed?: (mode: FeedMode, why: string) => void;
  checkInterval: number;
  /** The wait for a stream's first status before the feed polls instead. */
  checkTimeout: number;
  /** How often a pushing plugin is polled all the same. */
  guardInterval: number;
  random?: () => number;
  now?: () => number;
}

// How long a broken stream waits before it counts: an exit, if that is what broke it, is seen first (about 3 ms).
const brokenGraceMs = 50;

// Refusals that say "do not push here", for this process generation: no WatchHealth, or no pings wanted.
const isRefusal = (failure: CallFailure): boolean => failure.status === 'UNIMPLEMENTED' || failure.reason === 'too_many_pings';

/**
 * A plugin's health as one feed: the pushed stream when the plugin serves
 * one, polls otherwise. While the stream is open its statuses are heard at
 * once (a flood of them at a bounded rate: push-damper.ts), the connection is proved alive by HTTP/2 PINGs (the client's
 * keepalive), and a poll runs only every guardInterval, to catch a stream that
 * says healthy while the plugin's HealthCheck disagrees. A stream that breaks
 * is a failed check, and the feed polls at the asked interval until a poll
 * passes and a guardInterval has gone by; then it opens the stream again. A
 * plugin that refuses (UNIMPLEMENTED, or GOAWAY for too many pings) is polled
 * for the rest of its life.
 *
 * @example
 * const feed = createHealthFeed({ watch, probe, heard: (result, by) => record(result, by), checkInterval: 1_000, checkTimeout: 500, guardInterval: 10_000 });
 * feed.every(1_000); // opens the stream; polls only if it is refused
 */
export const createHealthFeed = (options: HealthFeedOptions): HealthFeed => {
  const { watch, checkTimeout, guardInterval, now = Date.now } = options;
  let mode: FeedMode = 'off';
  let wanted: number | null = null;
  // The open stream; its identity tells a callback of a stream since closed from the current one.
  let stream: { cancel: () => void } | null = null;
  let openTimer: NodeJS.Timeout | undefined;
  let guardTimer: NodeJS.Timeout | undefined;
  let brokenTimer: NodeJS.Timeout | undefined;
  let refused = watch === null;
  let reopenAfter = 0;
  // Polls answered while a broken stream's grace runs: heard after the break, or dropped with it by an exit.
  let held: ProbeResult[] | null = null;

  const setMode = (next: FeedMode, why: string): void => {
    if (next === mode) return;
    mode = next;
    options.changed?.(next, why);
  };

  const hearPolled = (result: ProbeResult): void => {
    options.heard(result, 'polled');
    if (mode === 'polled' && !refused && wanted !== null && result.check.outcome !== 'fail' && now() >= reopenAfter) open();
  };

  const schedule: CheckSchedule = scheduleChecks({
    run: options.probe,
    heard: (result) => {
      if (held === null) hearPolled(result);
      else held.push(result);
    },
    steadyInterval: options.checkInterval,
    ...(options.random === undefined ? {} : { random: options.random }),
    now,
  });

  const closeStream = (): void => {
    clearTimeout(openTimer);
    clearTimeout(guardTimer);
    clearTimeout(brokenTimer);
    held = null;
    const closing = stream;
    stream = null;
    closing?.cancel();
  };

  const poll = (why: string): void => {
    closeStream();
    setMode('polled', why);
    schedule.every(wanted);
  };

  const open = (): void => {
    if (watch === null) return;
    schedule.every(null);
    setMode('opening', 'opening the health stream');
    let first = true;
    // Current before watch() is called: a stream may end before watch() returns.
    const own = { cancel: (): void => undefined };
    stream = own;
    const damper = createPushDamper<{ verdict: ProbeVerdict; latencyMs: number | undefined }>({
      deliver: ({ verdict, latencyMs }) => {
        if (stream === own) options.heard(toPushedResult(verdict, now(), latencyMs), 'pushed');
      },
    });
    const cancelWatch = watch({
      heard: (verdict, latencyMs) => {
        if (stream !== own) return;
        if (first) {
          first = false;
          clearTimeout(openTimer);
          setMode('pushed', 'the plugin pushes its health');
          // The guard's first poll a whole guardInterval after the stream's first status, then every guardInterval.
          guardTimer = setTimeout(() => schedule.every(guardInterval), guardInterval);
        }
        damper.push({ verdict, latencyMs });
      },
      ended: (failure) => {
        if (stream !== own) return;
        damper.flush();
        stream = null;
        if (isRefusal(failure)) {
          refused = true;
          poll(
            failure.reason === 'too_many_pings'
              ? 'the plugin refuses pings this often; polling'
              : 'the plugin does not push its health; polling',
          );
          return;
        }
        reopenAfter = now() + guardInterval;
        if (first) {
          poll(`the health stream ended before its first status: ${failure.message}`);
          return;
        }
        // A broken stream is a failed check, counted like a poll's: after a moment, in which a process
        // that died (the usual reason) is seen to exit, which says more and turns the checks off. The
        // polls begin at the break, not after the moment: a hung plugin's next failure is a checkTimeout
        // after the break, which keeps detection within failureThreshold × checkInterval + checkTimeout.
        poll(`the health stream ended: ${failure.message}`);
        held = [];
        brokenTimer = setTimeout(
          () => {
            const answered = held ?? [];
            held = null;
            options.heard(toBrokenResult(failure, now()), 'polled');
            for (const result of answered) hearPolled(result);
          },
          Math.min(brokenGraceMs, checkTimeout),
        );
      },
    });
    own.cancel = () => {
      damper.cancel();
      cancelWatch();
    };
    openTimer = setTimeout(() => {
      if (stream !== own || !first) return;
      reopenAfter = now() + guardInterval;
      poll(`no status on the health stream within checkTimeout (${checkTimeout} ms); polling`);
    }, checkTimeout);
  };

  return {
    every: (ms) => {
      const was = wanted;
      wanted = ms;
      if (ms === null) {
        closeStream();
        schedule.every(null);
        setMode('off', 'checks stopped');
        return;
      }
      if (was === null) {
        if (refused) poll(watch === null ? 'polling' : 'the plugin does not push its health; polling');
        else open();
        return;
      }
      if (mode === 'polled') schedule.every(ms);
    },
    get mode() {
      return mode;
    },
  };
};

/** A pushed verdict as a check record: heard now, with the latency the plugin says its run took (0 when it does not say). */
const toPushedResult = (verdict: ProbeVerdict, at: number, latencyMs = 0): ProbeResult => {
  const check: CheckRecord = { at, outcome: verdict.outcome, status: verdict.status, latencyMs, message: verdict.message };
  if (verdict.outcome === 'fail') check.failure = verdict.failure ?? 'unavailable';
  return { check, report: verdict.report ?? null };
};

const toBrokenResult = (failure: CallFailure, at: number): ProbeResult => ({
  check: {
    at,
    outcome: 'fail',
    failure: failure.kind === 'error' ? 'rpc_error' : failure.kind,
    status: 'unknown',
    latencyMs: 0,
    message: `the health stream broke: ${failure.message}`,
  },
  report: null,
});
