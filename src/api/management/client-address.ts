import { isIP } from 'node:net';
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

/** The eight 16-bit groups of an IPv6 address, or null. */
const groupsOf = (address: string): string[] | null => {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) => group.replace(/^0+(?=.)/, ''));
};

/**
 * What limits count a client by: an IPv4 address as it is, an IPv6 address
 * by its /64 (one host is given a whole /64 and can rotate through it),
 * an IPv4-mapped one as the IPv4 address.
 *
 * @example
 * clientKeyOf('::ffff:127.0.0.1'); // '127.0.0.1'
 * clientKeyOf('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 */
export const clientKeyOf = (address: string): string => {
  const bare = address.split('%')[0] ?? address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped !== null) return mapped[1] ?? bare;
  if (isIP(bare) !== 6) return bare;
  const groups = groupsOf(bare.toLowerCase());
  return groups === null ? bare : `${groups.slice(0, 4).join(':')}::/64`;
};
