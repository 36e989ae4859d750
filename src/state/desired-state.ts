import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { readStateFile, setAside } from './safe-file.js';

/** A plugin stopped by hand, which stays stopped until someone starts it. */
export interface StoppedByHand {
  at: string;
  reason: string;
}

/** What a person asked for, which outlives the supervisor. */
export interface DesiredState {
  stopped: Record<string, StoppedByHand>;
}

export type DesiredStateRead =
  | { ok: true; state: DesiredState }
  /** The file was unreadable; it was kept aside as `keptAs` and nothing in it is applied. */
  | { ok: false; state: DesiredState; message: string; keptAs: string | null };

export const desiredStateFile = 'desired.json';
// A name and a reason per plugin stopped by hand: a few KiB, far from this.
const maxDesiredBytes = 4 * 1024 * 1024;

const isStoppedByHand = (value: unknown): value is StoppedByHand =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as StoppedByHand).at === 'string' &&
  typeof (value as StoppedByHand).reason === 'string';

const parseDesiredState = (text: string): DesiredState | null => {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('stopped' in parsed)) return null;
  const { stopped } = parsed;
  if (typeof stopped !== 'object' || stopped === null || Array.isArray(stopped)) return null;
  const entries = Object.entries(stopped);
  return entries.every(([, value]) => isStoppedByHand(value)) ? { stopped: Object.fromEntries(entries) } : null;
};

/**
 * Reads the desired state from the state dir; no file means nothing was
 * asked. A damaged file, or one that is not a regular file (a link, a
 * FIFO: neither followed nor waited on), is moved aside, never deleted, and
 * reported.
 *
 * @example
 * const read = await readDesiredState('/var/lib/hale');
 * if (read.state.stopped['greeter'] !== undefined) console.log('greeter stays stopped');
 */
export const readDesiredState = async (stateDir: string): Promise<DesiredStateRead> => {
  const path = join(stateDir, desiredStateFile);
  let text: string;
  try {
    const read = await readStateFile(path, maxDesiredBytes);
    if (!read.ok && read.reason === 'missing') return { ok: true, state: { stopped: {} } };
    if (!read.ok) {
      // Not followed, not waited on: moved aside whole (a link, never its target), and a fresh file written next time.
      const keptAs = await setAside(path);
      return {
        ok: false,
        state: { stopped: {} },
        message: `${read.message}; ${keptAs === null ? 'ignored it' : `moved it aside as ${keptAs}`}`,
        keptAs,
      };
    }
    text = read.text;
  } catch (error) {
    return { ok: false, state: { stopped: {} }, message: `cannot read ${path}: ${(error as Error).message}`, keptAs: null };
  }
  let state: DesiredState | null = null;
  try {
    state = parseDesiredState(text);
  } catch {
    state = null;
  }
  if (state !== null) return { ok: true, state };
  const damaged = `${path}.damaged-${Date.now()}`;
  const keptAs = await rename(path, damaged).then(
    () => damaged,
    () => null,
  );
  return {
    ok: false,
    state: { stopped: {} },
    message: `${path} is not a desired-state file; ${keptAs === null ? 'ignored it' : `kept it as ${keptAs}`}`,
    keptAs,
  };
};

/**
 * The desired state in memory and on disk: every change is written
 * atomically, one write at a time, in the order the changes were made.
 *
 * @example
 * const store = createDesiredStore('/var/lib/hale', { stopped: {} });
 * await store.markStopped('greeter', 'maintenance');
 */
export const createDesiredStore = (stateDir: string, initial: DesiredState) => {
  const stopped = new Map(Object.entries(initial.stopped));
  let writes: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const content = `${JSON.stringify({ stopped: Object.fromEntries(stopped) }, null, 2)}\n`;
    writes = writes.catch(() => undefined).then(() => writeFileAtomically(join(stateDir, desiredStateFile), content));
    return writes;
  };
  return {
    stoppedByHand: (name: string): StoppedByHand | undefined => stopped.get(name),
    markStopped: (name: string, reason: string): Promise<void> => {
      stopped.set(name, { at: new Date().toISOString(), reason });
      return save();
    },
    /** Forgets that `names` were stopped by hand; writes only when that changes anything. */
    forget: (...names: string[]): Promise<void> => {
      const changed = names.filter((name) => stopped.delete(name)).length > 0;
      return changed ? save() : writes.catch(() => undefined);
    },
  };
};

export type DesiredStore = ReturnType<typeof createDesiredStore>;
