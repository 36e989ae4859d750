import type * as grpc from '@grpc/grpc-js';
import type { HealthReport } from '../model/health-report.js';

/** How often a WatchHealth stream asks the plugin's health, in ms: interval_ms, clamped. */
export const watchIntervalLimits = { defaultMs: 1_000, minMs: 100, maxMs: 3_600_000 } as const;

/**
 * WatchHealth's interval_ms as the plugin runs it: 0 (or nothing) is the
 * default of 1 s; anything else is held between 100 ms and 1 h.
 *
 * @example
 * toWatchInterval(0); // 1000
 * toWatchInterval(5); // 100
 */
export const toWatchInterval = (raw: unknown): number => {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) return watchIntervalLimits.defaultMs;
  return Math.min(watchIntervalLimits.maxMs, Math.max(watchIntervalLimits.minMs, Math.round(raw)));
};

/**
 * WatchHealth's slow_after_ms (the supervisor's degradedLatency): a whole
 * number of ms, or null when latency is never news (0, nothing, or not a number).
 *
 * @example
 * toSlowAfter(100); // 100
 * toSlowAfter(0); // null
 */
export const toSlowAfter = (raw: unknown): number | null =>
  typeof raw === 'number' && Number.isFinite(raw) && raw > 0 ? Math.round(raw) : null;

/**
 * What makes two reports different for WatchHealth: status, message, each
 * component's name, status, criticality and message, in order, and whether
 * the run was slower than slow_after_ms. Latency alone is not a change, or
 * every stream would speak at every interval.
 *
 * @example
 * toChangeKey(a) === toChangeKey({ ...a, components: a.components.map((c) => ({ ...c, latencyMs: 9 })) }); // true
 * toChangeKey(a, 250, 100) === toChangeKey(a, 20, 100); // false: one run was slow
 */
export const toChangeKey = (report: HealthReport, latencyMs = 0, slowAfterMs: number | null = null): string =>
  JSON.stringify([
    report.status,
    report.message,
    report.components.map((c) => [c.name, c.status, c.critical, c.message]),
    slowAfterMs !== null && latencyMs > slowAfterMs,
  ]);

/** The open WatchHealth streams of one server, and their handler. */
export interface HealthWatches {
  /** The grpc-js handler of WatchHealth. */
  readonly handler: grpc.handleServerStreamingCall<unknown, object>;
  /** How many streams are open now. */
  readonly openCount: () => number;
  /** Ends every open stream with status OK and stops its timer: a graceful stop waits for open calls, so they go first. */
  endAll: () => void;
}

/**
 * WatchHealth for one server: each stream runs `readHealth` every
 * interval_ms (one run at a time: a slow check delays the next, never
 * overlaps it), writes the current report at once, then only changes
 * (toChangeKey: a run slower than slow_after_ms is one), each with how long
 * its run took. A cancelled stream stops its timer.
 *
 * @example
 * const watches = createHealthWatches(() => readHealth(options.health), toHealthCheckResponse);
 * server.addService(definition, { ...implementation, WatchHealth: watches.handler });
 */
export const createHealthWatches = (
  readHealth: () => Promise<HealthReport>,
  toResponse: (report: HealthReport, latencyMs: number) => object,
): HealthWatches => {
  const open = new Set<() => void>();

  const handler: grpc.handleServerStreamingCall<unknown, object> = (call) => {
    const request = call.request as { intervalMs?: unknown; slowAfterMs?: unknown } | null;
    const intervalMs = toWatchInterval(request?.intervalMs);
    const slowAfterMs = toSlowAfter(request?.slowAfterMs);
    let lastKey: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const stop = (): void => {
      ended = true;
      clearTimeout(timer);
      open.delete(endStream);
    };
    function endStream(): void {
      if (ended) return;
      stop();
      call.end();
    }
    const tick = async (): Promise<void> => {
      const startedAt = performance.now();
      const report = await readHealth().catch((error: unknown): HealthReport => ({
        status: 'unhealthy',
        message: `health() failed: ${error instanceof Error ? error.message : String(error)}`,
        components: [],
      }));
      if (ended) return;
      // Tenths of a ms, as the supervisor shows latencies.
      const latencyMs = Math.round((performance.now() - startedAt) * 10) / 10;
      const key = toChangeKey(report, latencyMs, slowAfterMs);
      if (key !== lastKey) {
        lastKey = key;
        call.write(toResponse(report, latencyMs));
      }
      timer = setTimeout(() => void tick(), intervalMs);
    };
    open.add(endStream);
    call.on('cancelled', stop);
    call.on('error', stop);
    void tick();
  };

  return {
    handler,
    openCount: () => open.size,
    endAll: () => {
      for (const end of [...open]) end();
    },
  };
};
