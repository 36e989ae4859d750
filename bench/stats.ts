/** Median, min and max of a sample, and a one-line summary of it. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export const summarize = (values: number[]): Summary => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, n: sorted.length };
};

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export const show = ({ median, min, max, n }: Summary, unit: string): string =>
  `${median.toFixed(1)} ${unit} (min ${min.toFixed(1)} – max ${max.toFixed(1)}, n=${n})`;
