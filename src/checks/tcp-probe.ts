import { connect } from 'node:net';
import type { TcpProbeSpec } from './probe-spec.js';
import {
  describeError,
  failVerdict,
  formatHostPort,
  passVerdict,
  readErrorCode,
  type AttemptOptions,
  type ProbeVerdict,
} from './probe-verdict.js';

/**
 * Opens a TCP connection to host:port and closes it at once: passing means
 * something accepts connections there, nothing more. A refusal or an
 * unreachable host is `unavailable`; no connection in time is `deadline`.
 *
 * @example
 * const verdict = await runTcpProbe({ protocol: 'tcp', host: '127.0.0.1', port: 5432 }, { timeoutMs: 500 });
 * verdict.message; // 'connected to 127.0.0.1:5432' or 'connection refused by 127.0.0.1:5432'
 */
export const runTcpProbe = (spec: TcpProbeSpec, options: AttemptOptions): Promise<ProbeVerdict> =>
  new Promise((resolve) => {
    const where = formatHostPort(spec.host, spec.port);
    // net.connect throws on a port out of range; here that is an answer.
    if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65_535) {
      resolve(failVerdict('unavailable', `not a TCP port: ${spec.port} (for ${spec.host})`));
      return;
    }
    const { signal } = options;
    const socket = connect({ host: spec.host, port: spec.port });
    const finish = (verdict: ProbeVerdict): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('connect');
      // Errors after the verdict (a reset while closing) are not this check's.
      socket.removeAllListeners('error').on('error', () => undefined);
      socket.destroy();
      resolve(verdict);
    };
    const onAbort = (): void => finish(failVerdict('unavailable', 'check cancelled'));
    const timer = setTimeout(
      () => finish(failVerdict('deadline', `no connection to ${where} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    socket.once('connect', () => finish(passVerdict(`connected to ${where}`)));
    socket.once('error', (error) => finish(failVerdict('unavailable', describeConnectError(where, spec.host, error))));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });

const describeConnectError = (where: string, host: string, error: unknown): string => {
  const code = readErrorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${host} (${code})`;
    case null:
      return `cannot connect to ${where}: ${describeError(error)}`;
    default:
      return `cannot connect to ${where} (${code})`;
  }
};
