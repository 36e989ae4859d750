import type { Readable } from 'node:stream';

export interface LineOptions {
  /** Longer lines are cut here; the rest, up to the next newline, is dropped. */
  maxLength: number;
}

/** What a reader has seen so far. */
export interface LineCounts {
  lines: number;
  /** Lines longer than maxLength, delivered cut. */
  truncated: number;
}

export interface LineReader {
  counts(): LineCounts;
}

// A cut line is a slice of a chunk that may be far larger; a copy lets the chunk go once the line is all that is kept.
const detach = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/**
 * Splits a stream into lines without ever holding more than `maxLength`
 * characters of one line between chunks, so an endless line cannot grow
 * memory. A trailing `\r` is dropped.
 *
 * @example
 * const reader = readLines(child.stdout, { maxLength: 16_384 }, (line, truncated) => log.info({ truncated }, line));
 * reader.counts(); // { lines: 0, truncated: 0 }
 */
export const readLines = (stream: Readable, { maxLength }: LineOptions, onLine: (line: string, truncated: boolean) => void): LineReader => {
  const counts: LineCounts = { lines: 0, truncated: 0 };
  let partial = '';
  let discarding = false;
  const cut = (text: string): void => {
    counts.lines += 1;
    counts.truncated += 1;
    onLine(detach(text.slice(0, maxLength)), true);
  };
  const emit = (text: string): void => {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.length > maxLength) {
      cut(line);
      return;
    }
    counts.lines += 1;
    onLine(line, false);
  };

  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const segments = chunk.split('\n');
    const last = segments.pop() ?? '';
    for (const segment of segments) {
      if (discarding) {
        discarding = false;
      } else {
        emit(partial + segment);
      }
      partial = '';
    }
    if (discarding) return;
    partial += last;
    // One more character is allowed while it may be the \r of a \r\n, so the cut does not depend on where chunks end.
    if (partial.length > maxLength + (partial.endsWith('\r') ? 1 : 0)) {
      // Cut now rather than at the newline that may never come; the rest of the line is dropped as it arrives.
      cut(partial);
      partial = '';
      discarding = true;
    }
  });
  stream.on('end', () => {
    if (partial !== '' && !discarding) emit(partial);
    partial = '';
  });
  // A broken pipe ends the output; the process exit is reported elsewhere.
  stream.on('error', () => undefined);
  return { counts: () => ({ ...counts }) };
};
