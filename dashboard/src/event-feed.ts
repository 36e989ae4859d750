import { authHeaders } from './http.js';
import { readSse, type SseMessage } from './sse-reader.js';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

export interface FeedOptions {
  /** /events with its query. */
  url: string;
  onMessage(message: SseMessage): void;
  onState(state: FeedState, detail: string): void;
  /** The stream answered 401: the page asks for a token; resolves when it may try again. */
  onUnauthorized?(message: string): Promise<void>;
}

// The server sends a heartbeat every 15 s: silence for longer than that is a dead connection.
const silenceLimitMs = 40_000;
const firstRetryMs = 1_000;
const maxRetryMs = 5_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows GET /events over fetch (an EventSource cannot send the token) and
 * comes back by itself when the stream drops: the supervisor restarted, the
 * network blinked, or the connection went silent. Returns a stop function.
 *
 * @example
 * const stop = openEventFeed({ url: '/events?checks=all', onMessage, onState });
 */
export const openEventFeed = (options: FeedOptions): (() => void) => {
  let stopped = false;
  let current: AbortController | null = null;

  const followOnce = async (): Promise<string> => {
    const abort = new AbortController();
    current = abort;
    let silence = setTimeout(() => abort.abort(), silenceLimitMs);
    try {
      const response = await fetch(options.url, {
        headers: { ...authHeaders(), Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: abort.signal,
      });
      if (response.status === 401 && options.onUnauthorized !== undefined) {
        await options.onUnauthorized('the event stream needs the API token (401)');
        return 'asked for the token';
      }
      if (!response.ok || response.body === null) return `the stream answered ${response.status}`;
      for await (const message of readSse(response.body)) {
        clearTimeout(silence);
        silence = setTimeout(() => abort.abort(), silenceLimitMs);
        if (message.event === 'hello') options.onState('live', '');
        options.onMessage(message);
      }
      return 'the stream ended';
    } catch (error) {
      return abort.signal.aborted && !stopped ? 'the stream went silent' : `the supervisor is unreachable (${String(error)})`;
    } finally {
      clearTimeout(silence);
    }
  };

  void (async () => {
    let retryMs = firstRetryMs;
    options.onState('connecting', '');
    while (!stopped) {
      const openedAt = Date.now();
      const why = await followOnce();
      if (stopped) return;
      // A stream that stayed up a while starts the backoff over.
      if (Date.now() - openedAt > 10_000) retryMs = firstRetryMs;
      options.onState('reconnecting', why);
      await pause(retryMs);
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    }
  })();

  return () => {
    stopped = true;
    current?.abort();
  };
};
