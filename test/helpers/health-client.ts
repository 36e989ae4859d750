import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

type RawHealthClient = grpc.Client & {
  Check(request: { service: string }, options: grpc.CallOptions, callback: Callback<{ status: string }>): grpc.ClientUnaryCall;
  List(
    request: object,
    options: grpc.CallOptions,
    callback: Callback<{ statuses: Record<string, { status: string }> }>,
  ): grpc.ClientUnaryCall;
  Watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
};

type RawHealthConstructor = new (address: string, credentials: grpc.ChannelCredentials) => RawHealthClient;

const definition = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
const Health = (grpc.loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: RawHealthConstructor } } } }).grpc
  .health.v1.Health;

export type CheckAnswer = { ok: true; status: string } | { ok: false; code: grpc.status; details: string };

/** One Watch call: what it received, the next status as it comes, and how it ended. */
export interface WatchStream {
  /** Every status received, in order. */
  received: string[];
  /** The next status not yet read by `next` (one already received counts), or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<string>;
  /** The status the call ended with (CANCELLED after `cancel`). */
  ended: Promise<grpc.StatusObject>;
  cancel(): void;
}

/** A plain grpc-js client of grpc.health.v1.Health, for tests. */
export interface HealthClient {
  check(service: string): Promise<CheckAnswer>;
  list(): Promise<Record<string, string>>;
  watch(service: string): WatchStream;
  close(): void;
}

const deadline = () => Date.now() + 5_000;

const openWatch = (client: RawHealthClient, service: string): WatchStream => {
  const call = client.Watch({ service });
  const received: string[] = [];
  let read = 0;
  let wake: (() => void) | null = null;
  let final: grpc.StatusObject | null = null;
  call.on('data', (response: { status: string }) => {
    received.push(response.status);
    wake?.();
  });
  // The status event carries how it ended; an error event comes with it for any code but OK.
  call.on('error', () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', (status: grpc.StatusObject) => {
      final = status;
      wake?.();
      resolve(status);
    });
  });
  const next = (timeoutMs = 5_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = null;
        reject(
          new Error(`Watch ${JSON.stringify(service)}: no status within ${timeoutMs} ms; received so far: ${JSON.stringify(received)}`),
        );
      }, timeoutMs);
      const attempt = () => {
        const status = received[read];
        if (status !== undefined) {
          read += 1;
          clearTimeout(timer);
          wake = null;
          resolve(status);
          return;
        }
        if (final !== null) {
          clearTimeout(timer);
          wake = null;
          reject(
            new Error(
              `Watch ${JSON.stringify(service)} ended (${grpc.status[final.code]}: ${final.details}); received: ${JSON.stringify(received)}`,
            ),
          );
        }
      };
      wake = attempt;
      attempt();
    });
  return { received, next, ended, cancel: () => call.cancel() };
};

export const createHealthClient = (address: string): HealthClient => {
  const client = new Health(address, grpc.credentials.createInsecure());
  return {
    check: (service) =>
      new Promise((resolve) => {
        client.Check({ service }, { deadline: deadline() }, (error, response) =>
          resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, status: response.status }),
        );
      }),
    list: () =>
      new Promise((resolve, reject) => {
        client.List({}, { deadline: deadline() }, (error, response) => {
          if (error) reject(error);
          else resolve(Object.fromEntries(Object.entries(response.statuses).map(([name, { status }]) => [name, status])));
        });
      }),
    watch: (service) => openWatch(client, service),
    close: () => client.close(),
  };
};

/**
 * Resolves once `predicate` holds, checking every 10 ms, for what has no
 * event to await (a count on the far side of a socket); rejects after `timeoutMs`.
 */
export const until = async (what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  for (let round = 0; !predicate(); round += 1) {
    if (Date.now() > end || round > timeoutMs / 10) throw new Error(`${what}: not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
