import type { ClientFailureKind } from '../client/api-client.js';

/**
 * What hale's commands exit with, one code per kind of outcome, so a script
 * can tell "unhealthy" from "hale is not there" from "the token is wrong".
 */
export const exitCodes = {
  ok: 0,
  /** The thing asked about is not well: unhealthy, an operation failed, nothing running to signal. */
  failed: 1,
  /** Bad usage or an invalid config. */
  usage: 2,
  /** No supervisor answered at the address. */
  unreachable: 3,
  /** The supervisor refused the token (or none was given where one is needed). */
  unauthorized: 4,
  /** No plugin (or operation) of that name. */
  notFound: 5,
} as const;

const byFailure: Record<ClientFailureKind, number> = {
  unreachable: exitCodes.unreachable,
  unauthorized: exitCodes.unauthorized,
  not_found: exitCodes.notFound,
  invalid: exitCodes.usage,
  refused: exitCodes.failed,
};

/**
 * The exit code for a failed request, after saying why on stderr.
 *
 * @example
 * if (!answer.ok) return failWith(answer);
 */
export const failWith = (failure: { kind: ClientFailureKind; message: string }): number => {
  const hint =
    failure.kind === 'unauthorized'
      ? ' (give the token with --token or HALE_API_TOKEN)'
      : failure.kind === 'unreachable'
        ? ' (say where with --url or HALE_URL)'
        : '';
  process.stderr.write(`hale: ${failure.message}${hint}\n`);
  return byFailure[failure.kind];
};
