import { existsSync, realpathSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { toTarget, type PluginAddress } from '../grpc/plugin-client.js';
import { readListeningTcpSockets, readListeningUnixSockets, type ListeningSocket } from './listening-sockets.js';
import {
  carriesMark,
  findSocketHolder,
  heldSockets,
  inGroup,
  readCgroupProcesses,
  readCommandName,
  walkProcesses,
} from './socket-holders.js';

/**
 * Whether the address a plugin's handshake named is the plugin's own:
 * `owned` (connect to `address`, a resolved name pinned to the IP checked),
 * `refused` (served by another process, or not on this machine: the start
 * fails with `reason`), `unserved` (nothing listens there yet: ask again),
 * `unchecked` (no /proc to tell: the handshake is trusted as it was before).
 */
export type AddressOwnership =
  | { kind: 'owned'; address: PluginAddress; pid: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'unserved'; reason: string }
  | { kind: 'unchecked'; reason: string };

export interface OwnerQuery {
  /** The plugin's name, for the reason. */
  plugin: string;
  /** The leader of the plugin's process group (the process hale spawned). */
  leader: number;
  address: PluginAddress;
  /** The HALE_INSTANCE value hale gave it (not what its environ says now: a process can rewrite that); null without one. */
  mark?: string | null;
  /** Its own cgroup v2 directory; null without one. */
  cgroup?: string | null;
}

// A name resolving to more addresses than this is not followed further.
const maxResolved = 16;

const hasProcNet = (): boolean => existsSync('/proc/net/unix') && existsSync('/proc/self/fd');

/** The forms of a path /proc/net/unix may show for the socket: as named, normalized, and with links resolved. */
const pathForms = (path: string): Set<string> => {
  const forms = new Set([path, resolve(path)]);
  try {
    forms.add(realpathSync(path));
  } catch {
    // Nothing there yet, or not ours to resolve: the other forms still match.
  }
  return forms;
};

/** An IP as WHATWG URL writes it (IPv6 compressed, lower case), the form the listing uses. */
const canonicalIp = (ip: string): string => (isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);

const isLocalIp = (ip: string): boolean => {
  if (isIP(ip) === 4 && (ip.startsWith('127.') || ip === '0.0.0.0')) return true;
  if (ip === '::1' || ip === '::') return true;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const info of addresses ?? []) if (canonicalIp(info.address.split('%')[0] ?? '') === ip) return true;
  }
  return false;
};

/**
 * The listeners a connection to ip:port can reach, as Linux picks one: those bound to exactly that
 * address (an IPv4 one also as IPv4-mapped IPv6) if any, else the wildcards (0.0.0.0, and :: which
 * takes IPv4 too unless it is IPv6-only).
 */
const reachableListeners = (sockets: readonly ListeningSocket[], ip: string, port: number): ListeningSocket[] => {
  const onPort = sockets.filter((s) => s.port === port);
  const v4 = isIP(ip) === 4;
  const exact = new Set(v4 ? [ip, canonicalIp(`::ffff:${ip}`)] : [ip]);
  const exactly = onPort.filter((s) => exact.has(s.address));
  if (exactly.length > 0) return exactly;
  const wildcards = new Set(v4 ? ['0.0.0.0', '::'] : ['::']);
  return onPort.filter((s) => wildcards.has(s.address));
};

/** host and port of `host:port` (`[v6]:port`). */
const splitHostPort = (address: string): { host: string; port: number } => {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
};

type Listeners = { ok: true; inodes: Set<number>; address: PluginAddress } | { ok: false; ownership: AddressOwnership };

const findUnixListeners = (address: PluginAddress, named: string): Listeners => {
  const listing = readListeningUnixSockets();
  if (!listing.ok) return { ok: false, ownership: { kind: 'refused', reason: `${named}, which hale cannot check: ${listing.reason}` } };
  const forms = pathForms(address.address);
  const inodes = new Set(listing.sockets.filter((s) => forms.has(s.address)).map((s) => s.inode));
  if (inodes.size === 0) return { ok: false, ownership: { kind: 'unserved', reason: `${named}, where nothing listens` } };
  return { ok: true, inodes, address };
};

