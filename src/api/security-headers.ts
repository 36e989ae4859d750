import type { MiddlewareHandler } from 'hono';

/**
 * Headers that keep a browser from doing anything with an API answer it was
 * not asked to: no sniffing, no framing, no referrer, no script or style
 * unless a page sets its own policy (the dashboard does). And no cache: a
 * health answer is true for one instant.
 */
export const securityHeaderValues: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * Sets securityHeaderValues on every answer; a page's own
 * Content-Security-Policy is kept.
 *
 * @example
 * app.use('*', securityHeaders());
 */
export const securityHeaders = (): MiddlewareHandler => async (c, next) => {
  await next();
  const headers = c.res.headers;
  for (const [name, value] of Object.entries(securityHeaderValues)) {
    if (name === 'content-security-policy' && headers.has(name)) continue;
    headers.set(name, value);
  }
};
