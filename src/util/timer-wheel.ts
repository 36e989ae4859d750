/** What `schedule` gives back, to `cancel` with. */
export interface WheelHandle {
  readonly due: number;
}

export interface TimerWheel {
  /** Runs `fn` once, at the start of the slot that holds `delayMs` from now: up to `slotMs` sooner, never later by the wheel's doing. */
  schedule(delayMs: number, fn: () => void): WheelHandle;
  /** Stops a callback that has not run yet; cancelling one that ran, or twice, does nothing. */
  cancel(handle: WheelHandle): void;
  /** Callbacks scheduled and not yet run nor cancelled. */
  readonly size: number;
}

export interface TimerWheelOptions {
  /** The width of a slot, ms: one wake-up serves every callback due in the same slot, which runs up to this much sooner than due. */
  slotMs: number;
  /** Milliseconds, on the clock the timers run by; Date.now by default (the one fake timers move). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

interface Entry extends WheelHandle {
  due: number;
  seq: number;
  fn: (() => void) | null;
}

/** Slots of 10 ms: bench/hale/wheel-wakeups.ts measured it against 1–50 ms. */
export const defaultSlotMs = 10;

const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

const siftUp = (heap: Entry[], from: number): void => {
  let child = from;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    const [c, p] = [heap[child], heap[parent]];
    if (c === undefined || p === undefined || !before(c, p)) return;
    [heap[child], heap[parent]] = [p, c];
    child = parent;
  }
};

const siftDown = (heap: Entry[], from: number): void => {
  let parent = from;
  for (;;) {
    let first = parent;
    for (const child of [2 * parent + 1, 2 * parent + 2]) {
      const [c, f] = [heap[child], heap[first]];
      if (c !== undefined && f !== undefined && before(c, f)) first = child;
    }
    const [a, b] = [heap[parent], heap[first]];
    if (first === parent || a === undefined || b === undefined) return;
    [heap[parent], heap[first]] = [b, a];
    parent = first;
  }
};

const popHeap = (heap: Entry[]): Entry | undefined => {
  const top = heap[0];
  const last = heap.pop();
  if (top !== undefined && last !== undefined && last !== top) {
    heap[0] = last;
    siftDown(heap, 0);
  }
  return top;
};

/**
 * Many timers on one: time is cut into slots of `slotMs` (their phase set by
 * the first wake-up), a single underlying timer is armed for the earliest
 * slot holding a callback, and each wake-up runs every callback of the slots
 * due, so 500 checks a second wake the event loop at most 1000 / slotMs
 * times, not 500. A callback that runs late by less than a slot and comes
 * back an interval later lands in the same slot again, so groups keep.
 * Callbacks run in due order; one scheduled during a wake-up runs on a later
 * one. The timer keeps the process alive as the timers it replaces did.
 *
 * @example
 * const wheel = createTimerWheel({ slotMs: 10 });
 * const handle = wheel.schedule(1_000, () => void check());
 * wheel.cancel(handle);
 */
export const createTimerWheel = (options: TimerWheelOptions): TimerWheel => {
  const { now = () => Date.now(), setTimer = (fn, ms) => setTimeout(fn, ms) } = options;
  const slotMs = Math.max(1, options.slotMs);
  const clearTimer = options.clearTimer ?? ((timer: unknown) => clearTimeout(timer as Parameters<typeof clearTimeout>[0]));
  const heap: Entry[] = [];
  let live = 0;
  let seq = 0;
  // The token tells this wheel's current timer from one a foreign clock failed to clear.
  let armed: { timer: unknown; due: number; token: object } | null = null;
  let firing = false;
  /** Where slot 0 begins: the first wake-up; until then the first callback is woken for exactly. */
  let origin: number | null = null;
  const slotStart = (due: number): number => (origin === null ? due : origin + Math.floor((due - origin) / slotMs) * slotMs);

  // Cancelled entries stay in the heap until popped; rebuild when they outnumber the live ones, so memory stays bounded.
  const compact = (): void => {
    if (heap.length < 64 || heap.length < 2 * live) return;
    const kept = heap.filter((entry) => entry.fn !== null);
    heap.length = 0;
    for (const entry of kept) {
      heap.push(entry);
      siftUp(heap, heap.length - 1);
    }
  };

  const arm = (): void => {
    while (heap[0] !== undefined && heap[0].fn === null) popHeap(heap);
    const first = heap[0];
    const wake = first === undefined ? null : slotStart(first.due);
    if (armed !== null && (wake === null || wake < armed.due)) {
      clearTimer(armed.timer);
      armed = null;
    }
    if (wake === null || armed !== null) return;
    const token = {};
    armed = { timer: setTimer(() => fire(token), Math.max(0, Math.ceil(wake - now()))), due: wake, token };
  };

  const fire = (token: object): void => {
    if (armed?.token !== token) return;
    let wokeFor = armed.due;
    armed = null;
    const at = now();
    // The timer ran on time by its own clock: a wall clock that stepped back since moves every due time back with it.
    if (wokeFor > at + slotMs) {
      const step = wokeFor - at;
      for (const entry of heap) entry.due -= step;
      if (origin !== null) origin -= step;
      wokeFor = at;
    }
    origin ??= at;
    // The slot woken for is due even when the wall clock reads a fraction of a ms short of it.
    const slotEnd = Math.max(slotStart(at), slotStart(wokeFor)) + slotMs;
    const batch: Entry[] = [];
    while (heap[0] !== undefined && heap[0].due < slotEnd) {
      const entry = popHeap(heap);
      if (entry?.fn) batch.push(entry);
    }
    const errors: unknown[] = [];
    firing = true;
    for (const entry of batch) {
      const fn = entry.fn;
      // Cancelled by an earlier callback of this wake-up.
      if (fn === null) continue;
      entry.fn = null;
      live -= 1;
      try {
        fn();
      } catch (error) {
        errors.push(error);
      }
    }
    firing = false;
    arm();
    // A throwing callback fails as it would on its own timer (uncaught), after the others ran and the next wake-up is armed.
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'timer wheel callbacks threw');
  };

  return {
    schedule: (delayMs, fn) => {
      const entry: Entry = { due: now() + Math.max(0, delayMs), seq: seq++, fn };
      heap.push(entry);
      siftUp(heap, heap.length - 1);
      live += 1;
      if (!firing) arm();
      return entry;
    },
    cancel: (handle) => {
      const entry = handle as Entry;
      if (entry.fn === null) return;
      entry.fn = null;
      live -= 1;
      compact();
      if (!firing && live === 0) arm();
    },
    get size() {
      return live;
    },
  };
};

const wheels = new WeakMap<typeof setTimeout, TimerWheel>();

/**
 * The process's wheel, one per clock: a test that fakes the timers gets its
 * own, bound to the fake ones, as the timers it replaces would have been.
 *
 * @example
 * sharedWheel().schedule(1_000, () => void check());
 */
export const sharedWheel = (): TimerWheel => {
  const set = globalThis.setTimeout;
  const found = wheels.get(set);
  if (found !== undefined) return found;
  const clear = globalThis.clearTimeout;
  const clock = Date;
  const wheel = createTimerWheel({
    slotMs: defaultSlotMs,
    now: () => clock.now(),
    setTimer: (fn, ms) => set(fn, ms),
    clearTimer: (timer) => clear(timer as Parameters<typeof clearTimeout>[0]),
  });
  wheels.set(set, wheel);
  return wheel;
};
