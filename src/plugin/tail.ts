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
      return Buffer.byteLength(text) <= maxBytes ? text : Buffer.from(text).subarray(-maxBytes).toString();
    },
  };
};
