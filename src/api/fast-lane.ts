import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAnswerCache, type EncodedAnswer } from './answer-cache.js';
import type { ApiBackend } from './backend.js';
import { healthAnswerOf, openHealthPaths } from './health-routes-table.js';
import { securityHeaderValues } from './security-headers.js';

/** Handles a request and says true, or leaves it alone and says false. */
export type RequestLane = (request: IncomingMessage, response: ServerResponse) => boolean;

// A flat list of names and values: node:http writes it without building an object per answer.
const fixedHeaders = [...Object.entries(securityHeaderValues).flat(), 'content-type', 'application/json'];

const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/**
 * GET and HEAD of /health, /health/liveness and /health/readiness answered
 * straight from node:http with the cached encoded answer: the routes that
 * load balancers, container probes and dashboards ask many times a second.
 * The answers are the bytes and headers the Hono routes give; every other
 * request (other methods included) is left to the app.
 *
 * @example
 * const lane = createFastLane(supervisor, { protectReads: config.api.protectReads });
 * await startApiServer({ app, lane, host: '127.0.0.1', port: 8080 });
 */
export const createFastLane = (backend: ApiBackend, options: { protectReads?: boolean } = {}): RequestLane => {
  const answer = createAnswerCache(backend);
  // One header list per encoded answer, which is reused until the snapshot moves.
  const headersOf = new WeakMap<EncodedAnswer, string[]>();
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = pathOf(request.url ?? '');
    const route = healthAnswerOf.get(path);
    // A read that needs the token is the app's to check.
    if (route === undefined || (options.protectReads === true && !openHealthPaths.has(path))) return false;
    const encoded = answer(route);
    let headers = headersOf.get(encoded);
    if (headers === undefined) {
      headers = [...fixedHeaders, 'content-length', String(encoded.bytes.length)];
      headersOf.set(encoded, headers);
    }
    response.writeHead(encoded.status, headers);
    response.end(request.method === 'HEAD' ? undefined : encoded.bytes);
    return true;
  };
};
