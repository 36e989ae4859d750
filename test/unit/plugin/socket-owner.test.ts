import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { instanceMarkVariable } from '../../../src/containment/instance-mark.js';
import { awaitAddressOwner, checkAddressOwner } from '../../../src/plugin/socket-owner.js';

// A process that listens where LISTEN says (`unix:/path` or `host:0`) and prints `listening <address>` once it does.
const listenerScript = `
  const net = require('node:net');
  const target = process.env.LISTEN;
  const server = net.createServer();
  const done = () => { const a = server.address(); process.stdout.write('listening ' + (typeof a === 'string' ? a : a.address + ':' + a.port) + '\\n'); };
  if (target.startsWith('unix:')) server.listen(target.slice(5), done); else server.listen(0, target.split(':')[0], done);
  setInterval(() => {}, 1 << 30);
`;
const idleScript = 'setInterval(() => {}, 1 << 30);';
const mark = '0123456789abcdef/owner-test/1';

let dir: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hale-owner-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process in a session and group of its own (setsid), as hale's plugins and their daemonized forks are. */
const start = async (script: string, env: Record<string, string> = {}): Promise<{ pid: number; address: string }> => {
  const child = spawn(process.execPath, ['-e', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  children.push(child);
  if (script === idleScript) return { pid: child.pid ?? 0, address: '' };
  const [chunk] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
  return { pid: child.pid ?? 0, address: chunk.trim().replace(/^listening /, '') };
};

describe.runIf(process.platform === 'linux')('checkAddressOwner', () => {
  test('the leader listening on its unix socket owns it', async () => {
    const path = join(dir, 'own.sock');
    const leader = await start(listenerScript, { LISTEN: `unix:${path}` });
    const ownership = await checkAddressOwner({ plugin: 'p', leader: leader.pid, address: { network: 'unix', address: path } });
    expect(ownership).toEqual({ kind: 'owned', address: { network: 'unix', address: path }, pid: leader.pid });
  });

  test('the leader listening on TCP owns it; localhost is pinned to the address checked', async () => {
    const leader = await start(listenerScript, { LISTEN: '127.0.0.1:0' });
    const port = leader.address.split(':')[1] ?? '';
    expect(
      await checkAddressOwner({ plugin: 'p', leader: leader.pid, address: { network: 'tcp', address: leader.address } }),
    ).toMatchObject({
      kind: 'owned',
      address: { network: 'tcp', address: leader.address },
    });
    expect(
      await checkAddressOwner({ plugin: 'p', leader: leader.pid, address: { network: 'tcp', address: `localhost:${port}` } }),
    ).toMatchObject({
      kind: 'owned',
      address: { network: 'tcp', address: `127.0.0.1:${port}` },
    });
  });

  test("another process's socket is refused, naming that process", async () => {
    const path = join(dir, 'theirs.sock');
    const other = await start(listenerScript, { LISTEN: `unix:${path}` });
    const leader = await start(idleScript);
    const ownership = await checkAddressOwner({ plugin: 'impostor', leader: leader.pid, address: { network: 'unix', address: path } });
    expect(ownership).toEqual({
      kind: 'refused',
      reason: `the handshake named unix:${path}, which process ${leader.pid} of plugin impostor does not own; it is served by another process (pid ${other.pid}, node)`,
    });
  });

  test('a fork that left the group (setsid) counts when it carries the mark hale gave the plugin, and only then', async () => {
    const path = join(dir, 'daemon.sock');
    const leader = await start(idleScript, { [instanceMarkVariable]: mark });
    const fork = await start(listenerScript, { LISTEN: `unix:${path}`, [instanceMarkVariable]: mark });
    const address = { network: 'unix', address: path } as const;
    expect(await checkAddressOwner({ plugin: 'owner-test', leader: leader.pid, address, mark })).toMatchObject({
      kind: 'owned',
      pid: fork.pid,
    });
    expect(await checkAddressOwner({ plugin: 'owner-test', leader: leader.pid, address, mark: null })).toMatchObject({ kind: 'refused' });
    // A mark is what hale gave, not what the leader's environ says now.
    const other = '0123456789abcdef/owner-test/2';
    expect(await checkAddressOwner({ plugin: 'owner-test', leader: leader.pid, address, mark: other })).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining(`served by another process (pid ${fork.pid} of plugin owner-test, node)`) as unknown,
    });
  });

  test('this very process (hale) listening is refused', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const leader = await start(idleScript);
    const ownership = await checkAddressOwner({
      plugin: 'p',
      leader: leader.pid,
      address: { network: 'tcp', address: `127.0.0.1:${port}` },
    });
    expect(ownership).toMatchObject({ kind: 'refused', reason: expect.stringContaining(`(pid ${process.pid}, hale itself, `) as unknown });
  });

  test('nothing listening is unserved; an address of another machine is refused at once', async () => {
    const leader = await start(idleScript);
    const path = join(dir, 'nobody.sock');
    expect(await checkAddressOwner({ plugin: 'p', leader: leader.pid, address: { network: 'unix', address: path } })).toEqual({
      kind: 'unserved',
      reason: `the handshake named unix:${path}, where nothing listens`,
    });
    expect(await checkAddressOwner({ plugin: 'p', leader: leader.pid, address: { network: 'tcp', address: '192.0.2.7:80' } })).toEqual({
      kind: 'refused',
      reason:
        'the handshake named 192.0.2.7:80, but 192.0.2.7 is not an address of this machine: a plugin must listen where hale can see who serves it',
    });
  });

  test('awaitAddressOwner waits for a listener that comes a moment after the handshake', async () => {
    const path = join(dir, 'late.sock');
    const leader = await start(`setTimeout(() => { ${listenerScript} }, 300); setInterval(() => {}, 1 << 30);`, { LISTEN: `unix:${path}` });
    const ownership = await awaitAddressOwner(
      { plugin: 'p', leader: leader.pid, address: { network: 'unix', address: path } },
      Date.now() + 10_000,
      new AbortController().signal,
    );
    expect(ownership).toMatchObject({ kind: 'owned', pid: leader.pid });
  });
});
