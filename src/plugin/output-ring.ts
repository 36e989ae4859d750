/** The bounds of a ring: it never holds more lines, nor more bytes of line text. */
export interface RingBounds {
  maxLines: number;
  maxBytes: number;
}

export interface OutputRing<T> {
  /** Adds an entry of `bytes` bytes; the oldest go until both bounds hold (the newest always stays). */
  push(entry: T, bytes: number): void;
  /** The last `count` entries, oldest first. */
  last(count: number): T[];
  readonly size: number;
  readonly bytes: number;
  /** The slots it holds now: it starts small and doubles up to `maxLines`, so a quiet plugin's ring stays small. */
  readonly slots: number;
}

/** The slots a ring starts with: a quiet plugin's few lines fit, and hundreds of plugins do not each hold a full ring. */
const firstSlots = 16;

/**
 * A ring of the newest entries, bounded both in count and in bytes, oldest
 * dropped first. It grows by doubling until `maxLines`, then reuses its
 * slots, so a flood allocates no array growth once the ring is full.
 *
 * @example
 * const ring = createOutputRing<string>({ maxLines: 2, maxBytes: 1024 });
 * ring.push('a', 1); ring.push('b', 1); ring.push('c', 1);
 * ring.last(5); // ['b', 'c']
 */
export const createOutputRing = <T>({ maxLines, maxBytes }: RingBounds): OutputRing<T> => {
  const capacity = Math.max(1, Math.floor(maxLines));
  let slots = Math.min(capacity, firstSlots);
  let entries: Array<T | undefined> = new Array<T | undefined>(slots).fill(undefined);
  let sizes: number[] = new Array<number>(slots).fill(0);
  let first = 0;
  let size = 0;
  let bytes = 0;

  const dropOldest = (): void => {
    bytes -= sizes[first] ?? 0;
    // Free the slot at once, so a dropped line's text can be collected.
    entries[first] = undefined;
    first = (first + 1) % slots;
    size -= 1;
  };

  // Called only when full: the entries are laid out again oldest first in twice the slots (at most `capacity`).
  const grow = (): void => {
    const next = Math.min(capacity, slots * 2);
    const nextEntries = new Array<T | undefined>(next).fill(undefined);
    const nextSizes = new Array<number>(next).fill(0);
    for (let i = 0; i < size; i += 1) {
      const at = (first + i) % slots;
      nextEntries[i] = entries[at];
      nextSizes[i] = sizes[at] ?? 0;
    }
    entries = nextEntries;
    sizes = nextSizes;
    slots = next;
    first = 0;
  };

  return {
    push: (entry, entryBytes) => {
      if (size === slots) {
        if (slots < capacity) grow();
        else dropOldest();
      }
      const slot = (first + size) % slots;
      entries[slot] = entry;
      sizes[slot] = entryBytes;
      size += 1;
      bytes += entryBytes;
      while (bytes > maxBytes && size > 1) dropOldest();
    },
    last: (count) => {
      const wanted = Math.max(0, Math.min(size, Math.floor(count)));
      const result: T[] = [];
      for (let i = size - wanted; i < size; i += 1) {
        const entry = entries[(first + i) % slots];
        if (entry !== undefined) result.push(entry);
      }
      return result;
    },
    get size() {
      return size;
    },
    get bytes() {
      return bytes;
    },
    get slots() {
      return slots;
    },
  };
};
