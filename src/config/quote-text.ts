import { maxQuotedLength } from './limits.js';

/**
 * Quotes text from the config for an issue, cut short when it is long: a
 * message must stay a line, whatever the file holds.
 *
 * @example
 * quoteText('30x');            // '"30x"'
 * quoteText('x'.repeat(1000)); // '"xxxx…" (1000 characters)'
 */
export const quoteText = (text: string, max: number = maxQuotedLength): string =>
  text.length <= max ? JSON.stringify(text) : `${JSON.stringify(`${text.slice(0, max)}…`)} (${text.length} characters)`;
