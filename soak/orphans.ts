import type { SeenProcess } from './pid-registry.js';
import { isLive, listProcesses, readCommandLine } from './proc.js';

/** A process left behind: still alive after hale exited. */
export interface Orphan {
  pid: number;
  pgrp: number;
  commandLine: string;
  /** Why it counts as the soak's. */
  because: 'seen pid' | 'seen process group' | 'soak path in its command line';
}

/**
 * Every live process that belongs to a plugin the soak saw: the same pid with
 * the same start time, a member of such a plugin's process group (what it
 * forked), or any process whose command line names the soak's own folder
 * (every plugin's --fault-dir is in it, so even a pid the soak never saw is found).
 *
 * @example
 * findOrphans(registry.seen(), setup.dir); // [] when hale left nothing behind
 */
export const findOrphans = (seen: readonly SeenProcess[], marker: string): Orphan[] => {
  const byPid = new Map(seen.map((s) => [s.pid, s]));
  const belongs = (pid: number, pgrp: number, startTime: string, commandLine: string): Orphan['because'] | null => {
    const known = byPid.get(pid);
    // Without a start time, only the command line can tell the plugin from a later owner of its pid.
    if (known !== undefined && (known.startTime === null ? commandLine.includes(marker) : known.startTime === startTime)) return 'seen pid';
    // The leader is judged by its own pid above; the rest of its group are what it forked.
    if (pid !== pgrp && byPid.has(pgrp)) return 'seen process group';
    return commandLine.includes(marker) ? 'soak path in its command line' : null;
  };
  const orphans: Orphan[] = [];
  for (const stat of listProcesses()) {
    if (!isLive(stat) || stat.pid === process.pid) continue;
    const commandLine = readCommandLine(stat.pid);
    const because = belongs(stat.pid, stat.pgrp, stat.startTime, commandLine);
    if (because !== null) orphans.push({ pid: stat.pid, pgrp: stat.pgrp, commandLine, because });
  }
  return orphans;
};
