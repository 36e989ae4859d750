import type { PluginAddress } from '../grpc/plugin-client.js';
import { appProtocolVersion, coreProtocolVersion } from '../protocol.js';

/**
 * The handshake line a plugin prints on stdout once it listens:
 * `CORE|APP|NETWORK|ADDRESS|grpc`, as HashiCorp go-plugin prints it.
 *
 * @example
 * formatHandshakeLine({ network: 'tcp', address: '127.0.0.1:40123' }); // '1|1|tcp|127.0.0.1:40123|grpc'
 */
export const formatHandshakeLine = (address: PluginAddress): string =>
  `${coreProtocolVersion}|${appProtocolVersion}|${address.network}|${address.address}|grpc`;

/** Prints the handshake line: the first and only line the SDK writes on stdout. */
export const printHandshakeLine = (address: PluginAddress): void => {
  process.stdout.write(`${formatHandshakeLine(address)}\n`);
};
