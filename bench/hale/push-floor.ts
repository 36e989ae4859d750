import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { connect as connectSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { forgetPid, registerPid } from '../cleanup.js';
import { lightPluginMain } from './bench-config.js';

export interface PushFloor {
  /** SIGUSR2 to the plugin → its pushed message read by a bare client, ms. */
  trial(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The floor under a pushed change: one light plugin and a bare node:http2
 * client in this process holding its WatchHealth stream open; each trial
 * sends SIGUSR2 and times until the next gRPC message arrives (the signal's
 * delivery, the plugin's write, the socket). hale's pushed transition over it
 * is what supervising adds.
 *
 * @example
 * const floor = await startPushFloor();
 * await floor.trial(); // 0.6
 * await floor.stop();
 */
export const startPushFloor = async (timeoutMs = 10_000): Promise<PushFloor> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bench-push-floor-'));
  const child = spawn(process.execPath, [lightPluginMain], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, HALE_PLUGIN_SOCKET_DIR: dir, HALE_PLUGIN_NAME: 'floor' },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the light plugin');
  registerPid(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited;
    forgetPid(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handshake line within ${timeoutMs} ms`)), timeoutMs);
      createInterface({ input: child.stdout }).once('line', (text) => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    const socket = line.split('|')[3] ?? '';
    const session = connect('http://localhost', { createConnection: () => connectSocket(socket) });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/hale.plugin.v1.Plugin/WatchHealth',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    // WatchHealthRequest {}: an empty message.
    stream.end(Buffer.alloc(5));
    let waiting: ((at: number) => void) | null = null;
    let buffered = Buffer.alloc(0);
    const first = new Promise<void>((resolve) => (waiting = () => resolve()));
    stream.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buffered = Buffer.concat([buffered, chunk]);
      // Each whole message (5-byte header and body) is one push.
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        buffered = buffered.subarray(5 + buffered.readUInt32BE(1));
        const resolve = waiting;
        waiting = null;
        resolve?.(at);
      }
    });
    await first;
    return {
      trial: async () => {
        const pushed = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no push within ${timeoutMs} ms`)), timeoutMs);
          waiting = (at) => {
            clearTimeout(timer);
            resolve(at);
          };
        });
        const sentAt = performance.now();
        process.kill(pid, 'SIGUSR2');
        return (await pushed) - sentAt;
      },
      stop: async () => {
        stream.close();
        session.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
