import { isAbsolute } from 'node:path';
import type { PluginAddress } from '../grpc/plugin-client.js';
import { coreProtocolVersion } from '../protocol.js';

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

// A bad line is echoed in the error, but never more than a screenful of it.
const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
const shown = (text: string, max = 200): string => JSON.stringify(shorten(text, max));

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
  if (network === 'unix') {
    return isAbsolute(address)
      ? { kind: 'handshake', handshake: { coreVersion, appVersion, protocol, address: { network, address } } }
      : invalid(`unix socket path ${shown(address, 120)} is not absolute`);
  }
  if (network === 'tcp') {
    return isHostPort(address)
      ? { kind: 'handshake', handshake: { coreVersion, appVersion, protocol, address: { network, address } } }
      : invalid(`tcp address ${shown(address, 120)} is not host:port`);
  }
  return invalid(`network ${shown(network, 40)} is not unix or tcp`);
};

/** `127.0.0.1:4000`, `[::1]:4000`, `localhost:4000`. */
export const isHostPort = (address: string): boolean => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  return match !== null && port >= 1 && port <= 65_535;
};
