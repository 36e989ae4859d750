import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTcpLine, parseUnixLine, readListeningTcpSockets, readListeningUnixSockets } from '../../../src/plugin/listening-sockets.js';

describe('parseUnixLine', () => {
  test('a listening socket bound to a path', () => {
    expect(parseUnixLine('0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/p.sock')).toEqual({
      inode: 23456,
      address: '/run/p.sock',
      port: 0,
    });
    expect(parseUnixLine('ffff8c1e4b2a4400: 00000002 00000000 00010000 0001 01 99 /tmp/a dir/p.sock')).toEqual({
      inode: 99,
      address: '/tmp/a dir/p.sock',
      port: 0,
    });
  });

  test.each([
    ['the header', 'Num       RefCount Protocol Flags    Type St Inode Path'],
    ['a connected socket', '0000000000000000: 00000003 00000000 00000000 0001 03 154651 /run/p.sock'],
    ['an unbound socket', '00000000397a2065: 00000003 00000000 00000000 0001 03 154651'],
    ['an abstract socket', '0000000000000000: 00000002 00000000 00010000 0001 01 777 @/tmp/.X11-unix/X0'],
    ['a blank line', ''],
  ])('%s is not one', (_, line) => {
    expect(parseUnixLine(line)).toBeNull();
  });
});

describe('parseTcpLine', () => {
  const le = endianness() === 'LE';
  test('IPv4 listeners, in the byte order of this machine', () => {
    const loopback = le ? '0100007F' : '7F000001';
    expect(
      parseTcpLine(
        `   1: ${loopback}:A235 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 153557 1 00000000bfda861f 100 0 0 10 0`,
      ),
    ).toEqual({
      inode: 153557,
      address: '127.0.0.1',
      port: 0xa235,
    });
    expect(
      parseTcpLine(
        '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1060 1 000000004ef12f02 100 0 0 10 0',
      ),
    ).toEqual({
      inode: 1060,
      address: '0.0.0.0',
      port: 2024,
    });
  });

  test.runIf(le)('IPv6 listeners: ::, ::1 and an IPv4-mapped address', () => {
    const line = (hex: string) =>
      `   0: ${hex}:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0`;
    expect(parseTcpLine(line('00000000000000000000000000000000'))).toMatchObject({ address: '::', port: 8080 });
    expect(parseTcpLine(line('00000000000000000000000001000000'))).toMatchObject({ address: '::1', port: 8080 });
    expect(parseTcpLine(line('0000000000000000FFFF00000100007F'))).toMatchObject({ address: '::ffff:7f00:1', port: 8080 });
    expect(parseTcpLine(line('B80D0120000000000000000001000000'))).toMatchObject({ address: '2001:db8::1', port: 8080 });
  });

  test('a socket not in LISTEN (0A) is not one', () => {
    expect(
      parseTcpLine('   2: 0100007F:A235 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0 20 4 30 10 -1'),
    ).toBeNull();
    expect(parseTcpLine('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode')).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('the listings of this machine', () => {
  let dir: string;
  const servers: Server[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hale-listen-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = (target: { path: string } | { port: number; host: string }) =>
    new Promise<Server>((resolve) => {
      const server = createServer();
      servers.push(server);
      server.listen(target, () => resolve(server));
    });

  test('show a unix socket and a TCP port this test listens on', async () => {
    const path = join(dir, 'p.sock');
    await listen({ path });
    const tcp = await listen({ port: 0, host: '127.0.0.1' });
    const port = (tcp.address() as { port: number }).port;
    const unix = readListeningUnixSockets();
    const tcpListing = readListeningTcpSockets();
    expect(unix.ok && unix.sockets.some((s) => s.address === path)).toBe(true);
    expect(tcpListing.ok && tcpListing.sockets.some((s) => s.address === '127.0.0.1' && s.port === port)).toBe(true);
  });
});
