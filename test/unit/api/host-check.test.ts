import { describe, expect, test } from 'vitest';
import { createHostCheck, hostOfHeader } from '../../../src/api/host-check.js';
import { clientKeyOf } from '../../../src/api/management/client-address.js';

const nic = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, family, netmask: '', mac: '', internal: false, cidr: null }) as never;

describe('hostOfHeader', () => {
  test('takes the host of a Host header, without port, brackets, case or a trailing dot', () => {
    expect(hostOfHeader('LocalHost:8080')).toBe('localhost');
    expect(hostOfHeader('[::1]:80')).toBe('::1');
    expect(hostOfHeader('example.com.')).toBe('example.com');
    expect(hostOfHeader('10.0.0.1')).toBe('10.0.0.1');
  });
  test('says null for what is no host', () => {
    for (const bad of ['::1', '[::1', 'a:b:c', 'x/y', 'host:port', '[nope]:80', 'a b', ':80'])
      expect([bad, hostOfHeader(bad)]).toEqual([bad, null]);
  });
});

describe('createHostCheck', () => {
  test('bound to one address: loopback and that address, not the machine', () => {
    const check = createHostCheck({ bindHost: '10.0.0.5', interfaces: () => ({ eth0: [nic('10.0.0.5'), nic('10.0.0.6')] }) });
    expect(check('10.0.0.5:8080').ok).toBe(true);
    expect(check('127.0.0.1').ok).toBe(true);
    expect(check('[::ffff:127.0.0.1]').ok).toBe(true);
    expect(check('10.0.0.6').ok).toBe(false);
    expect(check(undefined).ok).toBe(true);
  });

  test('bound to ::, every address of the machine in any spelling, and one added later once read again', () => {
    let now = 0;
    const addresses = [nic('192.0.2.2'), nic('fd00::2', 'IPv6')];
    const check = createHostCheck({ bindHost: '::', interfaces: () => ({ eth0: [...addresses] }), now: () => now });
    expect(check('192.0.2.2:80').ok).toBe(true);
    expect(check('[fd00:0:0:0:0:0:0:2]:8080').ok).toBe(true);
    expect(check('[::]:8080').ok).toBe(true);
    addresses.push(nic('198.51.100.7'));
    expect(check('198.51.100.7').ok).toBe(false);
    now += 5_000;
    expect(check('198.51.100.7').ok).toBe(true);
    expect(check('attacker.example').ok).toBe(false);
  });

  test('a machine address that went away is refused once read again, though it passed before (its pass is not remembered)', () => {
    let now = 0;
    const addresses = [nic('192.0.2.2'), nic('198.51.100.7')];
    const check = createHostCheck({ bindHost: '0.0.0.0', interfaces: () => ({ eth0: [...addresses] }), now: () => now });
    for (let i = 0; i < 3; i++) expect(check('198.51.100.7:8080').ok).toBe(true);
    addresses.pop();
    now += 5_000;
    // A Host it has never seen makes it read the addresses again.
    expect(check('203.0.113.9').ok).toBe(false);
    expect(check('198.51.100.7:8080').ok).toBe(false);
    // A loopback name, remembered, passes as before; so does each of many.
    for (let i = 0; i < 200; i++) expect(check(`h${i}.localhost`).ok).toBe(true);
    expect(check('localhost:8080').ok).toBe(true);
  });
});

describe('clientKeyOf', () => {
  test('keys IPv4 by address, IPv4-mapped as IPv4, IPv6 by its /64', () => {
    expect(clientKeyOf('127.0.0.2')).toBe('127.0.0.2');
    expect(clientKeyOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKeyOf('::1')).toBe('0:0:0:0::/64');
  });
});
