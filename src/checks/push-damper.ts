/** How many pushed statuses hale takes from one stream: a burst at once, then one per refill. */
export const pushLimits = {
  /** Statuses heard at once, without waiting: a plugin rarely changes its status this often. */
  burst: 10,
  /** Past the burst, one status (the latest) per this many ms, until the stream calms down. */
  refillMs: 1_000,
} as const;

export interface PushDamper<T> {
  /** A pushed value: delivered now if the bucket allows, else held (the latest wins) until it does. */
  push(value: T): void;
  /** Delivers a held value at once (the stream ended: it is the plugin's last word). */
  flush(): void;
  /** Drops a held value and its timer. */
  cancel(): void;
}

export interface PushDamperOptions<T> {
  deliver: (value: T) => void;
  burst?: number;
  refillMs?: number;
  now?: () => number;
}

/**
 * A token bucket over one pushed stream, so that a plugin that flips its
 * status as fast as it can costs hale (transitions, journal lines, events) at
 * most `burst` at once and then one a `refillMs`: the latest status is held,
 * never lost, and delivered when the bucket allows. A plugin that pushes now
 * and then is never delayed.
 *
 * @example
 * const damper = createPushDamper({ deliver: (verdict) => record(verdict) });
 * damper.push(verdict); // delivered at once, unless the stream floods
 */
export const createPushDamper = <T>(options: PushDamperOptions<T>): PushDamper<T> => {
  const { deliver, burst = pushLimits.burst, refillMs = pushLimits.refillMs, now = performance.now.bind(performance) } = options;
  let tokens = burst;
  let refilledAt = now();
  let held: { value: T } | null = null;
  let timer: NodeJS.Timeout | undefined;

  const refill = (): void => {
    const at = now();
    tokens = Math.min(burst, tokens + (at - refilledAt) / refillMs);
    refilledAt = at;
  };

  const deliverHeld = (): void => {
    timer = undefined;
    if (held === null) return;
    const { value } = held;
    held = null;
    refill();
    tokens = Math.max(0, tokens - 1);
    deliver(value);
  };

  return {
    push: (value) => {
      refill();
      if (held === null && tokens >= 1) {
        tokens -= 1;
        deliver(value);
        return;
      }
      held = { value };
      timer ??= setTimeout(deliverHeld, Math.ceil((1 - tokens) * refillMs));
    },
    flush: () => {
      clearTimeout(timer);
      deliverHeld();
    },
    cancel: () => {
      clearTimeout(timer);
      timer = undefined;
      held = null;
    },
  };
};
