import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { isLoopbackHost } from '../config/loopback.js';

/** Whether a request's Host header names this hale. */
export type HostVerdict = { ok: true } | { ok: false; host: string };

export interface HostCheckOptions {
  /** The address the server is bound to: a wildcard (0.0.0.0, ::) means every address of the machine. */
  bindHost: string;
  /** More names (or addresses) hale is reached by: `api.allowedHosts`. */
  allowedHosts?: readonly string[];
  /** The machine's addresses; os.networkInterfaces() by default. */
  interfaces?: () => ReturnType<typeof networkInterfaces>;
  now?: () => number;
}

/** How often, at most, the machine's addresses are read again when a Host is not among them. */
const refreshMs = 5_000;

/** Host headers remembered as passing; a client sends the same one on every request, and parsing it was ~5 % of /health. */
const rememberedHosts = 64;

const wildcards = new Set(['0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0']);

/**
 * The host of a Host header, lower case, without its port, brackets or a
 * trailing dot; null when it is not a host at all (`a:b:c`, `x/y`, `[::1`).
 *
 * @example
 * hostOfHeader('LocalHost:8080'); // 'localhost'
 * hostOfHeader('[::1]:80');       // '::1'
 */
export const hostOfHeader = (header: string): string | null => {
  const text = header.trim().toLowerCase();
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return null;
    host = text.slice(1, end);
    rest = text.slice(end + 1);
    if (isIP(host.split('%')[0] ?? '') !== 6) return null;
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    rest = colon === -1 ? '' : text.slice(colon);
  }
  if (rest !== '' && !/^:[0-9]{0,5}$/.test(rest)) return null;
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || !/^[a-z0-9._:%-]+$/.test(host)) return null;
  return host;
};

/** One spelling of an address (IPv6 in its short form), or the name as it is. */
const canonical = (host: string): string => {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase().replace(/\.$/, '');
  if (isIP(lower.split('%')[0] ?? '') !== 6) return lower;
  try {
    return new URL(`http://[${lower.split('%')[0] ?? ''}]/`).hostname.slice(1, -1);
  } catch {
    return lower;
  }
};

const machineAddresses = (read: () => ReturnType<typeof networkInterfaces>): Set<string> => {
  const found = new Set<string>([canonical(hostname())]);
  for (const infos of Object.values(read())) for (const info of infos ?? []) found.add(canonical(info.address));
  return found;
};

/**
 * A check of the Host header against where hale can be reached: a loopback
 * name or address (localhost, *.localhost, 127.0.0.0/8, [::1]); the address
 * it is bound to or, bound to 0.0.0.0 or ::, any address of the machine (and
 * its hostname); and `allowedHosts`. The port is not compared. A request with
 * no Host at all (HTTP/1.0) passes: browsers always send one, so it cannot be
 * DNS rebinding. Anything else is another site's name pointed at hale.
 *
 * @example
 * const check = createHostCheck({ bindHost: '0.0.0.0', allowedHosts: ['hale.internal'] });
 * check('10.1.2.3:8080');        // { ok: true } when 10.1.2.3 is this pod's address
 * check('attacker.example:8080'); // { ok: false, host: 'attacker.example:8080' }
 */
export const createHostCheck = (options: HostCheckOptions): ((header: string | undefined) => HostVerdict) => {
  const { interfaces = networkInterfaces, now = Date.now } = options;
  const named = new Set((options.allowedHosts ?? []).map(canonical));
  const bound = canonical(options.bindHost);
  const everywhere = wildcards.has(bound);
  // The wildcard too: what api.json says when hale listens on 0.0.0.0, and no other site's name.
  named.add(bound);
  let machine = everywhere ? machineAddresses(interfaces) : new Set<string>();
  let readAt = now();
  const isMachineAddress = (host: string): boolean => {
    if (!everywhere) return false;
    if (machine.has(host)) return true;
    // An address added since (DHCP, a new pod network): read again, not on every request.
    if (now() - readAt < refreshMs) return false;
    machine = machineAddresses(interfaces);
    readAt = now();
    return machine.has(host);
  };
  // Only verdicts that cannot change are remembered: a machine address may go away, a loopback or allowed name cannot.
  const passing = new Set<string>();
  return (header) => {
    if (header === undefined || passing.has(header)) return { ok: true };
    if (header.trim() === '') return { ok: true };
    const host = hostOfHeader(header);
    if (host !== null) {
      const name = canonical(host);
      if (isLoopbackHost(name) || named.has(name)) {
        if (passing.size >= rememberedHosts) passing.clear();
        passing.add(header);
        return { ok: true };
      }
      if (isMachineAddress(name)) return { ok: true };
    }
    return { ok: false, host: header.slice(0, 200) };
  };
};
