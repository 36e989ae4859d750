import type { Context } from 'hono';

/**
 * The address a request came from, as the socket says (no proxy header is
 * trusted: hale listens on loopback, or behind a proxy the operator runs).
 *
 * @example
 * clientAddressOf(c); // '127.0.0.1'
 */
export const clientAddressOf = (c: Context): string => {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
};