const findTcpListeners = async (address: PluginAddress, named: string): Promise<Listeners> => {
  const { host, port } = splitHostPort(address.address);
  let ips: string[];
  if (isIP(host) !== 0) ips = [canonicalIp(host)];
  else {
    try {
      ips = (await lookup(host, { all: true, verbatim: true })).slice(0, maxResolved).map((found) => canonicalIp(found.address));
    } catch (error) {
      return {
        ok: false,
        ownership: {
          kind: 'refused',
          reason: `${named}, a name that does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        },
      };
    }
  }
  const remote = ips.find((ip) => !isLocalIp(ip));
  if (remote !== undefined) {
    return {
      ok: false,
      ownership: {
        kind: 'refused',
        reason: `${named}, but ${remote} is not an address of this machine: a plugin must listen where hale can see who serves it`,
      },
    };
  }
  const listing = readListeningTcpSockets();
  if (!listing.ok) return { ok: false, ownership: { kind: 'refused', reason: `${named}, which hale cannot check: ${listing.reason}` } };
  // A name is pinned to the first of its addresses that someone serves, so the connection goes where the check looked.
  for (const ip of ips) {
    const listeners = reachableListeners(listing.sockets, ip, port);
    if (listeners.length === 0) continue;
    const pinned = isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
    return {
      ok: true,
      inodes: new Set(listeners.map((s) => s.inode)),
      address: { network: 'tcp', address: isIP(host) === 0 ? pinned : address.address },
    };
  }
  return { ok: false, ownership: { kind: 'unserved', reason: `${named}, where nothing listens` } };
};

/**
 * Checks that a process of the plugin (its group, its cgroup, or a process
 * carrying its instance mark) is the one listening on the address its handshake named:
 * on Linux, the listening socket's inode from /proc/net/unix or
 * /proc/net/tcp(6), found among the plugin's descriptors in /proc/PID/fd.
 * Every socket a connection could reach there must be the plugin's.
 *
 * @example
 * const ownership = await checkAddressOwner({ plugin: 'greeter', leader: child.pid, address });
 * if (ownership.kind === 'refused') return fail(ownership.reason);
 */
export const checkAddressOwner = async ({ plugin, leader, address, mark = null, cgroup = null }: OwnerQuery): Promise<AddressOwnership> => {
  const named = `the handshake named ${toTarget(address)}`;
  if (!hasProcNet()) return { kind: 'unchecked', reason: `${named}; without /proc hale cannot check who listens there, and trusts it` };
  const found = address.network === 'unix' ? findUnixListeners(address, named) : await findTcpListeners(address, named);
  if (!found.ok) return found.ownership;
  const owned = new Map<number, number>();
  const members = new Set<number>();
  const whole = (): boolean => owned.size === found.inodes.size;
  const look = (pid: number): boolean => {
    members.add(pid);
    for (const inode of heldSockets(pid, found.inodes)) owned.set(inode, pid);
    return whole();
  };
  // Cheapest first: the leader (the usual listener), its cgroup, its group; then a fork that left the group (setsid) but carries the mark.
  if (!look(leader)) for (const pid of readCgroupProcesses(cgroup)) if (!members.has(pid) && look(pid)) break;
  if (!whole()) await walkProcesses((pid) => !members.has(pid) && inGroup(pid, leader) && look(pid));
  if (!whole() && mark !== null)
    await walkProcesses((pid) => !members.has(pid) && pid !== process.pid && carriesMark(pid, mark) && look(pid));
  const foreign = new Set([...found.inodes].filter((inode) => !owned.has(inode)));
  const owner = owned.values().next();
  if (foreign.size === 0 && !owner.done) return { kind: 'owned', address: found.address, pid: owner.value };
  const holder = await findSocketHolder(foreign, members);
  const who =
    holder === null
      ? 'by a process hale cannot see'
      : `by another process (pid ${holder.pid}${holder.plugin === null ? '' : ` of plugin ${holder.plugin}`}${holder.pid === process.pid ? ', hale itself' : ''}, ${readCommandName(holder.pid) || 'unnamed'})`;
  return { kind: 'refused', reason: `${named}, which process ${leader} of plugin ${plugin} does not own; it is served ${who}` };
};

const pollMs = { first: 20, max: 250 };

/**
 * Asks checkAddressOwner until the answer is more than `unserved` (a plugin
 * may print its handshake a moment before it listens), or `deadline`
 * (epoch ms) passes, or `signal` aborts; the last answer.
 *
 * @example
 * const ownership = await awaitAddressOwner({ plugin, leader: child.pid, address }, Date.now() + 5_000, signal);
 */
export const awaitAddressOwner = async (query: OwnerQuery, deadline: number, signal: AbortSignal): Promise<AddressOwnership> => {
  let delay = pollMs.first;
  for (;;) {
    const ownership = await checkAddressOwner(query);
    if (ownership.kind !== 'unserved' || signal.aborted || Date.now() + delay > deadline) return ownership;
    await new Promise((done) => setTimeout(done, delay));
    delay = Math.min(pollMs.max, delay * 2);
  }
};

/** The address to connect to, or why the start fails; `unchecked` tells what could not be checked. */
export type OwnAddress = { ok: true; value: { address: PluginAddress; unchecked: string | null } } | { ok: false; reason: string };

/**
 * awaitAddressOwner's answer as a start's step: owned (or unchecked, without /proc) goes on,
 * anything else fails the start with the reason.
 *
 * @example
 * const own = await awaitOwnAddress({ plugin: 'greeter', leader: child.pid, address }, deadline, signal);
 * if (!own.ok) return fail(own.reason);
 */
export const awaitOwnAddress = async (query: OwnerQuery, deadline: number, signal: AbortSignal): Promise<OwnAddress> => {
  const ownership = await awaitAddressOwner(query, deadline, signal);
  switch (ownership.kind) {
    case 'owned':
      return { ok: true, value: { address: ownership.address, unchecked: null } };
    case 'unchecked':
      return { ok: true, value: { address: query.address, unchecked: ownership.reason } };
    case 'refused':
      return { ok: false, reason: ownership.reason };
    case 'unserved':
      return { ok: false, reason: `${ownership.reason} within startTimeout` };
  }
};
