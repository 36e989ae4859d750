/** What went wrong, as a value a caller can switch on. */
export type HaleErrorCode =
  | 'config_invalid'
  | 'config_unreadable'
  | 'spawn_failed'
  | 'handshake_invalid'
  | 'handshake_timeout'
  | 'exited_before_handshake'
  | 'connect_failed'
  | 'plugin_not_found'
  | 'not_a_plugin'
  | 'listen_failed'
  | 'service_invalid'
  | 'shutting_down';

/**
 * The one error class of hale. Expected outcomes (a failed health check, a
 * plugin that crashed) are values, not exceptions; a HaleError is for things
 * that stop an operation, and carries what caused it.
 *
 * @example
 * throw new HaleError('plugin_not_found', `no plugin named "${name}"`);
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
