export const sparkWidth = 120;
export const sparkHeight = 28;
const width = sparkWidth;
const height = sparkHeight;

/**
 * The polyline points of a sparkline: latencies scaled to the box, the
 * highest at the top; one point draws a flat line.
 *
 * @example
 * sparkPath([1, 3, 2]); // '0.0,27.0 60.0,1.0 120.0,14.0'
 */
export const sparkPath = (values: readonly number[]): string => {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const step = values.length === 1 ? 0 : width / (values.length - 1);
  const points = values.map((value, index) => {
    const y = max === min ? height / 2 : height - 1 - ((value - min) / span) * (height - 2);
    return `${(index * step).toFixed(1)},${y.toFixed(1)}`;
  });
  return values.length === 1 ? `${points[0]} ${width},${(height / 2).toFixed(1)}` : points.join(' ');
};
