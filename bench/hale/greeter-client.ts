import * as grpc from '@grpc/grpc-js';
import { findService, loadProto } from '../../src/grpc/proto.js';

const greeterService = () => findService(loadProto('hale/example/greeter/v1/greeter.proto'), 'hale.example.greeter.v1.Greeter');

export type HelloResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * Calls the greeter's own SayHello once on a fresh channel to `target` (a
 * grpc-js target such as `unix:/tmp/…/greeter-42.sock`) and closes it.
 *
 * @example
 * const answer = await sayHello('unix:/tmp/hale-x/greeter/greeter-42.sock', 2_000);
 * if (answer.ok) console.log(answer.message);
 */
export const sayHello = (target: string, timeoutMs: number): Promise<HelloResult> => {
  const Greeter = greeterService();
  const client = new Greeter(target, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  const call = client.sayHello as unknown as (
    request: { name: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { message?: string }) => void,
  ) => void;
  return new Promise<HelloResult>((resolve) => {
    call.call(client, { name: 'bench' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      resolve(error ? { ok: false, message: error.message } : { ok: true, message: response?.message ?? '' });
    });
  });
};
