import { parseAddress } from '../config/address.js';
import { quoteText } from '../config/quote-text.js';
import type { SupervisorConfig } from '../config/types.js';

/** Where a listening address came from, most binding first. */
export type AddressSource = 'option' | 'env' | 'config';

/** Where `hale run` listens: the API's port and gRPC health's address, each with where it was said. */
export interface ListenAddresses {
  api: { host: string; port: number; source: AddressSource };
  grpc: { address: string; source: Exclude<AddressSource, 'option'> };
}

export type ListenAddressesResult = { ok: true; addresses: ListenAddresses } | { ok: false; message: string };

/** The environment variables that move hale's listeners without editing the config. */
export const apiPortEnv = 'HALE_API_PORT';
export const grpcAddressEnv = 'HALE_GRPC_ADDRESS';

/**
 * A port number written in decimal digits, 0 to 65535; null for anything else.
 *
 * @example
 * readPort('8081'); // 8081
 * readPort('80a');  // null
 */
export const readPort = (text: string): number | null => {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65_535 ? port : null;
};

/**
 * The API port (`apiPort` from `hale run --port`, else HALE_API_PORT, else
 * api.port) and the gRPC health address (HALE_GRPC_ADDRESS, else
 * grpc.address). An empty variable counts as unset; any other value that is
 * not a port or an address is refused, naming the variable.
 *
 * @example
 * resolveListenAddresses(config, { apiPort: 8081, env: {} }).addresses.api; // { host: '127.0.0.1', port: 8081, source: 'option' }
 * resolveListenAddresses(config, { env: { HALE_API_PORT: 'x' } }).message;  // 'HALE_API_PORT="x" is not a port: give a whole number from 0 to 65535'
 */
export const resolveListenAddresses = (
  config: Pick<SupervisorConfig, 'api' | 'grpc'>,
  { apiPort, env }: { apiPort?: number | undefined; env: Readonly<Record<string, string | undefined>> },
): ListenAddressesResult => {
  const portText = env[apiPortEnv] ?? '';
  const envPort = portText === '' ? null : readPort(portText);
  if (portText !== '' && envPort === null)
    return { ok: false, message: `${apiPortEnv}=${quoteText(portText)} is not a port: give a whole number from 0 to 65535` };
  const api =
    apiPort !== undefined
      ? { host: config.api.host, port: apiPort, source: 'option' as const }
      : envPort !== null
        ? { host: config.api.host, port: envPort, source: 'env' as const }
        : { host: config.api.host, port: config.api.port, source: 'config' as const };
  const addressText = env[grpcAddressEnv] ?? '';
  if (addressText === '') return { ok: true, addresses: { api, grpc: { address: config.grpc.address, source: 'config' } } };
  const address = parseAddress(addressText, { listen: true });
  if (!address.ok) return { ok: false, message: `${grpcAddressEnv}: ${address.message}` };
  return { ok: true, addresses: { api, grpc: { address: address.value, source: 'env' } } };
};
