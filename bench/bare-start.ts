import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createPluginClient } from '../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../src/plugin/handshake.js';
import { defaultCookie, socketDirEnv } from '../src/protocol.js';

/** Starts a plugin by hand, as hale would, and times spawn → handshake → first HealthCheck answer (ms). */
export const measureBareStart = async (main: string): Promise<number> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bare-'));
  const started = performance.now();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, [defaultCookie.key]: defaultCookie.value, [socketDirEnv]: dir },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const parsed = parseHandshakeLine(line);
      if (parsed.kind === 'invalid') throw new Error(parsed.message);
      if (parsed.kind !== 'handshake') continue;
      const client = createPluginClient(parsed.handshake.address);
      const answer = await client.healthCheck(5_000);
      client.close();
      if (!answer.ok) throw new Error(answer.message);
      return performance.now() - started;
    }
    throw new Error('the plugin exited before its handshake');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
};
