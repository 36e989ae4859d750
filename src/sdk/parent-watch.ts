import { fstatSync } from 'node:fs';

// A supervisor hands its plugin a pipe (a FIFO, or a socketpair as Node and execa make it).
const stdinIsPipe = (): boolean => {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
};

/**
 * Calls `onClose` once when stdin, a pipe from the supervisor, reaches its
 * end: the supervisor is gone (even if it was SIGKILLed), so the plugin should
 * go too. A terminal, a file or /dev/null is not watched: those end at once
 * or never, and say nothing about a parent. Returns a function that stops watching.
 *
 * @example
 * watchStdinClose(() => void handle.stop('stdin closed'));
 */
export const watchStdinClose = (onClose: () => void): (() => void) => {
  if (!stdinIsPipe()) return () => {};
  const stdin = process.stdin;
  let called = false;
  const closed = (): void => {
    if (called) return;
    called = true;
    onClose();
  };
  // Whatever arrives on stdin is not for the plugin; reading it is how the end is seen.
  const discard = (): void => {};
  stdin.on('data', discard);
  stdin.once('end', closed);
  stdin.once('close', closed);
  stdin.once('error', closed);
  return () => {
    stdin.off('data', discard);
    stdin.off('end', closed);
    stdin.off('close', closed);
    stdin.off('error', closed);
    stdin.pause();
  };
};
