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
 * The pid of hale's watchdog (the child that names itself hale-watchdog), or null.
 *
 * @example
 * const watchdog = findWatchdog(bench.pid);
 */
export const findWatchdog = (halePid: number): number | null => {
  // The kernel keeps 15 characters of a process's name: "hale-watchdog" fits.
  const child = childProcesses(halePid).find((c) => c.name === 'hale-watchdog');
  if (child !== undefined) return child.pid;
  // Before it names itself, its command line says what it is.
  for (const { pid } of childProcesses(halePid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watchdog-main.js')) return pid;
    } catch {
      // Gone while we looked.
    }
  }
  return null;
};
