import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { HaleError } from '../errors.js';
import type { ServingChange, ServingSource } from './serving-source.js';
import { shutdownServer } from './server-shutdown.js';

/** Watch streams open at once; one more is refused with RESOURCE_EXHAUSTED. */
export const maxWatchers = 1_000;

// Calls still running when close() is asked get this long before they are cut.
const closeGraceMs = 1_000;

// A service name is all a request holds.
const maxReceiveMessageLength = 16 * 1024;

// A longer name is cut in error messages, so an odd request cannot make an oversized trailer.
const maxNameInMessage = 200;

type WatchStatus = ServingChange['status'];

interface HealthRequest {
  service: string;
}

interface HealthResponse {
  status: WatchStatus;
}

interface HealthListResponse {
  statuses: Record<string, HealthResponse>;
}

interface Watcher {
  service: string;
  /** The last status sent, so the same one is never sent twice in a row. */
  last: WatchStatus;
  call: grpc.ServerWritableStream<HealthRequest, HealthResponse>;
}

export interface HealthServerOptions {
  /** `host:port` (port 0: any free port) or `unix:/absolute/path`. */
  address: string;
  source: ServingSource;
  log?: { warn(obj: object, msg: string): void };
}

/** hale's own grpc.health.v1.Health service: "" for the supervisor, one name per plugin. */
export interface HealthServer {
  /** The address as bound: for `host:0`, the port the system chose. */
  readonly address: string;
  /** Watch streams open now. */
  watchers(): number;
  /** Ends every Watch stream, then stops the server (cutting what is left after 1 s). Safe to call twice. */
  close(): Promise<void>;
}

const quoteName = (name: string): string => JSON.stringify(name.length > maxNameInMessage ? `${name.slice(0, maxNameInMessage)}…` : name);

const unknownService = (name: string): Partial<grpc.StatusObject> => ({
  code: grpc.status.NOT_FOUND,
  details: `unknown service ${quoteName(name)}: hale serves "" for itself and one name per plugin`,
});

const bind = (server: grpc.Server, address: string): Promise<{ ok: true; port: number } | { ok: false; error: Error }> =>
  new Promise((resolve) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
      resolve(error ? { ok: false, error } : { ok: true, port });
    });
  });

// grpc-js wraps the system's reason ("listen EADDRINUSE: …") in "No address added out of total 1 resolved errors: [...]".
const bindFailure = (error: Error): string => /errors: \[(.+)\]$/s.exec(error.message)?.[1] ?? error.message;

// For `host:0` the bound port replaces the 0; a unix address stays as it is.
const boundAddress = (address: string, port: number): string =>
  address.startsWith('unix:') ? address : `${address.slice(0, address.lastIndexOf(':'))}:${port}`;

/** The Watch streams by service name, with their count. */
const createWatcherSet = () => {
  const byService = new Map<string, Set<Watcher>>();
  let count = 0;
  return {
    get count() {
      return count;
    },
    add(watcher: Watcher): void {
      const set = byService.get(watcher.service) ?? new Set<Watcher>();
      byService.set(watcher.service, set);
      set.add(watcher);
      count += 1;
    },
    remove(watcher: Watcher): void {
      const set = byService.get(watcher.service);
      if (set === undefined || !set.delete(watcher)) return;
      count -= 1;
      if (set.size === 0) byService.delete(watcher.service);
    },
    of: (service: string): Watcher[] => [...(byService.get(service) ?? [])],
    all: (): Watcher[] => [...byService.values()].flatMap((set) => [...set]),
  };
};

/**
 * Serves grpc.health.v1.Health (Check, Watch, List) from a ServingSource, so
 * Kubernetes' gRPC probe and grpc_health_probe can ask hale directly. Watch
 * sends the current status at once (SERVICE_UNKNOWN for a name hale does not
 * know, and the stream stays open) and then every change.
 *
 * @example
 * const health = await startHealthServer({ address: '127.0.0.1:0', source: createServingSource(supervisor) });
 * console.log(health.address); // '127.0.0.1:40123'
 * await health.close();
 */
export const startHealthServer = async (options: HealthServerOptions): Promise<HealthServer> => {
  const { source, log } = options;
  const watchers = createWatcherSet();
  let closing: Promise<void> | null = null;
  let warnedFull = false;

  const send = (watcher: Watcher, status: WatchStatus): void => {
    if (watcher.last === status) return;
    watcher.last = status;
    watcher.call.write({ status });
  };

  const watch = (call: grpc.ServerWritableStream<HealthRequest, HealthResponse>): void => {
    if (closing !== null) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the health service is closing' });
      return;
    }
    if (watchers.count >= maxWatchers) {
      if (!warnedFull) log?.warn({ watchers: watchers.count }, `gRPC health: ${maxWatchers} Watch streams are open; refusing more`);
      warnedFull = true;
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `at most ${maxWatchers} Watch streams may be open at once` });
      return;
    }
    const watcher: Watcher = { service: call.request.service, last: source.current().get(call.request.service) ?? 'SERVICE_UNKNOWN', call };
    watchers.add(watcher);
    const remove = () => {
      watchers.remove(watcher);
      if (watchers.count < maxWatchers) warnedFull = false;
    };
    call.once('cancelled', remove);
    call.once('close', remove);
    call.write({ status: watcher.last });
  };

  const implementation: grpc.UntypedServiceImplementation = {
    Check: (call: grpc.ServerUnaryCall<HealthRequest, HealthResponse>, callback: grpc.sendUnaryData<HealthResponse>) => {
      const status = source.current().get(call.request.service);
      if (status === undefined) callback(unknownService(call.request.service));
      else callback(null, { status });
    },
    Watch: watch,
    List: (_call: grpc.ServerUnaryCall<object, HealthListResponse>, callback: grpc.sendUnaryData<HealthListResponse>) => {
      const statuses = Object.fromEntries([...source.current()].map(([name, status]) => [name, { status }]));
      callback(null, { statuses });
    },
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxReceiveMessageLength,
    // channelz keeps per-call counters and traces for a debugging service hale does not serve.
    'grpc.enable_channelz': 0,
    // A Watch client that vanished without a reset (a pulled cable) is found and its slot freed.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
  });
  server.addService(healthService, implementation);

  const bound = await bind(server, options.address);
  if (!bound.ok) {
    server.forceShutdown();
    throw new HaleError('listen_failed', `cannot serve gRPC health on ${options.address}: ${bindFailure(bound.error)}`, {
      cause: bound.error,
    });
  }

  const unsubscribe = source.subscribe((changes) => {
    for (const change of changes) {
      for (const watcher of watchers.of(change.service)) send(watcher, change.status);
    }
  });

  const close = async (): Promise<void> => {
    unsubscribe();
    // Ended by us, with a status, so a client sees the stream end instead of waiting on it.
    for (const watcher of watchers.all()) {
      watchers.remove(watcher);
      watcher.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the health service is closing' });
    }
    await shutdownServer(server, closeGraceMs);
  };

  return {
    address: boundAddress(options.address, bound.port),
    watchers: () => watchers.count,
    close: () => (closing ??= close()),
  };
};
