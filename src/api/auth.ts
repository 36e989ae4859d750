import { createHash, timingSafeEqual } from 'node:crypto';

export type BearerCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch'; message: string };

const digestOf = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A checker of `Authorization: Bearer <token>` headers against `token`;
 * null (or "", what an unset `${HALE_API_TOKEN:-}` gives) lets every request
 * through. Digests of equal length are compared in
 * constant time, so neither the token nor its length leaks through timing.
 *
 * @example
 * const check = createBearerCheck('s3cret');
 * check('Bearer s3cret'); // { ok: true }
 * check(undefined); // { ok: false, reason: 'missing', … }
 */
export const createBearerCheck = (token: string | null): ((header: string | undefined) => BearerCheck) => {
  if (token === null || token === '') return () => ({ ok: true });
  const expected = digestOf(token);
  return (header) => {
    if (header === undefined || header.trim() === '') {
      return { ok: false, reason: 'missing', message: 'this route needs an Authorization: Bearer <token> header' };
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header.trim());
    if (match === null) {
      return { ok: false, reason: 'malformed', message: 'the Authorization header must be "Bearer <token>"' };
    }
    const given = digestOf(match[1] ?? '');
    if (!timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch', message: 'the bearer token is not valid' };
    return { ok: true };
  };
};
