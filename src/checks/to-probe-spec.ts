import type { HealthCheckConfig } from '../config/types.js';
import type { ProbeSpec } from './probe-spec.js';

/**
 * What a configured check asks, as a probe spec; a grpc check without an
 * address of its own asks at `ownAddress` (a plugin's, from its handshake).
 * null when there is nowhere to ask.
 *
 * @example
 * toProbeSpec({ protocol: 'tcp', host: '127.0.0.1', port: 5432, retries: 0, retryDelayMs: 100 }, null);
 * // { protocol: 'tcp', host: '127.0.0.1', port: 5432 }
 */
export const toProbeSpec = (check: Exclude<HealthCheckConfig, { protocol: 'plugin' }>, ownAddress: string | null): ProbeSpec | null => {
  switch (check.protocol) {
    case 'grpc': {
      const address = check.address ?? ownAddress;
      return address === null ? null : { protocol: 'grpc', address, service: check.service };
    }
    case 'http':
      return { protocol: 'http', url: check.url, field: check.field, headers: check.headers };
    case 'tcp':
      return { protocol: 'tcp', host: check.host, port: check.port };
    case 'exec':
      return { protocol: 'exec', command: check.command, args: check.args, cwd: check.cwd, env: check.env };
  }
};
