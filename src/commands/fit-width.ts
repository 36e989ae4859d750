/**
 * Lines cut to `width` characters, the cut marked with `…`; as they are when
 * `width` is undefined (output that is not a terminal is never cut).
 *
 * @example
 * fitWidth('greeter  failed  exited; not restarted', 20); // 'greeter  failed  ex…'
 */
export const fitWidth = (text: string, width: number | undefined): string => {
  if (width === undefined || width < 2) return text;
  return text
    .split('\n')
    .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line))
    .join('\n');
};

/** The terminal's width when stdout is one; undefined when it is a pipe or a file. */
export const terminalWidth = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : undefined);
