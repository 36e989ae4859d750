/** What went wrong, as a value a caller can switch on. */
export type HaleErrorCode =
  /** A server (the API, or a plugin's gRPC server) could not bind its address. */
  | 'listen_failed'
  /** A plugin author's extra gRPC service does not match its proto. */
  | 'service_invalid'
  /** The supervisor is stopping and takes no new work. */
  | 'shutting_down'
  /** Another supervisor that is still running holds the state dir. */
  | 'state_locked'
  /** The state dir cannot be made, read or written. */
  | 'state_unavailable';

/**
 * The one error class of hale. Expected outcomes (a failed health check, a
 * plugin that crashed) are values, not exceptions; a HaleError is for things
 * that stop an operation, and carries what caused it.
 *
 * @example
 * throw new HaleError('listen_failed', `cannot listen on ${address}`);
 */
export class HaleError extends Error {
  override readonly name = 'HaleError';

  constructor(
    readonly code: HaleErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a HaleError, optionally with the given code. */
export const isHaleError = (error: unknown, code?: HaleErrorCode): error is HaleError =>
  error instanceof HaleError && (code === undefined || error.code === code);
