import * as grpc from '@grpc/grpc-js';

interface GrpcLogSink {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

// grpc-js says this before it throws the bind error that hale reports itself, with the port and the fix.
const echoesBindError = /^No address added out of total \d+ resolved$/;

const join = (message: unknown, rest: unknown[]): string => [message, ...rest].map(String).join(' ');

/**
 * Sends what grpc-js logs (by default `E …` lines on stderr, outside hale's
 * JSON log) into hale's log: its errors as warn lines, its info and debug
 * lines (GRPC_VERBOSITY=INFO or DEBUG) as debug lines, each with
 * `component: "grpc-js"`. A failed bind is left to hale to say. grpc-js
 * keeps one logger per process: the last call wins.
 *
 * @example
 * routeGrpcLogs(log);
 */
export const routeGrpcLogs = (log: GrpcLogSink): void => {
  grpc.setLogger({
    error: (message?: unknown, ...rest: unknown[]) => {
      const text = join(message, rest);
      if (echoesBindError.test(text)) log.debug({ component: 'grpc-js' }, text);
      else log.warn({ component: 'grpc-js' }, text);
    },
    info: (message?: unknown, ...rest: unknown[]) => log.debug({ component: 'grpc-js' }, join(message, rest)),
    debug: (message?: unknown, ...rest: unknown[]) => log.debug({ component: 'grpc-js' }, join(message, rest)),
  });
};
