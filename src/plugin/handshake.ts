import { isAbsolute } from 'node:path';
import type { PluginAddress } from '../grpc/plugin-client.js';
import { coreProtocolVersion, maxUnixSocketPath } from '../protocol.js';
import { keepText } from '../text/bounded-text.js';

export interface Handshake {
  coreVersion: number;
  appVersion: number;
  address: PluginAddress;
  protocol: 'grpc';
}

export type HandshakeLine =
  | { kind: 'handshake'; handshake: Handshake }
  /** The line is meant as a handshake but is wrong; the message says how. */
  | { kind: 'invalid'; message: string }
  /** An ordinary log line printed before the handshake. */
  | { kind: 'log' };

// go-plugin's line starts with the core protocol version: digits, then a bar.
const looksLikeHandshake = /^\s*\d+\s*\|/;

// A bad line is echoed in the error, but never more than a screenful of it, and as a copy: the line may be a slice of a far larger chunk.
const shorten = (text: string, max: number): string => keepText(text, max);
const shown = (text: string, max = 200): string => JSON.stringify(shorten(text, max));
// A DNS name is at most 253 characters.
const maxHostLength = 253;
const hasControls = /\p{Cc}/u;
// The address is kept for the plugin's life: a copy, so it does not hold the line's chunk.
const copyText = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/**
 * Reads one stdout line of a starting plugin:
 * `CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL`, extra fields ignored
 * (go-plugin's line is the same, so its plugins can be supervised too).
 *
 * @example
 * parseHandshakeLine('1|1|unix|/tmp/hale-x/greeter.sock|grpc');
 * // { kind: 'handshake', handshake: { coreVersion: 1, appVersion: 1, address: { network: 'unix', address: '/tmp/hale-x/greeter.sock' }, protocol: 'grpc' } }
 */
export const parseHandshakeLine = (line: string): HandshakeLine => {
  if (!looksLikeHandshake.test(line)) return { kind: 'log' };
  const fields = line.trim().split('|');
  const invalid = (why: string): HandshakeLine => ({ kind: 'invalid', message: `bad handshake line ${shown(line)}: ${why}` });
  if (fields.length < 5) {
    return invalid(`expected 5 fields CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL, got ${fields.length}`);
  }
  const [core = '', app = '', network = '', address = '', protocol = ''] = fields;
  const coreVersion = Number(core);
  if (coreVersion !== coreProtocolVersion) {
    return invalid(`core protocol version ${shorten(core, 20)} is not supported (hale speaks ${coreProtocolVersion})`);
  }
  const appVersion = Number(app);
  if (!/^\d+$/.test(app) || !Number.isSafeInteger(appVersion)) {
    return invalid(`app protocol version ${shown(app, 40)} is not a whole number`);
  }
  if (protocol !== 'grpc') {
    return invalid(`protocol ${shown(protocol, 40)} is not supported (only grpc; go-plugin's netrpc is not)`);
  }
  const accepted = (kind: 'unix' | 'tcp'): HandshakeLine => ({
    kind: 'handshake',
    handshake: { coreVersion, appVersion, protocol, address: { network: kind, address: copyText(address) } },
  });
  if (network === 'unix') {
    if (!isAbsolute(address)) return invalid(`unix socket path ${shown(address, 120)} is not absolute`);
    if (hasControls.test(address)) return invalid(`unix socket path ${shown(address, 120)} holds control characters`);
    if (Buffer.byteLength(address) > maxUnixSocketPath) {
      return invalid(`unix socket path ${shown(address, 120)} is longer than ${maxUnixSocketPath} bytes, which Linux cannot connect to`);
    }
    return accepted('unix');
  }
  if (network === 'tcp') return isHostPort(address) ? accepted('tcp') : invalid(`tcp address ${shown(address, 120)} is not host:port`);
  return invalid(`network ${shown(network, 40)} is not unix or tcp`);
};

/** `127.0.0.1:4000`, `[::1]:4000`, `localhost:4000`. */
export const isHostPort = (address: string): boolean => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  return match !== null && (match[1]?.length ?? 0) <= maxHostLength && port >= 1 && port <= 65_535;
};
