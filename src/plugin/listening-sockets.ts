import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** A listening socket as /proc/net lists it: its inode, and where it listens. */
export interface ListeningSocket {
  inode: number;
  /** unix: the bound path as the binder wrote it; tcp: the IP address in canonical text (`127.0.0.1`, `::1`, `::`). */
  address: string;
  /** tcp only; 0 for unix. */
  port: number;
}

/** What a /proc/net file held, or why it could not be read whole. */
export type ListingResult = { ok: true; sockets: ListeningSocket[] } | { ok: false; reason: string };

// A busy host lists tens of thousands of sockets; past these the listing is not trusted to be whole.
const maxListingBytes = 64 * 1024 * 1024;
const maxListingLines = 1_000_000;
const chunkBytes = 64 * 1024;

/** Calls `onLine` for each line of a /proc file, reading it in chunks; false when a bound cut it short. */
const readProcLines = (path: string, onLine: (line: string) => void): { ok: true } | { ok: false; reason: string } => {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { ok: false, reason: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const buffer = Buffer.alloc(chunkBytes);
  let partial = '';
  let bytes = 0;
  let lines = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, chunkBytes, null);
      if (read <= 0) break;
      bytes += read;
      const parts = (partial + buffer.toString('latin1', 0, read)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
      lines += parts.length;
      if (bytes > maxListingBytes || lines > maxListingLines)
        return { ok: false, reason: `${path} is longer than hale reads (${lines} lines)` };
    }
    if (partial !== '') onLine(partial);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
};

// __SO_ACCEPTCON in /proc/net/unix's Flags: the socket listens.
const acceptFlag = 0x10000;

/**
 * Parses one line of /proc/net/unix (`Num RefCount Protocol Flags Type St Inode Path`): a listening
 * socket bound to a path, or null (the header, an unbound or abstract socket, one that does not listen).
 *
 * @example
 * parseUnixLine('0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/p.sock'); // { inode: 23456, address: '/run/p.sock', port: 0 }
 */
export const parseUnixLine = (line: string): ListeningSocket | null => {
  const match = /^\s*[0-9a-fA-F]+: [0-9a-fA-F]+ [0-9a-fA-F]+ ([0-9a-fA-F]+) [0-9a-fA-F]+ [0-9a-fA-F]+ +(\d+) (.*)$/.exec(line);
  if (match === null) return null;
  const [, flags = '0', inode = '0', path = ''] = match;
  if ((Number.parseInt(flags, 16) & acceptFlag) === 0 || !path.startsWith('/')) return null;
  return { inode: Number(inode), address: path, port: 0 };
};

const littleEndian = endianness() === 'LE';

/** Four bytes of an address from 8 hex digits the kernel printed as a host-order 32-bit word. */
const wordBytes = (hex: string): number[] => {
  const word = Number.parseInt(hex, 16) >>> 0;
  const bytes = [(word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
};

// Text as WHATWG URL writes an IPv6 host (RFC 5952: lower case, the first longest run of zero groups as '::'), so it compares with a parsed target.
const formatIpv6 = (bytes: number[]): string => {
  const groups = Array.from({ length: 8 }, (_, i) => (((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0)).toString(16));
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
};

/**
 * Parses one line of /proc/net/tcp or /proc/net/tcp6: a socket in state 0A (LISTEN), or null.
 *
 * @example
 * parseTcpLine('   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0');
 * // { inode: 4242, address: '127.0.0.1', port: 8080 } (on a little-endian machine; IPv6 as `::1`, `::ffff:7f00:1`)
 */
export const parseTcpLine = (line: string): ListeningSocket | null => {
  const fields = line.trim().split(/\s+/);
  const [local = '', , state = '', , , , , , inode = ''] = fields.slice(1);
  if (state !== '0A' || !/^\d+$/.test(inode)) return null;
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(local);
  if (match === null) return null;
  const [, hex = '', portHex = ''] = match;
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap(wordBytes);
  const address = bytes.length === 4 ? bytes.join('.') : formatIpv6(bytes);
  return { inode: Number(inode), address, port: Number.parseInt(portHex, 16) };
};

const readListing = (paths: string[], parse: (line: string) => ListeningSocket | null): ListingResult => {
  const sockets: ListeningSocket[] = [];
  for (const path of paths) {
    const read = readProcLines(path, (line) => {
      const socket = parse(line);
      if (socket !== null) sockets.push(socket);
    });
    if (!read.ok) return read;
  }
  return { ok: true, sockets };
};

/**
 * Every unix socket listening on a path, from /proc/net/unix (Linux).
 *
 * @example
 * const listing = readListeningUnixSockets();
 * if (listing.ok) listing.sockets.filter((s) => s.address === '/run/p.sock');
 */
export const readListeningUnixSockets = (): ListingResult => readListing(['/proc/net/unix'], parseUnixLine);

/**
 * Every TCP socket in LISTEN, from /proc/net/tcp and /proc/net/tcp6 (Linux; a kernel without IPv6 has no tcp6).
 *
 * @example
 * const listing = readListeningTcpSockets();
 * if (listing.ok) listing.sockets.filter((s) => s.port === 8080);
 */
export const readListeningTcpSockets = (): ListingResult => {
  const paths = existsSync('/proc/net/tcp6') ? ['/proc/net/tcp', '/proc/net/tcp6'] : ['/proc/net/tcp'];
  return readListing(paths, parseTcpLine);
};
