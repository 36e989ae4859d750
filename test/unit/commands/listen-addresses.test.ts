import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HaleError } from '../../../src/errors.js';
import { resolveListenAddresses } from '../../../src/commands/listen-addresses.js';
import { describeApiListenFailure, describeGrpcListenFailure } from '../../../src/commands/listen-failure.js';
import { locateConfigKey } from '../../../src/commands/locate-config-key.js';

const config = { api: { host: '127.0.0.1', port: 8080 }, grpc: { enabled: true, address: '127.0.0.1:50051' } } as Parameters<
  typeof resolveListenAddresses
>[0];
const inUse = (message: string): HaleError =>
  new HaleError('listen_failed', message, {
    cause: Object.assign(new Error('listen EADDRINUSE: address already in use'), { code: 'EADDRINUSE' }),
  });

describe('resolveListenAddresses', () => {
  it('takes the API port from --port, else HALE_API_PORT, else api.port', () => {
    const resolve = (apiPort: number | undefined, env: Record<string, string>) => {
      const result = resolveListenAddresses(config, { apiPort, env });
      return result.ok ? result.addresses.api : result.message;
    };
    expect(resolve(9001, { HALE_API_PORT: '9002' })).toEqual({ host: '127.0.0.1', port: 9001, source: 'option' });
    expect(resolve(undefined, { HALE_API_PORT: '9002' })).toEqual({ host: '127.0.0.1', port: 9002, source: 'env' });
    expect(resolve(undefined, { HALE_API_PORT: '' })).toEqual({ host: '127.0.0.1', port: 8080, source: 'config' });
    expect(resolve(0, {})).toEqual({ host: '127.0.0.1', port: 0, source: 'option' });
    // A bad variable is refused even when --port would win: it is a mistake all the same.
    for (const bad of ['x', '65536', '-1', '1e3', ' 80', '0x50'])
      expect(resolve(9001, { HALE_API_PORT: bad })).toMatch(/^HALE_API_PORT=".*" is not a port: give a whole number from 0 to 65535$/);
  });

  it('takes the gRPC health address from HALE_GRPC_ADDRESS, else grpc.address, and refuses one that is not an address', () => {
    const grpc = (env: Record<string, string>) => {
      const result = resolveListenAddresses(config, { env });
      return result.ok ? result.addresses.grpc : result.message;
    };
    expect(grpc({})).toEqual({ address: '127.0.0.1:50051', source: 'config' });
    expect(grpc({ HALE_GRPC_ADDRESS: '127.0.0.1:0' })).toEqual({ address: '127.0.0.1:0', source: 'env' });
    expect(grpc({ HALE_GRPC_ADDRESS: '50052' })).toMatch(/^HALE_GRPC_ADDRESS: invalid address "50052": no port/);
  });
});

describe('the one line a refused listen gets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-listen-lines-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the port, where it was set, and the fix', async () => {
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(file, 'log:\n  level: info\napi: { host: 127.0.0.1, port: 8080 }\nplugins: []\n');
    expect(await locateConfigKey(file, ['api', 'port'])).toBe(3);
    expect(await locateConfigKey(file, ['grpc', 'address'])).toBeNull();
    const fix = 'run with --port N, HALE_API_PORT=N, or change api.port';
    const api = { host: '127.0.0.1', port: 8080 };
    expect(describeApiListenFailure(inUse('x'), { ...api, source: 'config' }, { file, line: 3 })).toBe(
      `port 8080 (api.port in ${file}:3) is in use by another process; ${fix}`,
    );
    expect(describeApiListenFailure(inUse('x'), { ...api, source: 'config' }, { file, line: null })).toBe(
      `port 8080 (the default api.port) is in use by another process; ${fix}`,
    );
    expect(describeApiListenFailure(inUse('x'), { ...api, source: 'env' }, { file, line: 3 })).toBe(
      `port 8080 (HALE_API_PORT) is in use by another process; ${fix}`,
    );
    const denied = new HaleError('listen_failed', 'x', { cause: Object.assign(new Error('listen EACCES'), { code: 'EACCES' }) });
    expect(describeApiListenFailure(denied, { host: '127.0.0.1', port: 80, source: 'option' }, { file, line: null })).toBe(
      `cannot listen on 127.0.0.1:80 (--port): permission denied (ports below 1024 need privileges); ${fix}`,
    );
    // grpc-js wraps the system's reason in its own message, with no code of its own.
    const grpcInUse = new HaleError('listen_failed', 'x', {
      cause: new Error(
        'No address added out of total 1 resolved errors: [Error: listen EADDRINUSE: address already in use 127.0.0.1:50051]',
      ),
    });
    expect(describeGrpcListenFailure(grpcInUse, { address: '127.0.0.1:50051', source: 'config' }, { file, line: null })).toBe(
      'port 50051 (the default grpc.address, the gRPC health server) is in use by another process; run with HALE_GRPC_ADDRESS=127.0.0.1:N, change grpc.address, or set grpc.enabled: false',
    );
    expect(describeGrpcListenFailure(grpcInUse, { address: 'unix:/run/hale/health.sock', source: 'env' }, { file, line: null })).toMatch(
      /^the socket \/run\/hale\/health\.sock \(HALE_GRPC_ADDRESS, the gRPC health server\) is in use by another process; /,
    );
  });
});
