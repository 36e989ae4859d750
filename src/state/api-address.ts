import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { readStateFile } from './safe-file.js';

/** Where a running hale answers, as it writes it into its state dir for the CLI. */
export interface ApiAddress {
  url: string;
  grpc: string | null;
  pid: number;
}

const fileName = 'api.json';
// An address, a pid: a few hundred bytes.
const maxAddressBytes = 64 * 1024;

/**
 * Writes the address the API is actually on (the port the OS chose for 0),
 * so `hale status -c FILE` finds this hale without being told the port.
 *
 * @example
 * await writeApiAddress(config.stateDir, { url: server.url, grpc: null, pid: process.pid });
 */
export const writeApiAddress = (stateDir: string, address: ApiAddress): Promise<void> =>
  writeFileAtomically(join(stateDir, fileName), `${JSON.stringify(address)}\n`, 0o644);

/** Forgets the address once hale stops listening. */
export const removeApiAddress = (stateDir: string): Promise<void> => rm(join(stateDir, fileName), { force: true });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The address a hale on this state dir wrote, if that hale still runs;
 * null when there is none, it does not parse, it is not a regular file (a
 * link or a FIFO is neither followed nor waited on), or its writer is gone.
 *
 * @example
 * const running = await readApiAddress('/var/lib/hale'); // { url: 'http://127.0.0.1:8080', grpc: '127.0.0.1:50051', pid: 4242 }
 */
export const readApiAddress = async (stateDir: string): Promise<ApiAddress | null> => {
  try {
    const read = await readStateFile(join(stateDir, fileName), maxAddressBytes);
    if (!read.ok) return null;
    const value = JSON.parse(read.text) as Partial<ApiAddress>;
    if (typeof value.url !== 'string' || typeof value.pid !== 'number' || !alive(value.pid)) return null;
    return { url: value.url, grpc: typeof value.grpc === 'string' ? value.grpc : null, pid: value.pid };
  } catch {
    return null;
  }
};
