import { readdirSync, readFileSync } from 'node:fs';

/** Every live process's parent, from /proc: pid → ppid. */
const readParents = (): Map<number, number> => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone while we looked.
    }
  }
  return parents;
};

const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/**
 * hale's helpers: every process descended from `halePid` (the watchdog, and
 * whatever it or hale start) except the plugins, which carry `pluginMarker`
 * on their command line, and their own descendants. Ten generations deep at most.
 *
 * @example
 * const helpers = findHelpers(bench.pid, '--bench-marker=1234'); // [4243] (the watchdog)
 */
export const findHelpers = (halePid: number, pluginMarker: string): number[] => {
  const parents = readParents();
  const found: number[] = [];
  let generation = [halePid];
  for (let depth = 0; depth < 10 && generation.length > 0; depth++) {
    const next: number[] = [];
    for (const [pid, parent] of parents) {
      if (!generation.includes(parent) || commandLine(pid).includes(pluginMarker)) continue;
      next.push(pid);
    }
    found.push(...next);
    generation = next;
  }
  return found;
};
