import type { EventBus } from '../../src/util/event-bus.js';

/**
 * Resolves with the first event that matches, or rejects after `timeoutMs`
 * with the events seen meanwhile, so a failure says what happened instead.
 */
export const waitForEvent = <T, M extends T = T>(
  bus: EventBus<T>,
  match: ((event: T) => event is M) | ((event: T) => boolean),
  timeoutMs = 10_000,
): Promise<M> =>
  new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => {
      off();
      const tail = seen
        .slice(-15)
        .map((e) => JSON.stringify(e))
        .join('\n  ');
      reject(new Error(`no matching event within ${timeoutMs} ms; the last events:\n  ${tail}`));
    }, timeoutMs);
    const off = bus.subscribe((event) => {
      seen.push(event);
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event as M);
    });
  });
