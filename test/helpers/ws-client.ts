// A real WebSocket client (the `ws` package) for GET /ws/health: what it heard, and how it ended.
import WebSocket from 'ws';

export type WsMessage = Record<string, unknown> & { type: string; id?: number };

export interface WsReader {
  socket: WebSocket;
  messages: WsMessage[];
  /** Resolves with the first message (past or future) that matches; rejects after `timeoutMs` with what was heard. */
  first(match: (message: WsMessage) => boolean, timeoutMs?: number): Promise<WsMessage>;
  /** How the connection ended: its close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export type WsOpenOutcome = { ok: true; reader: WsReader } | { ok: false; status: number; body: string };

/**
 * Opens `url` (ws://…/ws/health?…) with `headers` and `protocols`; resolves
 * once it is open, or with the HTTP status and body the server refused with.
 *
 * @example
 * const opened = await openWs(`ws://127.0.0.1:${port}/ws/health?types=transition`);
 * if (opened.ok) await opened.reader.first((m) => m.type === 'hello');
 */
export const openWs = (
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[]; localAddress?: string } = {},
): Promise<WsOpenOutcome> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers ?? {},
      handshakeTimeout: 10_000,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const messages: WsMessage[] = [];
    const waiters: Array<{ match: (message: WsMessage) => boolean; resolve: (message: WsMessage) => void }> = [];
    socket.on('message', (data) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(new Uint8Array(data)) : data;
      const message = JSON.parse(bytes.toString('utf8')) as WsMessage;
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (!waiter.match(message)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ ok: false, status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ ok: false, status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.OPEN) reject(error);
    });
    socket.once('open', () =>
      resolve({
        ok: true,
        reader: {
          socket,
          messages,
          closed,
          close: () => socket.close(),
          first: (match, timeoutMs = 10_000) => {
            const past = messages.find(match);
            if (past !== undefined) return Promise.resolve(past);
            return new Promise((found, fail) => {
              const waiter = { match, resolve: (message: WsMessage) => (clearTimeout(timer), found(message)) };
              const timer = setTimeout(() => {
                waiters.splice(waiters.indexOf(waiter), 1);
                const tail = messages.slice(-6).map((m) => JSON.stringify(m).slice(0, 200));
                fail(new Error(`no matching message within ${timeoutMs} ms (${messages.length} heard); the last:\n  ${tail.join('\n  ')}`));
              }, timeoutMs);
              waiters.push(waiter);
            });
          },
        },
      }),
    );
  });

/**
 * Opens a WebSocket that must open; throws with the refusal otherwise.
 *
 * @example
 * const reader = await mustOpenWs(`ws://127.0.0.1:${port}/ws/health`);
 */
export const mustOpenWs = async (url: string, options: Parameters<typeof openWs>[1] = {}): Promise<WsReader> => {
  const opened = await openWs(url, options);
  if (!opened.ok) throw new Error(`${url} was refused: ${opened.status} ${opened.body}`);
  return opened.reader;
};
