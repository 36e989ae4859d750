/**
 * hale/sdk: what a plugin author imports to become a hale plugin.
 *
 * @example
 * import { servePlugin } from 'hale/sdk';
 * await servePlugin({ name: 'greeter', version: '1.0.0' });
 */
export { servePlugin } from './serve-plugin.js';
export { createPluginLogger, type PluginLogger } from './plugin-logger.js';
export { exitUnlessSupervised, checkCookie, type Cookie, type CookieCheck } from './supervised-check.js';
export { watchStdinClose } from './parent-watch.js';
export { formatHandshakeLine } from './handshake-line.js';
export type { ComponentHealthInput, HealthReportInput, HealthStatusInput, PluginHandle, ServePluginOptions } from './types.js';
export type { ExtraService } from '../grpc/extra-service-server.js';
export type { UnaryHandler } from '../grpc/unary-call.js';
export type { PluginAddress } from '../grpc/plugin-client.js';
/** hale's proto/ folder: an ExtraService's default `protoRoot`, where the example protos live. */
export { protoRoot } from '../grpc/proto.js';
export { appProtocolVersion, coreProtocolVersion, defaultCookie, socketDirEnv } from '../protocol.js';
