import { describe, expect, test } from 'vitest';
import { createPluginWatch } from '../../../src/checks/create-watch.js';
import type { CallFailure } from '../../../src/grpc/plugin-client.js';
import { pluginConfig } from '../../helpers/supervised.js';

describe('createPluginWatch', () => {
  test('a grpc.health.v1 target grpc-js cannot parse ends the stream with why, after the call returns, and never throws', async () => {
    const config = pluginConfig('odd', [], {
      health: { protocol: 'grpc', service: '', address: '', watch: true, retries: 0, retryDelayMs: 100 },
    });
    const watch = createPluginWatch(config, { client: null, address: null });
    expect(watch).not.toBeNull();
    let returned = false;
    const ended = new Promise<CallFailure>((resolve) => {
      watch?.({
        heard: () => undefined,
        ended: (failure) => {
          expect(returned).toBe(true);
          resolve(failure);
        },
      });
      returned = true;
    });
    const failure = await ended;
    expect(failure).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(failure.message).toMatch(/^not a gRPC address: "" \(/);
  });

  test('nothing to watch: the plugin protocol with watch off, or another protocol', () => {
    const off = pluginConfig('off', [], { health: { protocol: 'plugin', watch: false, retries: 0, retryDelayMs: 100 } });
    expect(createPluginWatch(off, { client: null, address: null })).toBeNull();
    const http = pluginConfig('web', [], {
      health: { protocol: 'http', url: 'http://127.0.0.1:1/', field: null, headers: {}, retries: 0, retryDelayMs: 100 },
    });
    expect(createPluginWatch(http, { client: null, address: null })).toBeNull();
  });
});
