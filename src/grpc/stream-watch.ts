import type * as grpc from '@grpc/grpc-js';

/** A server-streaming call as stream-watch reads it. */
export type ReadableCall = Pick<grpc.ClientReadableStream<unknown>, 'on' | 'pause' | 'resume' | 'read' | 'cancel'>;

export interface StreamWatchOptions<T> {
  /** Turns one raw message into what the listener gets; only the message delivered is mapped. */
  map: (raw: unknown) => T;
  deliver: (value: T) => void;
  /** Called once, with the call's final status, unless the watch was cancelled first. */
  end: (status: grpc.StatusObject) => void;
  /** At least this long between two deliveries, in ms. */
  minGapMs: number;
}

/**
 * Reads a server-streaming call with a bound on what a flood can cost: at
 * most one delivery per `minGapMs`, of the latest message buffered. While one
 * waits, the call is paused, so grpc-js stops reading (beyond the few messages
 * it buffers) and HTTP/2 flow control holds the sender back: a flood is
 * slowed to a few messages per gap, not decoded by the thousand. A report
 * pending when the call ends is delivered first.
 * Returns the cancel function: after it, nothing more is called.
 *
 * @example
 * const cancel = watchStream(call, { map: toHealthReport, deliver: listener.report, end, minGapMs: 10 });
 */
export const watchStream = <T>(call: ReadableCall, options: StreamWatchOptions<T>): (() => void) => {
  let done = false;
  let pending: { raw: unknown } | null = null;
  // The scheduled flush, if any: how to call it off.
  let scheduled: (() => void) | null = null;
  let lastAt = Number.NEGATIVE_INFINITY;

  const flush = (): void => {
    // What came in meanwhile (grpc-js buffers a few messages) is skipped: the latest counts. read() emits
    // 'data' too, so `scheduled` is cleared only after, or each of those would schedule a flush of its own.
    for (let raw: unknown = call.read(); raw !== null; raw = call.read()) pending = { raw };
    scheduled = null;
    if (done || pending === null) return;
    const { raw } = pending;
    pending = null;
    lastAt = performance.now();
    options.deliver(options.map(raw));
    if (!done) call.resume();
  };

  call.on('data', (raw: unknown) => {
    if (done) return;
    pending = { raw };
    if (scheduled !== null) return;
    // Even the first message waits for the next turn (setImmediate, not a 1 ms timer), so a burst in one read becomes one delivery.
    call.pause();
    const waitMs = lastAt + options.minGapMs - performance.now();
    if (waitMs <= 0) {
      const immediate = setImmediate(flush);
      scheduled = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(flush, waitMs);
      scheduled = () => clearTimeout(timer);
    }
  });
  // grpc-js emits 'error' besides 'status' for a non-OK end; 'status' is the one read.
  call.on('error', () => {});
  call.on('status', (status: grpc.StatusObject) => {
    if (done) return;
    scheduled?.();
    flush();
    if (done) return;
    done = true;
    options.end(status);
  });

  return () => {
    if (done) return;
    done = true;
    scheduled?.();
    call.cancel();
  };
};
