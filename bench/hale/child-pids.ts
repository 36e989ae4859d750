import { readdirSync, readFileSync } from 'node:fs';

/**
 * The live (not zombie) children of `parent` with their command names, from /proc.
 *
 * @example
 * childProcesses(halePid).find((c) => c.name === 'hale-watchdog')?.pid;
 */
export const childProcesses = (parent: number): Array<{ pid: number; name: string }> => {
  const found: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== parent || fields[0] === 'Z') continue;
      found.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // Gone while we looked.
    }
  }
  return found;
};

/**
 * The pid of hale's watchdog, or null: the child running the sh loop
 * (`/bin/sh …/hale-watchdog.sh`), or where hale has no /bin/sh, the node
 * program that names itself hale-watchdog.
 *
 * @example
 * const watchdog = findWatchdog(bench.pid);
 */
export const findWatchdog = (halePid: number): number | null => {
  // The kernel keeps 15 characters of a process's name: "hale-watchdog" fits.
  const child = childProcesses(halePid).find((c) => c.name === 'hale-watchdog');
  if (child !== undefined) return child.pid;
  // The sh loop is named "sh"; its command line says what it is (and the node program's, before it names itself).
  for (const { pid } of childProcesses(halePid)) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (args.includes('hale-watchdog.sh') || args.includes('watchdog-main.js')) return pid;
    } catch {
      // Gone while we looked.
    }
  }
  return null;
};
