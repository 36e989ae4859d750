import { describe, expect, test } from 'vitest';
import { isHostPort, parseHandshakeLine } from '../../../src/plugin/handshake.js';

describe('parseHandshakeLine: valid lines', () => {
  test.each([
    ['1|1|unix|/tmp/hale-x/greeter.sock|grpc', 1, { network: 'unix', address: '/tmp/hale-x/greeter.sock' }],
    ['1|3|tcp|127.0.0.1:4000|grpc', 3, { network: 'tcp', address: '127.0.0.1:4000' }],
    ['1|1|tcp|[::1]:65535|grpc', 1, { network: 'tcp', address: '[::1]:65535' }],
    ['1|1|tcp|localhost:1|grpc', 1, { network: 'tcp', address: 'localhost:1' }],
    ['1|1|tcp|plugin-host.internal:8080|grpc', 1, { network: 'tcp', address: 'plugin-host.internal:8080' }],
    // go-plugin's sixth field (a base64 server certificate) and anything after it are ignored.
    ['1|1|tcp|127.0.0.1:4000|grpc|MIIBszCCAVmgAwIBAgIRAK==', 1, { network: 'tcp', address: '127.0.0.1:4000' }],
    ['1|1|unix|/run/p.sock|grpc|cert|and|more', 1, { network: 'unix', address: '/run/p.sock' }],
    ['1|1|unix|/run/p.sock|grpc|', 1, { network: 'unix', address: '/run/p.sock' }],
    ['  1|1|unix|/run/p.sock|grpc  ', 1, { network: 'unix', address: '/run/p.sock' }],
    ['\t1|1|unix|/run/p.sock|grpc\r', 1, { network: 'unix', address: '/run/p.sock' }],
  ])('%j', (line, appVersion, address) => {
    expect(parseHandshakeLine(line)).toEqual({
      kind: 'handshake',
      handshake: { coreVersion: 1, appVersion, address, protocol: 'grpc' },
    });
  });
});

describe('parseHandshakeLine: log lines', () => {
  test.each([
    '',
    '   ',
    'starting greeter plugin',
    '{"level":30,"msg":"listening"}',
    '| name    | status  |',
    '|---------|---------|',
    'name | status | latency',
    'greeter|1|unix|/run/p.sock|grpc',
    'v1|1|unix|/run/p.sock|grpc',
    '-1|1|unix|/run/p.sock|grpc',
    '1.0|1|unix|/run/p.sock|grpc',
    '2024-01-01 12:00:00 | INFO | ready',
    '1 2|x',
  ])('%j is log output', (line) => {
    expect(parseHandshakeLine(line)).toEqual({ kind: 'log' });
  });
});

describe('parseHandshakeLine: invalid lines', () => {
  test.each([
    ['1|1|unix', 'expected 5 fields CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL, got 3'],
    ['1|', 'expected 5 fields CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL, got 2'],
    ['1|1|unix|/run/p.sock', 'expected 5 fields CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL, got 4'],
    ['2|1|unix|/run/p.sock|grpc', 'core protocol version 2 is not supported (hale speaks 1)'],
    ['0|1|unix|/run/p.sock|grpc', 'core protocol version 0 is not supported (hale speaks 1)'],
    ['1|one|unix|/run/p.sock|grpc', 'app protocol version "one" is not a whole number'],
    ['1||unix|/run/p.sock|grpc', 'app protocol version "" is not a whole number'],
    ['1|1.5|unix|/run/p.sock|grpc', 'app protocol version "1.5" is not a whole number'],
    ['1|-1|unix|/run/p.sock|grpc', 'app protocol version "-1" is not a whole number'],
    ['1|99999999999999999999|unix|/run/p.sock|grpc', 'app protocol version "99999999999999999999" is not a whole number'],
    ['1|1|unix|/run/p.sock|netrpc', `protocol "netrpc" is not supported (only grpc; go-plugin's netrpc is not)`],
    ['1|1|unix|/run/p.sock|GRPC', `protocol "GRPC" is not supported (only grpc; go-plugin's netrpc is not)`],
    ['1|1|carrier-pigeon|coop 7|grpc', 'network "carrier-pigeon" is not unix or tcp'],
    ['1|1|udp|127.0.0.1:53|grpc', 'network "udp" is not unix or tcp'],
    ['1|1|unix|run/p.sock|grpc', 'unix socket path "run/p.sock" is not absolute'],
    ['1|1|unix|./p.sock|grpc', 'unix socket path "./p.sock" is not absolute'],
    ['1|1|unix||grpc', 'unix socket path "" is not absolute'],
    ['1|1|tcp|127.0.0.1|grpc', 'tcp address "127.0.0.1" is not host:port'],
    ['1|1|tcp|127.0.0.1:|grpc', 'tcp address "127.0.0.1:" is not host:port'],
    ['1|1|tcp|127.0.0.1:0|grpc', 'tcp address "127.0.0.1:0" is not host:port'],
    ['1|1|tcp|127.0.0.1:70000|grpc', 'tcp address "127.0.0.1:70000" is not host:port'],
    ['1|1|tcp|::1:4000|grpc', 'tcp address "::1:4000" is not host:port'],
  ])('%j', (line, why) => {
    expect(parseHandshakeLine(line)).toEqual({ kind: 'invalid', message: `bad handshake line ${JSON.stringify(line)}: ${why}` });
  });

  test('a very long bad line is shortened to its first 200 characters in the message', () => {
    const line = `1|1|${'x'.repeat(10_000)}`;
    const result = parseHandshakeLine(line);
    expect(result.kind).toBe('invalid');
    const message = result.kind === 'invalid' ? result.message : '';
    expect(message).toBe(
      `bad handshake line ${JSON.stringify(`${line.slice(0, 200)}…`)}: expected 5 fields CORE_VERSION|APP_VERSION|NETWORK|ADDRESS|PROTOCOL, got 3`,
    );
    expect(message.length).toBeLessThan(400);
  });

  test('a long trailing field (a go-plugin certificate) does not lengthen the message', () => {
    const line = `2|1|unix|/run/p.sock|grpc|${'A'.repeat(4_000)}`;
    const result = parseHandshakeLine(line);
    expect(result.kind === 'invalid' && result.message.length).toBeLessThan(400);
  });

  test('a very long offending field is shortened in the message too', () => {
    const long = 'x'.repeat(10_000);
    for (const line of [
      `1|${long}|unix|/run/p.sock|grpc`,
      `1|1|${long}|/run/p.sock|grpc`,
      `1|1|unix|${long}|grpc`,
      `1|1|tcp|${long}|grpc`,
      `1|1|unix|/run/p.sock|${long}`,
    ]) {
      const result = parseHandshakeLine(line);
      expect(result.kind).toBe('invalid');
      expect(result.kind === 'invalid' && result.message.length).toBeLessThan(600);
    }
  });
});

describe('isHostPort', () => {
  test.each([
    ['127.0.0.1:4000', true],
    ['[::1]:4000', true],
    ['[fe80::1:2]:1', true],
    ['localhost:65535', true],
    ['my-plugin.example.com:443', true],
    ['127.0.0.1', false],
    ['127.0.0.1:', false],
    [':4000', false],
    ['localhost:0', false],
    ['localhost:65536', false],
    ['localhost:70000', false],
    ['localhost:123456', false],
    ['::1:4000', false],
    ['[::1]', false],
    ['[::1]:', false],
    ['local host:80', false],
    ['host:80 ', false],
    ['host:-1', false],
    ['host:8o', false],
    ['', false],
  ])('%j → %s', (address, expected) => {
    expect(isHostPort(address)).toBe(expected);
  });
});
