import type { SupervisorSnapshot } from '../model/status.js';

/** One snapshot per scrape, shared by every gauge that reads it. */
export interface SnapshotReader {
  /** The snapshot of the scrape under way, or a fresh one outside a scrape. */
  read(): SupervisorSnapshot;
  /** Takes one snapshot and lets every read() during `scrape` see it. */
  during<T>(scrape: () => Promise<T>): Promise<T>;
}

/**
 * Pins a snapshot for the length of a scrape, so the gauges agree with each
 * other and the supervisor builds its statuses once, not once per gauge.
 *
 * @example
 * const reader = createSnapshotReader(() => supervisor.snapshot());
 * const text = await reader.during(() => registry.metrics());
 */
export const createSnapshotReader = (take: () => SupervisorSnapshot): SnapshotReader => {
  let pinned: SupervisorSnapshot | null = null;
  return {
    read: () => pinned ?? take(),
    during: async (scrape) => {
      const mine = take();
      pinned = mine;
      try {
        return await scrape();
      } finally {
        if (pinned === mine) pinned = null;
      }
    },
  };
};
