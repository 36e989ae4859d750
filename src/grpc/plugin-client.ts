import * as grpc from '@grpc/grpc-js';
import type { ComponentHealth, HealthReport, HealthStatus, PluginInfo } from '../plugin/health-report.js';
import { pluginService } from './proto.js';

/** Where a plugin listens, as its handshake line (or the config) names it. */
export interface PluginAddress {
  network: 'unix' | 'tcp';
  /** An absolute socket path for unix, `host:port` for tcp. */
  address: string;
}

export type CallFailure = {
  ok: false;
  /** `deadline`: no answer in time; `unavailable`: nobody listening; `error`: any other RPC error. */
  kind: 'deadline' | 'unavailable' | 'error';
  message: string;
  /** With kind `error`: the gRPC status name the plugin answered with, e.g. `UNIMPLEMENTED`. */
  status?: string;
};

/** The outcome of one RPC: a value, never an exception. */
export type CallResult<T> = { ok: true; value: T } | CallFailure;

/**
 * A gRPC client of one plugin process. Every call takes a deadline and
 * answers with a value: a plugin that hangs or dies is an outcome, not a throw.
 *
 * @example
 * const client = createPluginClient({ network: 'unix', address: '/tmp/x/p.sock' });
 * const health = await client.healthCheck(1_000);
 * if (health.ok) console.log(health.value.status);
 * client.close();
 */
export interface PluginClient {
  readonly target: string;
  /** Resolves once a connection is up, or with why not by the deadline. */
  waitReady(timeoutMs: number): Promise<CallResult<void>>;
  healthCheck(timeoutMs: number): Promise<CallResult<HealthReport>>;
  getInfo(timeoutMs: number): Promise<CallResult<PluginInfo>>;
  /** hale's Shutdown; a plugin without it (a go-plugin one) gets go-plugin's GRPCController/Shutdown in the time left. */
  shutdown(reason: string, timeoutMs: number): Promise<CallResult<void>>;
  close(): void;
}

// A plugin's answer is untrusted input: cap what we keep of it.
const maxMessageLength = 1_024;
const maxComponents = 64;

const channelOptions: grpc.ChannelOptions = {
  // A health check must see the plugin as it is now, not after silent retries.
  'grpc.enable_retries': 0,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.max_receive_message_length': 1024 * 1024,
  // channelz keeps per-call counters and traces for a debugging service hale does not serve.
  'grpc.enable_channelz': 0,
};

// go-plugin's own stop RPC (internal/plugin/grpc_controller.proto), for plugins built with it.
const goPluginShutdown = '/plugin.GRPCController/Shutdown';
const passBytes = (bytes: Buffer): Buffer => bytes;

/** The grpc-js target string for an address. */
export const toTarget = ({ network, address }: PluginAddress): string =>
  network === 'unix' ? `unix:${address}` : address;

export const createPluginClient = (address: PluginAddress): PluginClient => {
  const Client = pluginService();
  const target = toTarget(address);
  const client = new Client(target, grpc.credentials.createInsecure(), channelOptions);

  const call = <T>(method: string, request: object, timeoutMs: number, map: (raw: unknown) => T) =>
    new Promise<CallResult<T>>((resolve) => {
      const fn = client[method] as unknown as (
        req: object,
        options: grpc.CallOptions,
        callback: (error: grpc.ServiceError | null, response: unknown) => void,
      ) => void;
      fn.call(client, request, { deadline: Date.now() + timeoutMs }, (error, response) => {
        resolve(error ? toFailure(error) : { ok: true, value: map(response) });
      });
    });
  // go-plugin's controller: an empty message each way, so no proto is needed.
  const shutdownController = (timeoutMs: number) =>
    new Promise<CallResult<void>>((resolve) => {
      const options = { deadline: Date.now() + Math.max(0, timeoutMs) };
      client.makeUnaryRequest(goPluginShutdown, passBytes, passBytes, Buffer.alloc(0), options, (error) => {
        // It stops its server before it answers, so a dropped connection is how it says yes.
        resolve(error === null || error.code === grpc.status.UNAVAILABLE ? { ok: true, value: undefined } : toFailure(error));
      });
    });

  return {
    target,
    waitReady: (timeoutMs) =>
      new Promise((resolve) => {
        client.waitForReady(Date.now() + timeoutMs, (error) => {
          resolve(error ? { ok: false, kind: 'unavailable', message: error.message } : { ok: true, value: undefined });
        });
      }),
    healthCheck: (timeoutMs) => call('healthCheck', {}, timeoutMs, toHealthReport),
    getInfo: (timeoutMs) => call('getInfo', {}, timeoutMs, toPluginInfo),
    shutdown: async (reason, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      const asked = await call('shutdown', { reason }, timeoutMs, () => undefined);
      // A go-plugin plugin has no hale Shutdown; go-plugin's GRPCController stops it instead.
      return !asked.ok && asked.status === 'UNIMPLEMENTED' ? shutdownController(deadline - Date.now()) : asked;
    },
    close: () => client.close(),
  };
};

const toFailure = (error: grpc.ServiceError): CallFailure => {
  if (error.code === grpc.status.DEADLINE_EXCEEDED) {
    return { ok: false, kind: 'deadline', message: 'no answer before the deadline' };
  }
  if (error.code === grpc.status.UNAVAILABLE) {
    return { ok: false, kind: 'unavailable', message: `unavailable: ${error.details || error.message}` };
  }
  const name = grpc.status[error.code] ?? String(error.code);
  return { ok: false, kind: 'error', message: `${name}: ${error.details || error.message}`, status: name };
};

const statusNames: Record<string, HealthStatus> = {
  HEALTHY: 'healthy',
  DEGRADED: 'degraded',
  UNHEALTHY: 'unhealthy',
  UNKNOWN: 'unknown',
};

const toStatus = (raw: unknown): HealthStatus =>
  (typeof raw === 'string' ? statusNames[raw] : undefined) ?? 'unknown';

const toText = (raw: unknown): string => {
  const text = typeof raw === 'string' ? raw : '';
  return text.length > maxMessageLength ? `${text.slice(0, maxMessageLength)}…` : text;
};

const toNumber = (raw: unknown): number =>
  typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? raw : 0;

const field = (raw: unknown, key: string): unknown =>
  typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;

const toComponent = (raw: unknown): ComponentHealth => ({
  name: toText(field(raw, 'name')),
  status: toStatus(field(raw, 'status')),
  critical: field(raw, 'critical') === true,
  latencyMs: toNumber(field(raw, 'latencyMs')),
  message: toText(field(raw, 'message')),
});

const toHealthReport = (raw: unknown): HealthReport => {
  const components = field(raw, 'components');
  return {
    status: toStatus(field(raw, 'status')),
    message: toText(field(raw, 'message')),
    components: Array.isArray(components) ? components.slice(0, maxComponents).map(toComponent) : [],
  };
};

const toPluginInfo = (raw: unknown): PluginInfo => ({
  name: toText(field(raw, 'name')),
  version: toText(field(raw, 'version')),
  description: toText(field(raw, 'description')),
});
