import type { ListenAddresses } from './listen-addresses.js';

/** The system's reason a listen failed (EADDRINUSE, EACCES, …), from node's error or the one grpc-js wraps. */
const readErrorCode = (error: unknown): string | null => {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const { code } = cause as NodeJS.ErrnoException;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    const named = /\blisten (E[A-Z]+)\b/.exec(cause.message)?.[1];
    if (named !== undefined) return named;
  }
  return null;
};

const reasons: Record<string, string> = {
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
};

const say = (code: string | null, subject: string, where: string, fix: string): string =>
  code === 'EADDRINUSE'
    ? `${subject} (${where}) is in use by another process; ${fix}`
    : `cannot listen on ${subject} (${where}): ${code === null ? 'it could not be bound' : (reasons[code] ?? code)}; ${fix}`;

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * One line saying why the API could not listen: which port, where it was
 * set (`--port`, HALE_API_PORT, or api.port with its line in the config)
 * and what to do. `line` is api.port's line in the config, null when the
 * file leaves it to its default.
 *
 * @example
 * describeApiListenFailure(error, { host: '127.0.0.1', port: 8080, source: 'config' }, { file: 'supervisor.yaml', line: 5 });
 * // 'port 8080 (api.port in supervisor.yaml:5) is in use by another process; run with --port N, HALE_API_PORT=N, or change api.port'
 */
export const describeApiListenFailure = (
  error: unknown,
  api: ListenAddresses['api'],
  config: { file: string; line: number | null },
): string => {
  const code = readErrorCode(error);
  const where =
    api.source === 'option'
      ? '--port'
      : api.source === 'env'
        ? 'HALE_API_PORT'
        : config.line === null
          ? 'the default api.port'
          : `api.port in ${config.file}:${config.line}`;
  const subject = code === 'EADDRINUSE' ? `port ${api.port}` : hostPort(api.host, api.port);
  return say(code, subject, where, 'run with --port N, HALE_API_PORT=N, or change api.port');
};

/**
 * One line saying why gRPC health could not listen, as describeApiListenFailure
 * does for the API; the fix names HALE_GRPC_ADDRESS, grpc.address and grpc.enabled.
 *
 * @example
 * describeGrpcListenFailure(error, { address: '127.0.0.1:50051', source: 'config' }, { file: 'supervisor.yaml', line: null });
 * // 'port 50051 (the default grpc.address, the gRPC health server) is in use by another process; run with HALE_GRPC_ADDRESS=127.0.0.1:N, …'
 */
export const describeGrpcListenFailure = (
  error: unknown,
  grpc: ListenAddresses['grpc'],
  config: { file: string; line: number | null },
): string => {
  const code = readErrorCode(error);
  const isUnix = grpc.address.startsWith('unix:');
  const colon = grpc.address.lastIndexOf(':');
  const host = isUnix ? '127.0.0.1' : grpc.address.slice(0, colon);
  const setBy =
    grpc.source === 'env'
      ? 'HALE_GRPC_ADDRESS'
      : config.line === null
        ? 'the default grpc.address'
        : `grpc.address in ${config.file}:${config.line}`;
  const where = `${setBy}, the gRPC health server`;
  const subject = isUnix
    ? `the socket ${grpc.address.slice('unix:'.length)}`
    : code === 'EADDRINUSE'
      ? `port ${grpc.address.slice(colon + 1)}`
      : grpc.address;
  return say(code, subject, where, `run with HALE_GRPC_ADDRESS=${host}:N, change grpc.address, or set grpc.enabled: false`);
};
