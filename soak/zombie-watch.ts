import { listProcesses, readRssKib } from './proc.js';

/** A child of hale that has exited and was not reaped between two scans. */
export interface LingeringZombie {
  pid: number;
  /** Milliseconds since the soak began when it was first seen. */
  firstSeenMs: number;
}

export interface ZombieWatch {
  /** One scan now; a zombie also present in the scan before it is lingering. */
  scan(): void;
  /** Zombies seen (briefly, which is normal) and the lingering ones. */
  result(): { scans: number; zombiesSeen: number; lingering: LingeringZombie[]; maxRssKib: number | null };
  stop(): void;
}

/**
 * Scans /proc every `intervalMs` for children of `parent` in state Z. A
 * zombie is normal between a child's exit and its reaping; one still there
 * (same pid, same start time) a scan later is not. Samples the parent's RSS
 * on each scan too.
 *
 * @example
 * const watch = watchZombies(halePid, 1_000, startedAt);
 * // ... the run ...
 * watch.stop();
 * watch.result().lingering; // []
 */
export const watchZombies = (parent: number, intervalMs: number, origin: number): ZombieWatch => {
  // Zombies of the last scan, each with when it was first seen.
  let previous = new Map<string, number>();
  const lingering = new Map<string, LingeringZombie>();
  let scans = 0;
  let zombiesSeen = 0;
  let maxRssKib: number | null = null;
  const scan = (): void => {
    scans += 1;
    const rss = readRssKib(parent);
    if (rss !== null) maxRssKib = Math.max(maxRssKib ?? 0, rss);
    const current = new Map<string, number>();
    for (const stat of listProcesses()) {
      if (stat.ppid !== parent || stat.state !== 'Z') continue;
      const key = `${stat.pid}@${stat.startTime}`;
      const firstSeen = previous.get(key);
      current.set(key, firstSeen ?? Date.now());
      if (firstSeen === undefined) zombiesSeen += 1;
      else if (!lingering.has(key)) lingering.set(key, { pid: stat.pid, firstSeenMs: firstSeen - origin });
    }
    previous = current;
  };
  const timer = setInterval(scan, intervalMs);
  return {
    scan,
    result: () => ({ scans, zombiesSeen, lingering: [...lingering.values()], maxRssKib }),
    stop: () => clearInterval(timer),
  };
};
