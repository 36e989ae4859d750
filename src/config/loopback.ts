import { isIP } from 'node:net';

/**
 * True for a host only this machine can reach: `localhost`, 127.0.0.0/8,
 * `::1` (bracketed or not) and IPv4-mapped 127.x. `0.0.0.0`, `::`, any other
 * address and any other name may be reachable from elsewhere.
 *
 * @example
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0');   // false
 */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) {
    // The URL parser writes an IPv6 address in its one short form: 0:0:0:0:0:0:0:1 is [::1].
    const short = new URL(`http://[${lower}]/`).hostname;
    return short === '[::1]' || /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|127\.)/.test(short);
  }
  return false;
};
