import { createHealthClient, type HealthClient, type ServingStatus } from '../grpc/health-client.js';
import type { GrpcProbeSpec } from './probe-spec.js';
import { cutText, describeError, failVerdict, passVerdict, type AttemptOptions, type ProbeVerdict } from './probe-verdict.js';

// One client (one channel) per address, shared by every check of it.
const clients = new Map<string, HealthClient>();

const clientFor = (address: string): HealthClient => {
  let client = clients.get(address);
  if (client === undefined) {
    client = createHealthClient(address);
    clients.set(address, client);
  }
  return client;
};

// A channel that found nobody is dropped: the next check dials afresh instead of waiting out a reconnect backoff.
const dropClient = (address: string, client: HealthClient): void => {
  if (clients.get(address) !== client) return;
  clients.delete(address);
  client.close();
};

/**
 * Asks the standard grpc.health.v1.Health/Check of a server. Only SERVING
 * passes: NOT_SERVING, UNKNOWN and SERVICE_UNKNOWN fail with `not_serving`
 * (go-plugin counts NOT_SERVING as healthy; hale does not).
 *
 * @example
 * const verdict = await runGrpcProbe({ protocol: 'grpc', address: '127.0.0.1:50051', service: 'plugin' }, { timeoutMs: 1_000 });
 * verdict.outcome; // 'pass' when it answers SERVING
 * closeGrpcProbes();
 */
export const runGrpcProbe = async (spec: GrpcProbeSpec, options: AttemptOptions): Promise<ProbeVerdict> => {
  let client: HealthClient;
  try {
    client = clientFor(spec.address);
  } catch (error) {
    return failVerdict('unavailable', `not a gRPC address: ${JSON.stringify(cutText(spec.address, 200))} (${describeError(error)})`);
  }
  const answer = await client.check(spec.service, options.timeoutMs, options.signal);
  if (options.signal?.aborted === true) return failVerdict('unavailable', 'check cancelled');
  if (answer.ok) return judgeServingStatus(spec.service, answer.status);
  switch (answer.kind) {
    case 'deadline':
      return failVerdict('deadline', `no answer within ${options.timeoutMs} ms`);
    case 'unavailable':
      dropClient(spec.address, client);
      return failVerdict('unavailable', `${spec.address}: ${answer.message}`);
    case 'error':
      return failVerdict('rpc_error', answer.message);
  }
};

/** The verdict on a Check answer: SERVING passes, anything else fails. */
export const judgeServingStatus = (service: string, status: ServingStatus): ProbeVerdict => {
  const who = service === '' ? 'the server' : `service ${JSON.stringify(cutText(service, 200))}`;
  if (status === 'SERVING') return passVerdict(`${who} is SERVING`);
  return failVerdict('not_serving', `${who} is ${status}`, status === 'NOT_SERVING' ? 'unhealthy' : 'unknown');
};

/** Closes every client the gRPC checks opened; a later check opens a new one. */
export const closeGrpcProbes = (): void => {
  for (const client of clients.values()) client.close();
  clients.clear();
};

/** How many gRPC channels the checks hold open now (one per address at most). */
export const countGrpcProbes = (): number => clients.size;
