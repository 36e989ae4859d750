import { readFileSync } from 'node:fs';
import { describeValue } from './describe-value.js';
import type { FieldResult } from './fields.js';
import type { RunAsConfig } from './types.js';

/** The account files hale reads names from, and whether it runs as root; a test passes its own. */
export interface AccountSource {
  /** The text of /etc/passwd, or null when it cannot be read. */
  passwd(): string | null;
  /** The text of /etc/group, or null when it cannot be read. */
  group(): string | null;
  /** hale's own uid; null where there are no uids (Windows). */
  uid(): number | null;
}

// /etc/passwd of a big site is a few MiB at most; a larger one is not read.
const maxAccountBytes = 16 * 1024 * 1024;

const readSmall = (path: string): string | null => {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > maxAccountBytes ? null : text;
  } catch {
    return null;
  }
};

/** The machine's own accounts. */
export const systemAccounts: AccountSource = {
  passwd: () => readSmall('/etc/passwd'),
  group: () => readSmall('/etc/group'),
  uid: () => process.getuid?.() ?? null,
};

const idPattern = /^\d{1,10}$/;
// A name as useradd allows it, or a numeric id.
const namePattern = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}\$?$/;
const maxId = 2 ** 32 - 2;

/** The [name, id, primary gid] of each line of a passwd or group text. */
const parseEntries = (text: string): Array<{ name: string; id: number; gid: number }> =>
  text.split('\n').flatMap((line) => {
    const [name, , id, gid] = line.split(':');
    if (name === undefined || id === undefined || !idPattern.test(id)) return [];
    return [{ name, id: Number(id), gid: gid !== undefined && idPattern.test(gid) ? Number(gid) : Number(id) }];
  });

type Named = { name: string | null; id: number; gid: number };

const findAccount = (input: unknown, text: string | null, file: string, what: 'user' | 'group'): FieldResult<Named> => {
  const written = typeof input === 'number' ? String(input) : input;
  if (typeof written !== 'string' || !(idPattern.test(written) || namePattern.test(written)))
    return { ok: false, message: `expected a ${what} name or a numeric id, got ${describeValue(input)}` };
  const entries = text === null ? [] : parseEntries(text);
  if (idPattern.test(written)) {
    const id = Number(written);
    if (id > maxId) return { ok: false, message: `the ${what} id ${written} is out of range` };
    const entry = entries.find((candidate) => candidate.id === id);
    // A numeric id need not be in the file (containers often run ids no file names).
    return { ok: true, value: { name: entry?.name ?? null, id, gid: entry?.gid ?? id } };
  }
  if (text === null)
    return { ok: false, message: `cannot look up the ${what} ${describeValue(written)}: ${file} cannot be read; give a numeric id` };
  const entry = entries.find((candidate) => candidate.name === written);
  if (entry === undefined) return { ok: false, message: `no ${what} named ${describeValue(written)} in ${file}` };
  return { ok: true, value: { name: entry.name, id: entry.id, gid: entry.gid } };
};

/**
 * A plugin's `user:` and `group:` (names or numeric ids) as the ids to run
 * it with. Without `group:` the user's primary group from /etc/passwd is
 * used. Only root can give a process another user: when hale is not root,
 * either key is an error that says so. Issues name the key they are about.
 *
 * @example
 * resolveRunAs({ user: 'nobody' }, systemAccounts);
 * // { ok: true, runAs: { uid: 65534, gid: 65534, user: 'nobody', group: null } }
 */
export const resolveRunAs = (
  raw: { user?: unknown; group?: unknown },
  accounts: AccountSource,
): { ok: true; runAs: RunAsConfig | null } | { ok: false; issues: Array<{ key: 'user' | 'group'; message: string }> } => {
  if (raw.user === undefined && raw.group === undefined) return { ok: true, runAs: null };
  const own = accounts.uid();
  if (own !== 0) {
    const key = raw.user === undefined ? 'group' : 'user';
    const who = own === null ? 'on this system hale has no uid' : `hale runs as uid ${own}, not root`;
    return {
      ok: false,
      issues: [{ key, message: `${who}: only root can run a plugin as another user or group; remove ${key}: or run hale as root` }],
    };
  }
  const user = raw.user === undefined ? null : findAccount(raw.user, accounts.passwd(), '/etc/passwd', 'user');
  const group = raw.group === undefined ? null : findAccount(raw.group, accounts.group(), '/etc/group', 'group');
  const issues = [
    ...(user !== null && !user.ok ? [{ key: 'user' as const, message: user.message }] : []),
    ...(group !== null && !group.ok ? [{ key: 'group' as const, message: group.message }] : []),
  ];
  if (issues.length > 0 || (user !== null && !user.ok) || (group !== null && !group.ok)) return { ok: false, issues };
  const uid = user?.value.id ?? null;
  const gid = group?.value.id ?? user?.value.gid ?? null;
  return { ok: true, runAs: { uid, gid, user: user?.value.name ?? null, group: group?.value.name ?? null } };
};
