const stopSignals = ['SIGTERM', 'SIGINT'] as const;

/**
 * Calls `handler` on SIGTERM or SIGINT instead of dying at once, so the
 * plugin can stop gracefully. Returns a function that removes the handlers.
 *
 * @example
 * onStopSignals((signal) => void handle.stop(`received ${signal}`));
 */
export const onStopSignals = (handler: (signal: NodeJS.Signals) => void): (() => void) => {
  const listener = (signal: NodeJS.Signals): void => handler(signal);
  for (const signal of stopSignals) process.on(signal, listener);
  return () => {
    for (const signal of stopSignals) process.off(signal, listener);
  };
};
