import { maxUnixSocketPath } from '../protocol.js';
import { quoteText } from './quote-text.js';

/** The outcome of reading an address: the text as given, or why it is not one. */
export type AddressResult = { ok: true; value: string } | { ok: false; message: string };

const hint = '(write unix:/absolute/path or host:port, e.g. 127.0.0.1:50051 or [::1]:50051)';

const fail = (text: string, why: string): AddressResult => ({ ok: false, message: `invalid address ${quoteText(text)}: ${why} ${hint}` });

const readUnix = (text: string): AddressResult => {
  const path = text.slice('unix:'.length);
  if (!path.startsWith('/')) return fail(text, 'the socket path must be absolute');
  if (Buffer.byteLength(path) > maxUnixSocketPath) {
    return fail(text, `the socket path is longer than ${maxUnixSocketPath} bytes, which Linux cannot bind`);
  }
  return { ok: true, value: text };
};

/**
 * Checks a gRPC address: `unix:/absolute/path` or `host:port` (an IPv6 host
 * in brackets). Port 0 (any free port) only makes sense for listening.
 *
 * @example
 * parseAddress('127.0.0.1:50051', { listen: false }); // { ok: true, value: '127.0.0.1:50051' }
 * parseAddress('localhost', { listen: false });       // { ok: false, message: 'invalid address "localhost": no port ...' }
 */
export const parseAddress = (text: string, { listen }: { listen: boolean }): AddressResult => {
  if (text.startsWith('unix:')) return readUnix(text);
  const colon = text.lastIndexOf(':');
  if (colon === -1) return fail(text, 'no port');
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (host === '') return fail(text, 'no host');
  if (host.includes(':') && !/^\[[0-9A-Fa-f:.]+\]$/.test(host)) return fail(text, 'put an IPv6 host in brackets');
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) return fail(text, `${quoteText(port)} is not a port (0-65535)`);
  if (Number(port) === 0 && !listen) return fail(text, 'port 0 cannot be connected to');
  return { ok: true, value: text };
};
