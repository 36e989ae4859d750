import { readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';

/**
 * Where this process's own cgroup v2 directory is: the cgroup2 mount (from
 * /proc/self/mountinfo) joined with the `0::` line of /proc/self/cgroup. A
 * reason where there is none (no cgroup v2, no /proc).
 *
 * @example
 * findOwnCgroup(); // { ok: true, mount: '/sys/fs/cgroup', dir: '/sys/fs/cgroup/system.slice/hale.service' }
 */
export const findOwnCgroup = (
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { ok: true; mount: string; dir: string } | { ok: false; reason: string } => {
  let mountinfo: string;
  let membership: string;
  try {
    mountinfo = read('/proc/self/mountinfo');
    membership = read('/proc/self/cgroup');
  } catch (error) {
    return { ok: false, reason: `cannot read /proc/self: ${error instanceof Error ? error.message : String(error)}` };
  }
  const mount = findCgroup2Mount(mountinfo);
  if (mount === null) return { ok: false, reason: 'no cgroup v2 file system is mounted' };
  const own = /^0::(\/.*)$/m.exec(membership)?.[1];
  if (own === undefined) return { ok: false, reason: 'this process is in no cgroup v2 (no 0:: line in /proc/self/cgroup)' };
  // A cgroup namespace may show a path above its root; "(deleted)" marks a cgroup removed under us.
  if (own.includes('..') || own.endsWith(' (deleted)'))
    return { ok: false, reason: `this process's cgroup ${own} is not reachable from the mount` };
  return { ok: true, mount, dir: join(mount, own) };
};

/**
 * The mount point of the first cgroup2 file system in a mountinfo text, or null.
 *
 * @example
 * findCgroup2Mount('40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw'); // '/sys/fs/cgroup/unified'
 */
export const findCgroup2Mount = (mountinfo: string): string | null => {
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    // Only the root of the hierarchy: a bind mount of a sub-tree would shift every path.
    if (dash > 4 && fields[dash + 1] === 'cgroup2' && fields[3] === '/') {
      const point = fields[4] ?? '';
      // mountinfo escapes spaces and the like as \ooo.
      return point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    }
  }
  return null;
};

/**
 * True when `path` lies strictly below `parent` (both absolute, no `..` left).
 *
 * @example
 * isBelow('/sys/fs/cgroup/hale-0123456789abcdef/echo-1', '/sys/fs/cgroup'); // true
 */
export const isBelow = (path: string, parent: string): boolean => {
  if (!isAbsolute(path) || normalize(path) !== path) return false;
  const rest = relative(parent, path);
  return rest !== '' && !rest.startsWith('..') && !isAbsolute(rest);
};

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** The cgroups below `dir`, deepest first; a plugin with the rights may have made some. Bounded. */
const listDescendants = (dir: string, limit = 1_000): string[] => {
  const found: string[] = [];
  const visit = (at: string, depth: number): void => {
    if (depth > 32 || found.length >= limit) return;
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = join(at, entry.name);
      visit(child, depth + 1);
      found.push(child);
    }
  };
  visit(dir, 0);
  return found;
};

/**
 * The pids in a cgroup and every cgroup below it; empty when it is gone.
 *
 * @example
 * listCgroupProcesses('/sys/fs/cgroup/hale-0123456789abcdef/echo-1'); // [4242, 4250]
 */
export const listCgroupProcesses = (dir: string): number[] =>
  [dir, ...listDescendants(dir)].flatMap((at) =>
    (readText(join(at, 'cgroup.procs')) ?? '')
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0),
  );

/**
 * True while any process runs in the cgroup or below it (cgroup.events
 * `populated 1`); false once it is empty or gone.
 *
 * @example
 * if (!isCgroupPopulated(dir)) removeCgroup(dir);
 */
export const isCgroupPopulated = (dir: string): boolean => /^populated 1$/m.test(readText(join(dir, 'cgroup.events')) ?? '');

/**
 * Signals every process of the cgroup and below. SIGKILL goes through
 * cgroup.kill where the kernel has it (5.14+): it reaches forks made while
 * it runs, too. True when the cgroup was there to signal.
 *
 * @example
 * signalCgroup(dir, 'SIGTERM');
 */
export const signalCgroup = (dir: string, signal: NodeJS.Signals): boolean => {
  if (signal === 'SIGKILL') {
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      return true;
    } catch {
      // No cgroup.kill (an older kernel), or the cgroup is gone: one process at a time.
    }
  }
  const pids = listCgroupProcesses(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone between the look and the signal.
    }
  }
  return pids.length > 0;
};

/**
 * Removes a cgroup and every cgroup below it, deepest first. True when it is
 * gone (or never was); false while something still runs in it.
 *
 * @example
 * removeCgroup('/sys/fs/cgroup/hale-0123456789abcdef/echo-1');
 */
export const removeCgroup = (dir: string): boolean => {
  for (const at of [...listDescendants(dir), dir]) {
    try {
      rmdirSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  return true;
};

// The shell moves itself into the cgroup, then execs the rest: nothing of the plugin ever runs outside it.
const enterScript =
  '{ echo 0 > "$1/cgroup.procs"; } 2>/dev/null || { echo "hale: cannot enter the cgroup $1" >&2; exit 125; }; shift; exec "$@"';

/**
 * The command line that runs `command` inside the cgroup `dir`: a shell
 * that writes itself into the cgroup and then execs the command (same pid).
 *
 * @example
 * withCgroup('/bin/sh', '/sys/fs/cgroup/hale-0123456789abcdef/echo-1', '/usr/bin/node', ['main.js']);
 * // { command: '/bin/sh', args: ['-c', '…', 'hale-cgroup', '/sys/fs/cgroup/hale-0123456789abcdef/echo-1', '/usr/bin/node', 'main.js'] }
 */
export const withCgroup = (shell: string, dir: string, command: string, args: readonly string[]): { command: string; args: string[] } => ({
  command: shell,
  args: ['-c', enterScript, 'hale-cgroup', dir, command, ...args],
});
