import type * as grpc from '@grpc/grpc-js';
import { HaleError } from '../errors.js';
import { findService, loadProto, protoRoot } from './proto.js';
import { toUnaryCall, type UnaryHandler } from './unary-call.js';

/**
 * A gRPC service of the plugin's own, served beside the hale.plugin.v1.Plugin
 * contract. Unary methods only; a method without a handler answers UNIMPLEMENTED.
 */
export interface ExtraService {
  /** The .proto file, relative to `protoRoot` (or absolute). */
  protoFile: string;
  /** The folder imports are resolved from; defaults to hale's own proto/ folder. */
  protoRoot?: string;
  /** The full service name, e.g. `hale.example.greeter.v1.Greeter`. */
  service: string;
  /** One handler per method, by the method's name in the proto (`SayHello`; `sayHello` works too). */
  handlers: Record<string, UnaryHandler>;
}

const invalid = (service: string, why: string): HaleError => new HaleError('service_invalid', `cannot serve ${service}: ${why}`);

const loadDefinition = (extra: ExtraService): grpc.ServiceDefinition => {
  try {
    return findService(loadProto(extra.protoFile, extra.protoRoot ?? protoRoot), extra.service).service;
  } catch (error) {
    throw invalid(extra.service, error instanceof Error ? error.message : String(error));
  }
};

const findMethodKey = (definition: grpc.ServiceDefinition, name: string): string | undefined =>
  Object.keys(definition).find((key) => key === name || definition[key]?.originalName === name);

/**
 * Adds a plugin author's service to a server. A handler for a method the
 * service does not have, or for a streaming method, is a mistake said at
 * start, not a silent UNIMPLEMENTED later.
 *
 * @example
 * addExtraService(server, { protoFile: 'hale/example/greeter/v1/greeter.proto', service: 'hale.example.greeter.v1.Greeter', handlers: { SayHello: async () => ({ message: 'Hello!' }) } });
 */
export const addExtraService = (server: grpc.Server, extra: ExtraService): void => {
  const definition = loadDefinition(extra);
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(extra.handlers)) {
    const key = findMethodKey(definition, name);
    const method = key === undefined ? undefined : definition[key];
    if (key === undefined || method === undefined) {
      throw invalid(extra.service, `it has no method ${name} (it has: ${Object.keys(definition).join(', ')})`);
    }
    if (method.requestStream || method.responseStream) {
      throw invalid(extra.service, `${name} is a streaming method; only unary methods are supported`);
    }
    implementation[key] = toUnaryCall(handler);
  }
  server.addService(definition, implementation);
};
