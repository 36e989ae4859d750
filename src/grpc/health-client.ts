import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { toKeepaliveChannelOptions } from './keepalive.js';
import { toStreamEnd, watchLimits, type CallFailure, type ClientOptions } from './plugin-client.js';
import { watchStream } from './stream-watch.js';
import { keepText } from '../text/bounded-text.js';

/** What grpc.health.v1.Health/Check can answer. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN';

export type HealthCheckAnswer = { ok: true; status: ServingStatus } | CallFailure;

/**
 * A client of the standard grpc.health.v1.Health service of one target.
 * Every call takes a deadline and answers with a value, never a throw.
 *
 * @example
 * const client = createHealthClient('127.0.0.1:50051');
 * const answer = await client.check('plugin', 1_000);
 * if (answer.ok) console.log(answer.status); // 'SERVING'
 * client.close();
 */
export interface HealthClient {
  readonly target: string;
  /** One Check; `signal` cancels it. A service the server does not know is an `error` naming it. */
  check(service: string, timeoutMs: number, signal?: AbortSignal): Promise<HealthCheckAnswer>;
  /**
   * grpc.health.v1 Watch (no deadline): the current status, then each change, at most one per
   * `watchLimits.minGapMs` (the latest). `end` comes once, for any end (a server without Watch:
   * kind `error`, `UNIMPLEMENTED`), unless the returned cancel was called first.
   */
  watch(service: string, listener: ServingStatusListener): () => void;
  close(): void;
}

/** What a grpc.health.v1 Watch stream tells its listener. */
export interface ServingStatusListener {
  status(status: ServingStatus): void;
  end(failure: CallFailure): void;
}

type CheckMethod = (
  request: { service: string },
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

// As for plugins (plugin-client.ts): a check sees the server as it is now, without silent retries.
const channelOptions: grpc.ChannelOptions = {
  'grpc.enable_retries': 0,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // A Check answer is a few bytes.
  'grpc.max_receive_message_length': 64 * 1024,
  'grpc.enable_channelz': 0,
};

const maxDetailsBytes = 1_024;
// A longer service name is cut in messages.
const maxNameInMessage = 200;

const servingStatuses = new Set<string>(['SERVING', 'NOT_SERVING', 'UNKNOWN', 'SERVICE_UNKNOWN']);

let constructor: grpc.ServiceClientConstructor | undefined;

const healthClientConstructor = (): grpc.ServiceClientConstructor => {
  constructor ??= grpc.makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');
  return constructor;
};

/** Throws only for a target grpc-js cannot parse. With `keepalive`, the channel pings the server while a Watch is open. */
export const createHealthClient = (target: string, options: ClientOptions = {}): HealthClient => {
  const Client = healthClientConstructor();
  const client = new Client(target, grpc.credentials.createInsecure(), {
    ...channelOptions,
    ...toKeepaliveChannelOptions(options.keepalive),
  });
  const check = client.Check as unknown as CheckMethod;
  const openWatch = client.Watch as unknown as (
    request: { service: string },
    options: grpc.CallOptions,
  ) => grpc.ClientReadableStream<unknown>;
  return {
    target,
    check: (service, timeoutMs, signal) =>
      new Promise((resolve) => {
        const cancel = (): void => call.cancel();
        const call = check.call(client, { service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
          signal?.removeEventListener('abort', cancel);
          resolve(error ? toFailure(error, service) : { ok: true, status: toServingStatus(response) });
        });
        if (signal?.aborted === true) cancel();
        else signal?.addEventListener('abort', cancel, { once: true });
      }),
    watch: (service, listener) =>
      watchStream(openWatch.call(client, { service }, {}), {
        map: toServingStatus,
        deliver: (status) => listener.status(status),
        end: (status) =>
          listener.end(toStreamEnd(status, 'the server ended its Watch stream', options.keepalive, (error) => toFailure(error, service))),
        minGapMs: watchLimits.minGapMs,
      }),
    close: () => client.close(),
  };
};

const toServingStatus = (response: unknown): ServingStatus => {
  const status = typeof response === 'object' && response !== null ? (response as { status?: unknown }).status : undefined;
  return typeof status === 'string' && servingStatuses.has(status) ? (status as ServingStatus) : 'UNKNOWN';
};

const quoteName = (name: string): string => JSON.stringify(name.length > maxNameInMessage ? `${name.slice(0, maxNameInMessage)}…` : name);

const toFailure = (error: grpc.ServiceError, service: string): CallFailure => {
  // The server's words are untrusted input: a copy of at most 1 KiB is kept.
  const details = keepText(error.details || error.message, maxDetailsBytes);
  switch (error.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return { ok: false, kind: 'deadline', message: 'no answer before the deadline' };
    case grpc.status.UNAVAILABLE:
      return { ok: false, kind: 'unavailable', message: `unavailable: ${details}` };
    case grpc.status.NOT_FOUND:
      return {
        ok: false,
        kind: 'error',
        message: `NOT_FOUND: service ${quoteName(service)} is not registered with the health server (${details})`,
      };
    case grpc.status.UNIMPLEMENTED:
      return { ok: false, kind: 'error', message: `UNIMPLEMENTED: the server does not serve grpc.health.v1.Health (${details})` };
    default:
      return { ok: false, kind: 'error', message: `${grpc.status[error.code] ?? String(error.code)}: ${details}` };
  }
};
