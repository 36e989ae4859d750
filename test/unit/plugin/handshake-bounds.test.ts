import { describe, expect, test } from 'vitest';
import { parseHandshakeLine } from '../../../src/plugin/handshake.js';

describe('parseHandshakeLine: what a plugin names is bounded', () => {
  test('a unix socket path longer than Linux can connect to is refused', () => {
    const path = `/tmp/${'p'.repeat(102)}`;
    expect(parseHandshakeLine(`1|1|unix|${path}|grpc`)).toMatchObject({ kind: 'handshake' });
    const longer = `${path}x`;
    expect(parseHandshakeLine(`1|1|unix|${longer}|grpc`)).toEqual({
      kind: 'invalid',
      message: `bad handshake line ${JSON.stringify(`1|1|unix|${longer}|grpc`.slice(0, 200))}: unix socket path ${JSON.stringify(longer)} is longer than 107 bytes, which Linux cannot connect to`,
    });
  });

  test('a unix socket path with control characters is refused, and the message carries none', () => {
    const result = parseHandshakeLine('1|1|unix|/tmp/\u001b]0;owned\u0007.sock|grpc');
    expect(result).toMatchObject({ kind: 'invalid', message: expect.stringContaining('holds control characters') as unknown });
    expect(result.kind === 'invalid' && /\p{Cc}/u.test(result.message)).toBe(false);
  });

  test('a host longer than a DNS name can be is refused', () => {
    expect(parseHandshakeLine(`1|1|tcp|${'h'.repeat(253)}:80|grpc`)).toMatchObject({ kind: 'handshake' });
    expect(parseHandshakeLine(`1|1|tcp|${'h'.repeat(254)}:80|grpc`)).toMatchObject({ kind: 'invalid' });
  });

  test('the address kept is a copy of the line, equal to it', () => {
    const line = `1|1|unix|/tmp/hale-x/${'a'.repeat(60)}.sock|grpc${' '.repeat(10_000)}`;
    const parsed = parseHandshakeLine(line);
    expect(parsed.kind === 'handshake' && parsed.handshake.address.address).toBe(`/tmp/hale-x/${'a'.repeat(60)}.sock`);
  });
});
