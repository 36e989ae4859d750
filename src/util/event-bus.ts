/**
 * A typed, synchronous publish/subscribe channel. A subscriber that throws is
 * cut off from that one event and the others still get it: nothing that
 * reports may break what is reported on.
 *
 * @example
 * const bus = createEventBus<{ type: 'tick' }>();
 * const off = bus.subscribe((event) => console.log(event.type));
 * bus.publish({ type: 'tick' });
 * off();
 */
export interface EventBus<T> {
  publish(event: T): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: T) => void): () => void;
}

export const createEventBus = <T>(onListenerError: (error: unknown) => void = () => {}): EventBus<T> => {
  const listeners = new Set<(event: T) => void>();
  return {
    publish: (event) => {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
