import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { createApiClient, type ApiClient } from '../client/api-client.js';
import { readApiAddress } from '../state/api-address.js';

export interface TargetFlags {
  url?: string | undefined;
  token?: string | undefined;
  config?: string | undefined;
}

const hostOf = (host: string): string =>
  host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

/**
 * The supervisor a client command talks to: --url, else HALE_URL, else the
 * API of the config file (-c, or ./supervisor.yaml when it exists), else
 * http://127.0.0.1:8080; the token from --token, HALE_API_TOKEN, or that config.
 *
 * @example
 * const client = await resolveTarget({ url: undefined, token: undefined, config: undefined }, process.env, 3_000);
 */
export const resolveTarget = async (flags: TargetFlags, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<ApiClient> => {
  // An empty variable is an unset one, as a shell's `HALE_URL= hale status` means.
  let url = flags.url ?? (env['HALE_URL'] === '' ? undefined : env['HALE_URL']);
  let token = flags.token ?? (env['HALE_API_TOKEN'] === '' ? undefined : env['HALE_API_TOKEN']) ?? null;
  const file = flags.config ?? (existsSync('supervisor.yaml') ? 'supervisor.yaml' : undefined);
  if ((url === undefined || token === null) && file !== undefined) {
    const loaded = await loadConfig(file, env);
    if (loaded.ok) {
      // A running hale says where it is (port 0 included); the config says where it would be.
      url ??= (await readApiAddress(loaded.config.stateDir))?.url ?? `http://${hostOf(loaded.config.api.host)}:${loaded.config.api.port}`;
      token ??= loaded.config.api.token;
    }
  }
  return createApiClient({ url: url ?? 'http://127.0.0.1:8080', token, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
};
