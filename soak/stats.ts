/**
 * The p-th percentile (0–100) by nearest rank; NaN for no samples.
 *
 * @example
 * percentile([5, 1, 9, 3], 50); // 3
 */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
};
