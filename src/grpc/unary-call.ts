import * as grpc from '@grpc/grpc-js';

/** A unary RPC handler as hale writes them: a request in, a response (or a promise of one) out. */
export type UnaryHandler = (request: Record<string, unknown>) => object | Promise<object>;

// An error's message travels to the caller; cap it so a huge one cannot flood the channel.
const maxDetailsLength = 1_024;

const describeError = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > maxDetailsLength ? `${text.slice(0, maxDetailsLength)}…` : text;
};

const toRequest = (raw: unknown): Record<string, unknown> =>
  typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};

/**
 * Wraps a promise-returning handler as a grpc-js unary call. A handler that
 * throws or rejects answers UNKNOWN with its message: the caller sees the
 * failure, the process goes on serving.
 *
 * @example
 * server.addService(definition, { SayHello: toUnaryCall(async (req) => ({ message: `Hello, ${String(req.name)}!` })) });
 */
export const toUnaryCall =
  (handler: UnaryHandler): grpc.handleUnaryCall<unknown, object> =>
  (call, callback) => {
    let answer: Promise<object>;
    try {
      answer = Promise.resolve(handler(toRequest(call.request)));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (response) => callback(null, response),
      (error: unknown) => callback({ code: grpc.status.UNKNOWN, details: describeError(error) }),
    );
  };
