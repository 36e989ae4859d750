import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { HaleError } from '../errors.js';
import { addExtraService, type ExtraService } from './extra-service-server.js';
import type { PluginAddress } from './plugin-client.js';
import { createPluginHealthWatches, pluginServiceImplementation, type PluginHandlers } from './plugin-service-server.js';
import { pluginService } from './proto.js';
import { shutdownServer } from './server-shutdown.js';

/** The grpc.health.v1 service names a plugin answers for: the server as a whole, and go-plugin's "plugin". */
export const standardHealthServices = ['', 'plugin'] as const;

// Plugin RPCs are small; a large message is a mistake or an attack.
const maxReceiveMessageLength = 256 * 1024;

export interface PluginServerOptions {
  /** Where to listen, in order of preference: the first address that binds wins. */
  listen: PluginAddress[];
  handlers: PluginHandlers;
  services?: ExtraService[];
}

/**
 * A plugin's gRPC server: hale.plugin.v1.Plugin, grpc.health.v1.Health and
 * the author's own services, on one address.
 */
export interface PluginServer {
  /** Where it listens; for tcp with port 0, the port that was given. */
  readonly address: PluginAddress;
  /** Why each address tried before `address` did not bind. */
  readonly bindFailures: string[];
  /** SERVING or NOT_SERVING on grpc.health.v1 for every standard service name. */
  setServing: (serving: boolean) => void;
  /** Ends the WatchHealth streams, lets calls in flight finish for up to `graceMs`, then cuts the rest. Safe to call twice. */
  shutdown: (graceMs: number) => Promise<void>;
}

const toBindTarget = ({ network, address }: PluginAddress): string => (network === 'unix' ? `unix:${address}` : address);

const bind = (server: grpc.Server, address: PluginAddress): Promise<{ ok: true; port: number } | { ok: false; message: string }> =>
  new Promise((resolve) => {
    server.bindAsync(toBindTarget(address), grpc.ServerCredentials.createInsecure(), (error, port) => {
      resolve(error ? { ok: false, message: error.message } : { ok: true, port });
    });
  });

// For `host:0` the bound port replaces the 0; unix paths stay as they are.
const boundAddress = (address: PluginAddress, port: number): PluginAddress => {
  if (address.network === 'unix') return address;
  const host = address.address.slice(0, address.address.lastIndexOf(':'));
  return { network: 'tcp', address: `${host}:${port}` };
};

/**
 * Starts a plugin's gRPC server on the first address of `listen` that binds.
 * The only place hale runs the server side of @grpc/grpc-js.
 *
 * @example
 * const server = await startPluginServer({ listen: [{ network: 'tcp', address: '127.0.0.1:0' }], handlers });
 * console.log(server.address); // { network: 'tcp', address: '127.0.0.1:40123' }
 * await server.shutdown(2_000);
 */
export const startPluginServer = async (options: PluginServerOptions): Promise<PluginServer> => {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxReceiveMessageLength,
  });
  const watches = createPluginHealthWatches(options.handlers);
  server.addService(pluginService().service, pluginServiceImplementation(options.handlers, watches));
  const health = new HealthImplementation(Object.fromEntries(standardHealthServices.map((name) => [name, 'SERVING' as const])));
  health.addToServer(server);
  for (const extra of options.services ?? []) addExtraService(server, extra);

  const bindFailures: string[] = [];
  for (const address of options.listen) {
    const bound = await bind(server, address);
    if (!bound.ok) {
      bindFailures.push(`${toBindTarget(address)}: ${bound.message}`);
      continue;
    }
    let stopping: Promise<void> | null = null;
    return {
      address: boundAddress(address, bound.port),
      bindFailures,
      setServing: (serving) => {
        for (const name of standardHealthServices) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
      },
      shutdown: (graceMs) => {
        // grpc-js's graceful shutdown waits for every open call, and a health stream never ends by itself.
        watches.endAll();
        return (stopping ??= shutdownServer(server, graceMs));
      },
    };
  }
  server.forceShutdown();
  throw new HaleError('listen_failed', `the plugin's gRPC server could not listen: ${bindFailures.join('; ') || 'no address to try'}`);
};
