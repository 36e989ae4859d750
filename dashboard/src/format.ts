/**
 * A duration the way people read it on a dashboard: 42s, 3m 05s, 2h 10m, 4d 3h.
 *
 * @example
 * formatDuration(185_000); // '3m 05s'
 */
export const formatDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.floor(ms / 1_000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
};

/**
 * A check's latency: sub-millisecond ones too.
 *
 * @example
 * formatLatency(0.4); // '0.4 ms'
 */
export const formatLatency = (ms: number | null): string => {
  if (ms === null) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1_000).toFixed(2)} s`;
};

/** A clock time in the viewer's zone, to the second. */
export const formatClock = (epochMs: number): string =>
  new Date(epochMs).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/**
 * Bytes in the largest binary unit that keeps a number of at least 1.
 *
 * @example
 * formatBytes(157_286_400); // '150 MiB'
 */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${index === 0 ? Math.round(value) : Number(value.toFixed(1))} ${units[index] ?? 'B'}`;
};
