import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

// A second hale beside a first: the state-dir lock is judged before any port is opened, and a taken port is one line of advice.

const dirs: string[] = [];
const servers: Server[] = [];

const freshDir = (label: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `hale-second-${label}-`));
  dirs.push(dir);
  return dir;
};

/** A plain TCP server on 127.0.0.1 holding a port, as another program would. */
const holdPort = async (): Promise<number> => {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
};

/** A port nothing listens on right now (bound and let go). */
const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

interface ConfigOptions {
  stateDir: string;
  apiPort: number | string;
  grpcAddress: string;
}

/** Writes a config whose api.port is on line 2 and grpc.address on line 4, as the messages name them. */
const writeConfig = ({ stateDir, apiPort, grpcAddress }: ConfigOptions): string => {
  const file = join(freshDir('config'), 'supervisor.yaml');
  const lines = [
    'api:',
    `  port: ${apiPort}`,
    'grpc:',
    `  address: ${grpcAddress}`,
    `stateDir: ${stateDir}`,
    'plugins:',
    '  - name: greeter',
    `    command: ${process.execPath}`,
    `    args: [${greeterMain}]`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};

const listening = (line: LogLine): boolean => typeof line.api === 'string';
const spawnedAny = (hale: HaleProcess): boolean => hale.lines.some((line) => /spawned pid/.test(String(line.msg)));
/** Every line the process wrote, on either stream, as text. */
const allOutput = (hale: HaleProcess): string =>
  `${hale.lines.map((line) => (line.unparsed === true ? String(line.msg) : JSON.stringify(line))).join('\n')}\n${hale.stderr()}`;
const stderrLines = (hale: HaleProcess): string[] =>
  hale
    .stderr()
    .split('\n')
    .filter((line) => line.trim() !== '');

beforeAll(() => requireBuilt());

afterEach(async () => {
  await stopAllHale();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a second hale on the same machine', () => {
  it('with the same state dir is told of the first by the lock, before any of its ports is tried', async () => {
    const stateDir = freshDir('state');
    const first = startHale(['run', '-c', writeConfig({ stateDir, apiPort: 0, grpcAddress: '127.0.0.1:0' })]);
    await first.line(listening, 20_000);
    // Both of the second's ports are taken: a hale that opened either before the lock would say so instead.
    const apiPort = await holdPort();
    const grpcPort = await holdPort();
    const second = startHale(['run', '-c', writeConfig({ stateDir, apiPort, grpcAddress: `127.0.0.1:${grpcPort}` })]);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(stderrLines(second)).toEqual([
      `hale: another hale (pid ${first.child.pid}) is running with the state dir ${stateDir}; stop it first or set another stateDir`,
    ]);
    expect(allOutput(second)).not.toContain(String(apiPort));
    expect(allOutput(second)).not.toContain(String(grpcPort));
    expect(spawnedAny(second)).toBe(false);
    // The first is untouched by it.
    expect(first.child.exitCode).toBeNull();
  }, 60_000);

  it('whose API port is taken says so in one line naming the port, where it is set and the fix; nothing starts', async () => {
    const stateDir = freshDir('state');
    const port = await holdPort();
    const config = writeConfig({ stateDir, apiPort: port, grpcAddress: '127.0.0.1:0' });
    const hale = startHale(['run', '-c', config]);
    const { code } = await hale.exited;
    expect(code).toBe(1);
    expect(stderrLines(hale)).toEqual([
      `hale: port ${port} (api.port in ${config}:2) is in use by another process; run with --port N, HALE_API_PORT=N, or change api.port`,
    ]);
    expect(allOutput(hale)).not.toMatch(/No address added|\n\s+at |"stack"/);
    expect(spawnedAny(hale)).toBe(false);
    // The lock it took is let go: a hale started next on this state dir is not refused.
    expect(existsSync(join(stateDir, 'hale.lock'))).toBe(false);
  }, 60_000);

  it('whose gRPC health port is taken says so in one line naming the port, where it is set and the fix; nothing starts', async () => {
    const stateDir = freshDir('state');
    const port = await holdPort();
    const config = writeConfig({ stateDir, apiPort: 0, grpcAddress: `127.0.0.1:${port}` });
    const hale = startHale(['run', '-c', config]);
    const { code } = await hale.exited;
    expect(code).toBe(1);
    expect(stderrLines(hale)).toEqual([
      `hale: port ${port} (grpc.address in ${config}:4, the gRPC health server) is in use by another process; run with HALE_GRPC_ADDRESS=127.0.0.1:N, change grpc.address, or set grpc.enabled: false`,
    ]);
    expect(allOutput(hale)).not.toMatch(/No address added|\n\s+at |"stack"/);
    expect(spawnedAny(hale)).toBe(false);
    expect(existsSync(join(stateDir, 'hale.lock'))).toBe(false);
  }, 60_000);

  it('listens where HALE_API_PORT says, over the config; HALE_GRPC_ADDRESS moves gRPC health', async () => {
    const taken = await holdPort();
    const [apiPort, grpcPort] = [await freePort(), await freePort()];
    const config = writeConfig({ stateDir: freshDir('state'), apiPort: taken, grpcAddress: '127.0.0.1:50051' });
    const hale = startHale(['run', '-c', config], { HALE_API_PORT: String(apiPort), HALE_GRPC_ADDRESS: `127.0.0.1:${grpcPort}` });
    const line = await hale.line(listening, 20_000);
    expect(line.api).toBe(`http://127.0.0.1:${apiPort}`);
    expect((await hale.line((l) => typeof l.grpc === 'string', 20_000)).grpc).toBe(`127.0.0.1:${grpcPort}`);
    expect((await fetch(`http://127.0.0.1:${apiPort}/health`)).status).toBeLessThan(600);
  }, 60_000);

  it('listens where --port says, over HALE_API_PORT; a taken --port is named as such', async () => {
    const [optionPort, envPort] = [await freePort(), await freePort()];
    const config = writeConfig({ stateDir: freshDir('state'), apiPort: await holdPort(), grpcAddress: '127.0.0.1:0' });
    const hale = startHale(['run', '-c', config, '--port', String(optionPort)], { HALE_API_PORT: String(envPort) });
    expect((await hale.line(listening, 20_000)).api).toBe(`http://127.0.0.1:${optionPort}`);

    const taken = await holdPort();
    const refused = startHale([
      'run',
      '-c',
      writeConfig({ stateDir: freshDir('state'), apiPort: 0, grpcAddress: '127.0.0.1:0' }),
      '--port',
      String(taken),
    ]);
    expect((await refused.exited).code).toBe(1);
    expect(stderrLines(refused)).toEqual([
      `hale: port ${taken} (--port) is in use by another process; run with --port N, HALE_API_PORT=N, or change api.port`,
    ]);
  }, 60_000);

  it('refuses a HALE_API_PORT that is not a port, in one line, before anything starts', async () => {
    const stateDir = freshDir('state');
    const config = writeConfig({ stateDir, apiPort: 0, grpcAddress: '127.0.0.1:0' });
    for (const bad of ['80a', '65536', '-1', '1.5', ' ']) {
      const hale = startHale(['run', '-c', config], { HALE_API_PORT: bad });
      const { code } = await hale.exited;
      expect(code, bad).toBe(2);
      expect(stderrLines(hale), bad).toEqual([
        `hale: HALE_API_PORT=${JSON.stringify(bad)} is not a port: give a whole number from 0 to 65535; nothing was started`,
      ]);
      expect(spawnedAny(hale)).toBe(false);
    }
  }, 60_000);
});
