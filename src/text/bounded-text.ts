/** Marks text that was cut. */
export const cutMark = '…';

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;

// C0 and C1 controls, DEL, and the Unicode line breaks: an escape sequence from outside must not reach an operator's terminal (`hale status`), nor a newline break a one-line field.
const controls = /[\p{Cc}\u2028\u2029]/gu;

/**
 * A copy of at most `maxBytes` UTF-8 bytes of `text` as one line, cut at a
 * character boundary, with `…` after it when something was cut; control
 * characters (newlines, escapes) become spaces. Text from outside (a
 * plugin's answer, a probe's output) goes through this before hale keeps it:
 * V8's `slice()` shares the parent's memory, so a kept slice of a 1 MB answer
 * would pin the whole megabyte; this copy pins nothing.
 *
 * @example
 * keepText('ok', 10);               // 'ok'
 * keepText('x'.repeat(1e6), 4);     // 'xxxx…' (a new 4-byte string; the megabyte can be collected)
 * keepText('héllo', 2);             // 'h…' (é is two bytes and does not fit whole)
 * keepText('red\x1b[31m\n', 20);    // 'red [31m ' (no escape reaches a terminal)
 */
export const keepText = (text: string, maxBytes: number): string => {
  const limit = Math.max(0, Math.floor(maxBytes));
  // A UTF-16 unit is never less than one byte, so the first `limit` units hold all that can be kept.
  let head = text.length > limit ? text.slice(0, limit) : text;
  // Half a surrogate pair would come out as U+FFFD; leave it out with the rest of what is cut.
  if (head.length < text.length && isHighSurrogate(head.charCodeAt(head.length - 1))) head = head.slice(0, -1);
  const bytes = Buffer.from(head.replace(controls, ' '), 'utf8');
  if (head.length === text.length && bytes.length <= limit) return bytes.toString('utf8');
  let end = Math.min(limit, bytes.length);
  // Never end inside a character: step back over continuation bytes (10xxxxxx) to the start of the one cut.
  if (end < bytes.length) while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${bytes.toString('utf8', 0, end)}${cutMark}`;
};

/**
 * `raw` when it is a string, kept as keepText keeps it; anything else is ''.
 *
 * @example
 * keepUntrustedText(42, 100);       // ''
 * keepUntrustedText('fine', 100);   // 'fine'
 */
export const keepUntrustedText = (raw: unknown, maxBytes: number): string => (typeof raw === 'string' ? keepText(raw, maxBytes) : '');
