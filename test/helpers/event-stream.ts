import { readSse, type SseMessage } from '../../src/client/sse-reader.js';

export interface OpenStream {
  status: number;
  headers: Headers;
  /** Every message so far, comments included. */
  messages: SseMessage[];
  /** The next message (from the first not yet taken) that matches, or a rejection after `timeoutMs`. */
  take(match?: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves once the server has ended the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens GET `url` as an event stream and reads it in the background.
 *
 * @example
 * const stream = await openEventStream(`${server.url}/events`);
 * const hello = await stream.take((m) => m.event === 'hello');
 */
export const openEventStream = async (url: string, headers: Record<string, string> = {}): Promise<OpenStream> => {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const ended =
    response.body === null || !response.ok
      ? Promise.resolve()
      : (async () => {
          try {
            for await (const message of readSse(response.body as ReadableStream<Uint8Array>)) {
              messages.push(message);
              notify();
            }
          } catch {
            // Closed by the test or cut by the server.
          }
        })();
  void ended.then(notify);
  const take = (match: (message: SseMessage) => boolean = () => true, timeoutMs = 5_000): Promise<SseMessage> =>
    new Promise((resolve, reject) => {
      const look = (): boolean => {
        for (let index = taken; index < messages.length; index++) {
          const message = messages[index] as SseMessage;
          if (!match(message)) continue;
          taken = index + 1;
          resolve(message);
          return true;
        }
        return false;
      };
      if (look()) return;
      const waiter = () => {
        if (!look()) return;
        waiters.delete(waiter);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(taken))}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  return { status: response.status, headers: response.headers, messages, take, ended, close: () => abort.abort() };
};

/** Only the events (no comments, no hello). */
export const isEvent =
  (type?: string) =>
  (message: SseMessage): boolean =>
    message.comment === null && message.event !== 'hello' && (type === undefined || message.event === type);
