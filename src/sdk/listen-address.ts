import { lstatSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PluginAddress } from '../grpc/plugin-client.js';
import { maxUnixSocketPath, socketDirEnv } from '../protocol.js';

/** The loopback address a plugin falls back to; port 0 lets the kernel choose. */
export const loopbackAddress: PluginAddress = { network: 'tcp', address: '127.0.0.1:0' };

export interface ListenPlan {
  /** Addresses to try in order: the unix socket first when there can be one, then loopback TCP. */
  listen: PluginAddress[];
  /** The unix socket file this plugin will own, if any. */
  socketPath: string | null;
  /** Why there is no unix socket, when there is not. */
  fallbackReason: string | null;
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

// A name becomes part of a file name: keep it to characters that need no quoting.
const toFileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40) || 'plugin';

/**
 * Where a plugin should listen: a unix socket `<name>-<pid>.sock` in the
 * supervisor's private directory, or 127.0.0.1:0 when the directory is unset,
 * missing, or the path would be too long for a unix socket.
 *
 * @example
 * chooseListenAddress({ HALE_PLUGIN_SOCKET_DIR: '/tmp/hale-x' }, 'greeter', 123);
 * // { listen: [{ network: 'unix', address: '/tmp/hale-x/greeter-123.sock' }, { network: 'tcp', address: '127.0.0.1:0' }], socketPath: '/tmp/hale-x/greeter-123.sock', fallbackReason: null }
 */
export const chooseListenAddress = (env: NodeJS.ProcessEnv, name: string, pid: number): ListenPlan => {
  const tcpOnly = (fallbackReason: string): ListenPlan => ({ listen: [loopbackAddress], socketPath: null, fallbackReason });
  const dir = env[socketDirEnv];
  if (dir === undefined || dir === '') return tcpOnly(`${socketDirEnv} is not set`);
  if (!isDirectory(dir)) return tcpOnly(`${socketDirEnv} (${dir}) is not a directory`);
  const socketPath = join(resolve(dir), `${toFileName(name)}-${pid}.sock`);
  const length = Buffer.byteLength(socketPath);
  if (length > maxUnixSocketPath) {
    return tcpOnly(`the socket path would be ${length} bytes, more than the ${maxUnixSocketPath} a unix socket allows`);
  }
  return { listen: [{ network: 'unix', address: socketPath }, loopbackAddress], socketPath, fallbackReason: null };
};

/** Removes a socket file left by an earlier process with the same pid; anything else at the path is left alone. */
export const removeStaleSocket = (path: string): void => {
  try {
    if (lstatSync(path).isSocket()) rmSync(path, { force: true });
  } catch {
    // Nothing there: the usual case.
  }
};

/** Removes this plugin's own socket file once its server is down; false when it could not. */
export const removeSocketFile = (path: string): boolean => {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
};
