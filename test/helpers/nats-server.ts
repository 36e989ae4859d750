import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { envFor, findTestServer } from './test-servers.js';

/** A real nats-server of the test's own, on a loopback port. */
export interface NatsServer {
  url: string;
  port: number;
  pid: number;
  /** Ends it for good (SIGTERM, then SIGKILL after 3 s) by pid, waits for its exit, removes its store. */
  stop(): Promise<void>;
  /** Ends it for a while: an outage; its store is kept. */
  halt(): Promise<void>;
  /** Starts it again on the same port (and the same JetStream store) after a halt. */
  revive(): Promise<void>;
}

const running = new Set<ChildProcess>();

export { freePort };

const launch = (port: number, storeDir: string | null): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const args = ['-a', '127.0.0.1', '-p', String(port), ...(storeDir === null ? [] : ['-js', '-sd', storeDir])];
    // Throwing here rejects the promise, with the helper's advice on getting one.
    const server = findTestServer('natsServer');
    const child = spawn(server.path, args, { stdio: ['ignore', 'ignore', 'pipe'], env: envFor(server) });
    running.add(child);
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${server.path} did not say it was ready within 10 s:\n${log}`));
    }, 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot start ${server.path} (${server.source}; npm test provisions nats-server, HALE_TEST_NATS_SERVER names another): ${error.message}`,
        ),
      );
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new Error(`${server.path} exited with ${code} before it was ready:\n${log}`));
    });
  });

const end = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(force);
};

/**
 * Starts nats-server on 127.0.0.1 (JetStream on, with a store of its own,
 * when asked) and waits until it says it is ready.
 *
 * @example
 * const nats = await startNatsServer({ jetstream: true });
 * // … nats.url is nats://127.0.0.1:PORT
 * await nats.stop();
 */
export const startNatsServer = async (options: { jetstream?: boolean } = {}): Promise<NatsServer> => {
  const port = await freePort();
  const storeDir = options.jetstream === true ? mkdtempSync(join(tmpdir(), 'hale-nats-js-')) : null;
  let child = await launch(port, storeDir);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    stop: async () => {
      await end(child);
      if (storeDir !== null) rmSync(storeDir, { recursive: true, force: true });
    },
    halt: () => end(child),
    revive: async () => {
      await end(child);
      child = await launch(port, storeDir);
    },
  };
};

/** Ends every nats-server this process started and has not ended; for afterAll. */
export const stopAllNatsServers = async (): Promise<void> => {
  await Promise.all([...running].map(end));
};
