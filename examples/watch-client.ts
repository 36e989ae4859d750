/**
 * Watches one grpc.health.v1 service of hale and prints a line per change:
 *
 *   node --import tsx examples/watch-client.ts [address] [service]
 *   2026-12-01T10:00:00.000Z greeter SERVING
 *
 * `address` defaults to 127.0.0.1:50051 (unix:/path works too), `service` to
 * "" (the supervisor as a whole). When the stream ends or fails it connects
 * again, waiting 250 ms, then twice as long each time up to 10 s; a status
 * received resets the wait. SIGINT or SIGTERM ends it with exit code 0.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

interface HealthResponse {
  status: string;
}

type HealthClient = grpc.Client & {
  Watch(request: { service: string }): grpc.ClientReadableStream<HealthResponse>;
};

const address = process.argv[2] ?? '127.0.0.1:50051';
const service = process.argv[3] ?? '';
const label = service === '' ? '""' : service;
const firstDelayMs = 250;
const maxDelayMs = 10_000;

const definition = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
const Health = (
  grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
  }
).grpc.health.v1.Health;
const client = new Health(address, grpc.credentials.createInsecure());

let call: grpc.ClientReadableStream<HealthResponse> | null = null;
let retry: NodeJS.Timeout | undefined;
let delayMs = firstDelayMs;
let printed: string | null = null;
let stopping = false;

const reconnect = (why: string): void => {
  call = null;
  if (stopping) return;
  process.stderr.write(`${new Date().toISOString()} ${label} stream ${why}; watching again in ${delayMs} ms\n`);
  retry = setTimeout(watch, delayMs);
  delayMs = Math.min(delayMs * 2, maxDelayMs);
};

function watch(): void {
  const stream = client.Watch({ service });
  call = stream;
  let done = false;
  const finish = (why: string) => {
    if (done) return;
    done = true;
    reconnect(why);
  };
  stream.on('data', (response: HealthResponse) => {
    delayMs = firstDelayMs;
    // After a reconnect the server sends the status again; only a change is news.
    if (response.status === printed) return;
    printed = response.status;
    process.stdout.write(`${new Date().toISOString()} ${label} ${response.status}\n`);
  });
  stream.on('error', (error: grpc.ServiceError) => finish(`failed (${grpc.status[error.code] ?? error.code}: ${error.details})`));
  stream.on('end', () => finish('ended'));
}

const stop = (): void => {
  stopping = true;
  clearTimeout(retry);
  call?.cancel();
  client.close();
  process.exit(0);
};

process.once('SIGINT', stop);
process.once('SIGTERM', stop);
watch();
