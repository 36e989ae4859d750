/**
 * Every process a bench starts is registered here, so that whatever ends the
 * bench (an error, Ctrl-C, SIGTERM) ends them too, by pid — a bench that dies
 * leaves nothing behind. Process groups are registered as negative pids.
 */
const started = new Set<number>();

/** Remembers a pid (or -pgid) to end when the bench ends; returns it. */
export const registerPid = (pid: number): number => {
  started.add(pid);
  return pid;
};

/** Forgets a pid the bench has ended itself. */
export const forgetPid = (pid: number): void => {
  started.delete(pid);
};

/** SIGKILLs everything still registered; synchronous, so it works in an 'exit' handler. */
export const killRegistered = (): void => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already: what was wanted.
    }
  }
  started.clear();
};

let installed = false;

/** Ends every registered process on exit, on SIGINT/SIGTERM and on an uncaught error. */
export const installCleanup = (): void => {
  if (installed) return;
  installed = true;
  process.on('exit', killRegistered);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killRegistered();
      process.exit(130);
    });
  }
};
