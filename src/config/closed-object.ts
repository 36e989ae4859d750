import { z } from 'zod';
import { suggestKey } from './suggest.js';

const listedKeysMax = 8;

const unknownKeyMessage = (key: string, known: readonly string[]): string => {
  const suggestion = suggestKey(key, known);
  if (suggestion !== undefined) return `unknown key "${key}" (did you mean ${suggestion}?)`;
  return known.length <= listedKeysMax ? `unknown key "${key}" (known keys: ${known.join(', ')})` : `unknown key "${key}"`;
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

