import type { Readable } from 'node:stream';

export interface LineOptions {
  /** Longer lines are cut here; the rest, up to the next newline, is dropped. */
  maxLength: number;
}

/**
 * Splits a stream into lines without ever holding more than `maxLength`
 * characters of one line, so an endless line cannot grow memory.
 *
 * @example
 * readLines(child.stdout, { maxLength: 16_384 }, (line, truncated) => log.info({ truncated }, line));
 */
export const readLines = (
  stream: Readable,
  { maxLength }: LineOptions,
  onLine: (line: string, truncated: boolean) => void,
): void => {
  let partial = '';
  let discarding = false;
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line, false);

  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const segments = chunk.split('\n');
    const last = segments.pop() ?? '';
    for (const segment of segments) {
      if (discarding) {
        discarding = false;
      } else if (partial.length + segment.length > maxLength) {
        onLine((partial + segment).slice(0, maxLength), true);
      } else {
        emit(partial + segment);
      }
      partial = '';
    }
    if (discarding) return;
    partial += last;
    if (partial.length > maxLength) {
      onLine(partial.slice(0, maxLength), true);
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
};
