import type { ApiConfig } from './types.js';

/** The api: section when the config says nothing of it; apart from the schema (api-schema.ts), so the API needs no zod. */
export const defaultApiConfig: Readonly<ApiConfig> = {
  host: '127.0.0.1',
  port: 8080,
  token: null,
  tokenSource: null,
  allowUnauthenticated: false,
  protectReads: false,
  corsOrigins: [],
  allowedHosts: [],
  rateLimit: { perClient: 60, perPlugin: 30, windowMs: 60_000 },
  requestTimeoutMs: 10_000,
};
