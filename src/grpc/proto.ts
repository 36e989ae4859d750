import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The proto/ folder shipped with the package (src/grpc and dist/grpc sit at the same depth). */
export const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));

const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

const cache = new Map<string, grpc.GrpcObject>();

/** Loads a .proto file (relative to `root`, which defaults to our proto/ folder) once. */
export const loadProto = (file: string, root: string = protoRoot): grpc.GrpcObject => {
  const key = `${root}\0${file}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const definition = protoLoader.loadSync(file, { ...loaderOptions, includeDirs: [root] });
  const loaded = grpc.loadPackageDefinition(definition);
  cache.set(key, loaded);
  return loaded;
};

/** Finds a service constructor by its full name, e.g. `hale.plugin.v1.Plugin`. */
export const findService = (loaded: grpc.GrpcObject, fullName: string): grpc.ServiceClientConstructor => {
  let node: unknown = loaded;
  for (const part of fullName.split('.')) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (typeof node !== 'function' || !('service' in node)) {
    throw new Error(`service ${fullName} not found in the loaded proto`);
  }
  return node as grpc.ServiceClientConstructor;
};

export const pluginProtoFile = 'hale/plugin/v1/plugin.proto';
export const pluginServiceName = 'hale.plugin.v1.Plugin';

/** The constructor of the hale.plugin.v1.Plugin client, with `.service` for servers. */
export const pluginService = (): grpc.ServiceClientConstructor => findService(loadProto(pluginProtoFile), pluginServiceName);
