/** One Server-Sent Events message as it arrived; `comment` holds a line that began with ':'. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
  retry: number | null;
  comment: string | null;
}

/**
 * Splits a text/event-stream into messages as the WHATWG spec reads it:
 * `field: value` lines, a blank line ends a message, `data` lines join with
 * newlines, an absent `event` is "message". Comments come out as messages of
 * their own, so a reader can see heartbeats.
 *
 * @example
 * for await (const message of readSse(response.body)) console.log(message.event, JSON.parse(message.data));
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let fields: { event: string; data: string[]; id: string | null; retry: number | null } = { event: '', data: [], id: null, retry: null };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        newline = buffer.search(/\r\n|\r|\n/);
        if (line === '') {
          if (fields.data.length > 0 || fields.event !== '' || fields.id !== null || fields.retry !== null) {
            yield { event: fields.event || 'message', data: fields.data.join('\n'), id: fields.id, retry: fields.retry, comment: null };
          }
          fields = { event: '', data: [], id: null, retry: null };
          continue;
        }
        if (line.startsWith(':')) {
          yield { event: '', data: '', id: null, retry: null, comment: line.slice(1).trimStart() };
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'event') fields.event = value;
        else if (name === 'data') fields.data.push(value);
        else if (name === 'id' && !value.includes('\0')) fields.id = value;
        else if (name === 'retry' && /^[0-9]+$/.test(value)) fields.retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
