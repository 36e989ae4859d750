const nsPerUs = 1_000;
const nsPerMs = 1_000_000;
const nsPerS = 1_000_000_000;

/** `whole / unit` written with as many decimals as needed and no trailing zeros. */
const writeDecimal = (whole: number, unit: number): string => {
  const integer = Math.floor(whole / unit);
  const fraction = whole % unit;
  if (fraction === 0) return String(integer);
  const digits = String(unit).length - 1;
  return `${integer}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
};

/**
 * Milliseconds written as Go's `time.Duration.String()` writes them, so
 * dashboards made for the Go plugin monitor hale's API is compatible with (docs/architecture.md) can parse `responseTime`.
 *
 * @example
 * formatGoDuration(15); // '15ms'
 * formatGoDuration(1200); // '1.2s'
 * formatGoDuration(90_000); // '1m30s'
 * formatGoDuration(0.5); // '500µs'
 */
export const formatGoDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return '0s';
  const sign = ms < 0 ? '-' : '';
  const ns = Math.round(Math.abs(ms) * nsPerMs);
  if (ns === 0) return '0s';
  if (ns < nsPerUs) return `${sign}${ns}ns`;
  if (ns < nsPerMs) return `${sign}${writeDecimal(ns, nsPerUs)}µs`;
  if (ns < nsPerS) return `${sign}${writeDecimal(ns, nsPerMs)}ms`;
  const hours = Math.floor(ns / (3_600 * nsPerS));
  const minutes = Math.floor((ns % (3_600 * nsPerS)) / (60 * nsPerS));
  const seconds = writeDecimal(ns % (60 * nsPerS), nsPerS);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
};
