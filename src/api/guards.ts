import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { answerError } from './errors.js';

/** The largest request body a management route reads. */
export const maxBodyBytes = 16 * 1024;

/** 413 for a body over maxBodyBytes, before any of it is parsed. */
export const limitBody = (): MiddlewareHandler =>
  bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => answerError(c, 413, 'payload_too_large', `the request body is larger than ${maxBodyBytes} bytes`),
  });
