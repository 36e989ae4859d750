import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import { startSupervised, startSupervisedConfig, type Supervised } from './supervised.js';

/**
 * Supervisors, API servers and scratch dirs for one test file, all ended or
 * removed after each test.
 */
export const useSupervisedSuite = () => {
  const running: Supervised[] = [];
  const servers: ApiServer[] = [];
  const scratch: string[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await Promise.all(running.splice(0).map(({ supervisor }) => supervisor.stop('test over')));
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const keep = (supervised: Supervised): Supervised => {
    running.push(supervised);
    return supervised;
  };

  return {
    supervise: async (...args: Parameters<typeof startSupervised>) => keep(await startSupervised(...args)),
    superviseConfig: async (...args: Parameters<typeof startSupervisedConfig>) => keep(await startSupervisedConfig(...args)),
    serveApi: async (supervisor: Supervisor, token: string | null = null) => {
      const server = await startApiServer({ app: createApp({ backend: supervisor, token }), host: '127.0.0.1', port: 0 });
      servers.push(server);
      return server;
    },
    scratchDir: (prefix = 'hale-test-') => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      scratch.push(dir);
      return dir;
    },
  };
};
