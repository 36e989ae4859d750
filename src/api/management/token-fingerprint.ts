import { createHash } from 'node:crypto';

/**
 * What a log may say of a bearer token: the first 12 hex digits of its
 * SHA-256, enough to tell tokens apart in an audit trail, useless to replay.
 *
 * @example
 * tokenFingerprint('Bearer s3cret'); // 'sha256:6f1c0a0e5f3b'
 * tokenFingerprint(undefined);       // null
 */
export const tokenFingerprint = (header: string | undefined): string | null => {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)/i.exec(header.trim());
  if (match === null) return header === undefined || header.trim() === '' ? null : 'malformed';
  return `sha256:${createHash('sha256')
    .update(match[1] ?? '', 'utf8')
    .digest('hex')
    .slice(0, 12)}`;
};
