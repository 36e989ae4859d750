/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
 *
 * @example
 * editDistance('chekInterval', 'checkInterval'); // 1
 * editDistance('ab', 'ba');                      // 1
 */
export const editDistance = (a: string, b: string): number => {
  // Rows i-2, i-1 and i of the optimal-string-alignment table.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
};

// `check_interval` and `CheckInterval` are one idea away from `checkInterval`, however many edits.
const normalize = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The known key closest to `key`, when it is at most two edits away (ignoring
 * case, `-` and `_`) and those edits change less than half of it; undefined
 * when nothing is close.
 *
 * @example
 * suggestKey('chekInterval', ['checkInterval', 'checkTimeout']); // 'checkInterval'
 * suggestKey('check_timeout', ['checkInterval', 'checkTimeout']); // 'checkTimeout'
 * suggestKey('colour', ['checkInterval']);                        // undefined
 */
export const suggestKey = (key: string, known: readonly string[]): string | undefined => {
  let best: { key: string; distance: number } | undefined;
  const normalKey = normalize(key);
  // The distance is at least the difference in length: a long key is far from every known one, and costly to compare.
  const within = (a: string, b: string): number => (Math.abs(a.length - b.length) > 2 ? Infinity : editDistance(a, b));
  for (const candidate of known) {
    const distance = Math.min(within(key, candidate), within(normalKey, normalize(candidate)));
    // Two edits on a three-letter key could turn it into almost anything.
    const close = distance <= 2 && distance * 2 < candidate.length;
    if (close && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
};
