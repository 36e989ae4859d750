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
}

/**
 * A ring of the newest entries, bounded both in count and in bytes, oldest
 * dropped first. Slots are reused, so a flood allocates no array growth.
 *
 * @example
 * const ring = createOutputRing<string>({ maxLines: 2, maxBytes: 1024 });
 * ring.push('a', 1); ring.push('b', 1); ring.push('c', 1);
 * ring.last(5); // ['b', 'c']
 */
export const createOutputRing = <T>({ maxLines, maxBytes }: RingBounds): OutputRing<T> => {
  const capacity = Math.max(1, Math.floor(maxLines));
  const entries: Array<T | undefined> = new Array<T | undefined>(capacity).fill(undefined);
  const sizes = new Float64Array(capacity);
  let first = 0;
  let size = 0;
  let bytes = 0;

  const dropOldest = (): void => {
    bytes -= sizes[first] ?? 0;
    // Free the slot at once, so a dropped line's text can be collected.
    entries[first] = undefined;
    first = (first + 1) % capacity;
    size -= 1;
  };

  return {
    push: (entry, entryBytes) => {
      if (size === capacity) dropOldest();
      const slot = (first + size) % capacity;
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
        const entry = entries[(first + i) % capacity];
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
  };
};
