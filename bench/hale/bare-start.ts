import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createPluginClient, toTarget } from '../../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import { defaultCookie, socketDirEnv } from '../../src/protocol.js';
import { greeterMain } from '../../test/helpers/paths.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { sayHello } from './greeter-client.js';

/** Which first answer ends a bare start: hale's HealthCheck, or the greeter's own SayHello. */
export type BareAnswer = 'health' | 'hello';

/**
 * Starts a plugin by hand, as hale would (cookie, socket dir), and times
 * spawn → handshake line → first answer, in ms: the baseline hale's crash →
 * healthy (`health`) and crash → own RPC (`hello`, greeter only) are held to.
 *
 * @example
 * await measureBareStart(greeterMain, 'health'); // 112.4
 * await measureBareStart(greeterMain, 'hello'); // 114.9
 */
export const measureBareStart = async (main: string = greeterMain, answer: BareAnswer = 'health'): Promise<number> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bare-'));
  const started = performance.now();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, [defaultCookie.key]: defaultCookie.value, [socketDirEnv]: dir },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  if (child.pid !== undefined) registerPid(child.pid);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const parsed = parseHandshakeLine(line);
      if (parsed.kind === 'invalid') throw new Error(parsed.message);
      if (parsed.kind !== 'handshake') continue;
      const { address } = parsed.handshake;
      if (answer === 'hello') {
        const hello = await sayHello(toTarget(address), 5_000);
        if (!hello.ok) throw new Error(hello.message);
      } else {
        const client = createPluginClient(address);
        const health = await client.healthCheck(5_000);
        client.close();
        if (!health.ok) throw new Error(health.message);
      }
      return performance.now() - started;
    }
    throw new Error('the plugin exited before its handshake');
  } finally {
    child.kill('SIGKILL');
    if (child.pid !== undefined) forgetPid(child.pid);
    rmSync(dir, { recursive: true, force: true });
  }
};
