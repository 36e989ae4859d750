const maxShown = 40;

/**
 * Names a parsed YAML value for an error message, the way its author wrote it.
 *
 * @example
 * describeValue(30);        // 'the number 30'
 * describeValue('30x');     // '"30x"'
 * describeValue(['a']);     // 'a list'
 * describeValue(null);      // 'an empty value'
 */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > maxShown ? `${value.slice(0, maxShown)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
};

/**
 * The hint for a number or boolean where YAML needed text: YAML reads `1.10`
 * as 1.1 and `yes` as text but `true` as a boolean, so quoting says what is meant.
 *
 * @example
 * quoteHint(8080); // ' (quote it: "8080")'
 * quoteHint('x');  // ''
 */
export const quoteHint = (value: unknown): string =>
  typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '';
