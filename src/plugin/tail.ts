/**
 * The last `maxBytes` of a plugin's output, kept line by line, to go with a
 * crash or a failed start.
 *
 * @example
 * const tail = createTail(4096);
 * tail.push('panic: out of memory');
 * tail.text(); // 'panic: out of memory'
 */
export interface Tail {
  push(line: string): void;
  text(): string;
}

export const createTail = (maxBytes: number): Tail => {
  const lines: string[] = [];
  let bytes = 0;
  return {
    push: (line) => {
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
      while (bytes > maxBytes && lines.length > 1) {
        bytes -= Buffer.byteLength(lines.shift() ?? '') + 1;
      }
    },
    text: () => {
      const text = lines.join('\n');
      if (Buffer.byteLength(text) <= maxBytes) return text;
      const bytes = Buffer.from(text);
      let start = bytes.length - maxBytes;
      // Never begin inside a character: skip UTF-8 continuation bytes (10xxxxxx).
      while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
      return bytes.subarray(start).toString();
    },
  };
};
