import { z } from 'zod';
import { suggestKey } from './suggest.js';
import { quoteText } from './quote-text.js';

const listedKeysMax = 8;

const unknownKeyMessage = (key: string, known: readonly string[]): string => {
  const suggestion = suggestKey(key, known);
  const named = `unknown key ${quoteText(key)}`;
  if (suggestion !== undefined) return `${named} (did you mean ${suggestion}?)`;
  return known.length <= listedKeysMax ? `${named} (known keys: ${known.join(', ')})` : named;
};

/**
 * An object that reports every key it does not know, one issue per key at
 * the key (params.at), so a typo is an error that names the right spelling.
 */
export const closedObject = <Shape extends z.ZodRawShape>(shape: Shape) => {
  const known = Object.keys(shape);
  return z.object(shape).catchall(
    z.unknown().refine(() => false, {
      error: (issue) => unknownKeyMessage(String(issue.path?.at(-1)), known),
      params: { at: 'key' },
    }),
  );
};
