import * as grpc from '@grpc/grpc-js';
import type { HealthReport, PluginInfo } from '../model/health-report.js';
import { keepUntrustedText } from '../text/bounded-text.js';
import { answerLimits, toHealthReport, toPluginInfo, toPushedHealth } from './plugin-answers.js';
import { readKeepaliveEnd, toKeepaliveChannelOptions, type KeepaliveOptions } from './keepalive.js';
import { pluginService } from './proto.js';
import { watchStream } from './stream-watch.js';

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
  /**
   * `too_many_pings`: the peer closed the connection with GOAWAY ENHANCE_YOUR_CALM because of our
   * keepalive pings (grpc-js doubles that channel's ping interval). An unanswered ping has no reason
   * of its own: grpc-js reports it as it reports a dropped connection.
   */
  reason?: 'too_many_pings';
};

/** What a WatchHealth stream tells its listener. */
export interface WatchListener<T> {
  /** A pushed value, with how long the plugin's run of its check took (0 when it does not say); at most one per `watchLimits.minGapMs`, the latest. */
  report(value: T, latencyMs: number): void;
  /** Called exactly once when the stream ends, for any reason, unless it was cancelled first. */
  end(failure: CallFailure): void;
}

/** How a pushed stream is read. */
export const watchLimits = {
  /** At most one report per this many ms reaches the listener (the latest): a plugin that floods its stream costs hale a bounded amount. */
  minGapMs: 10,
} as const;

/** Options of a client's channel. */
export interface ClientOptions {
  /** HTTP/2 PINGs while a call is open (a watch stream): a peer that stops answering them ends the stream. */
  keepalive?: KeepaliveOptions;
}

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
  /**
   * Opens WatchHealth (no deadline): the plugin asks its health every `intervalMs` and pushes the
   * current report, then each change; with `slowAfterMs` (degradedLatency) a run slower than it is a
   * change too. `end` comes once, for any end: UNIMPLEMENTED (poll instead) is kind `error` with
   * status `UNIMPLEMENTED`; a clean end is kind `unavailable`. Returns cancel: after it, the
   * listener hears nothing more.
   */
  watchHealth(intervalMs: number, listener: WatchListener<HealthReport>, options?: { slowAfterMs?: number | null }): () => void;
  close(): void;
}

const channelOptions: grpc.ChannelOptions = {
  // A health check must see the plugin as it is now, not after silent retries.
  'grpc.enable_retries': 0,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // grpc-js reads a message's length first and refuses a longer one before buffering it.
  'grpc.max_receive_message_length': answerLimits.answerBytes,
  // channelz keeps per-call counters and traces for a debugging service hale does not serve.
  'grpc.enable_channelz': 0,
};

// go-plugin's own stop RPC (internal/plugin/grpc_controller.proto), for plugins built with it.
const goPluginShutdown = '/plugin.GRPCController/Shutdown';
const passBytes = (bytes: Buffer): Buffer => bytes;

/** The grpc-js target string for an address. */
export const toTarget = ({ network, address }: PluginAddress): string => (network === 'unix' ? `unix:${address}` : address);

/**
 * A client of one plugin; with `keepalive`, its channel pings the plugin while a call is open.
 *
 * @example
 * const client = createPluginClient(address, { keepalive: { timeMs: 1_000, timeoutMs: 500 } });
 */
export const createPluginClient = (address: PluginAddress, options: ClientOptions = {}): PluginClient => {
  const Client = pluginService();
  const target = toTarget(address);
  const client = new Client(target, grpc.credentials.createInsecure(), {
    ...channelOptions,
    ...toKeepaliveChannelOptions(options.keepalive),
  });

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
    watchHealth: (intervalMs, listener, watchOptions = {}) => {
      const open = client.watchHealth as unknown as (request: object, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
      const request = { intervalMs: toUint32(intervalMs), slowAfterMs: toUint32(watchOptions.slowAfterMs ?? 0) };
      const stream = open.call(client, request, {});
      return watchStream(stream, {
        map: toPushedHealth,
        deliver: (pushed) => listener.report(pushed.report, pushed.latencyMs),
        end: (status) => listener.end(toStreamEnd(status, 'the plugin ended its health stream', options.keepalive)),
        minGapMs: watchLimits.minGapMs,
      });
    },
    close: () => client.close(),
  };
};

/**
 * How a watch stream ended, as a CallFailure: a clean end or the peer's
 * cancel is `unavailable` (`cleanEnd` says so), a refused keepalive carries `reason`, and a dropped
 * connection under keepalive says that an unanswered ping is one cause.
 *
 * @example
 * toStreamEnd({ code: grpc.status.OK, details: '' }, 'the server ended its Watch stream', undefined);
 * // { ok: false, kind: 'unavailable', message: 'the server ended its Watch stream' }
 */
export const toStreamEnd = (
  status: Pick<grpc.StatusObject, 'code' | 'details'>,
  cleanEnd: string,
  keepalive: KeepaliveOptions | undefined,
  toError: (error: grpc.ServiceError) => CallFailure = toFailure,
): CallFailure => {
  if (status.code === grpc.status.OK) return { ok: false, kind: 'unavailable', message: cleanEnd };
  // Our own cancel is never reported, so a CANCELLED is the peer's (a server's forced shutdown sends one).
  if (status.code === grpc.status.CANCELLED) return { ok: false, kind: 'unavailable', message: `${cleanEnd} (cancelled)` };
  const end = readKeepaliveEnd(status);
  if (end === 'too_many_pings') {
    return {
      ok: false,
      kind: 'unavailable',
      reason: 'too_many_pings',
      message: 'the peer closed the connection for too many pings (GOAWAY ENHANCE_YOUR_CALM "too_many_pings")',
    };
  }
  if (end === 'dropped' && keepalive !== undefined) {
    return {
      ok: false,
      kind: 'unavailable',
      message: `the connection dropped: no answer to a keepalive ping within ${keepalive.timeoutMs}ms, or the peer closed it`,
    };
  }
  return toError(Object.assign(new Error(status.details), { code: status.code, details: status.details, metadata: new grpc.Metadata() }));
};

// grpc-js's words for an answer over grpc.max_receive_message_length.
const tooLarge = /^Received message larger than max \((\d+) vs\.? (\d+)\)$/;

const toFailure = (error: grpc.ServiceError): CallFailure => {
  const details = keepUntrustedText(error.details || error.message, answerLimits.errorBytes);
  if (error.code === grpc.status.DEADLINE_EXCEEDED) {
    return { ok: false, kind: 'deadline', message: 'no answer before the deadline' };
  }
  if (error.code === grpc.status.UNAVAILABLE) {
    return { ok: false, kind: 'unavailable', message: `unavailable: ${details}` };
  }
  const name = grpc.status[error.code] ?? String(error.code);
  const size = error.code === grpc.status.RESOURCE_EXHAUSTED ? tooLarge.exec(details) : null;
  if (size !== null) {
    const message = `the plugin's answer of ${size[1]} bytes is larger than the ${answerLimits.answerBytes / 1024 / 1024} MiB hale accepts from a plugin; it was refused unread (${name})`;
    return { ok: false, kind: 'error', message, status: name };
  }
  return { ok: false, kind: 'error', message: `${name}: ${details}`, status: name };
};

const toUint32 = (ms: number): number => Math.max(0, Math.min(0xffffffff, Math.round(ms)));
