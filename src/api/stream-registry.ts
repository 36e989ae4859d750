/** The little of a socket the registry watches: what it holds unsent and what it took in all. */
export interface WatchedSocket {
  readonly writableLength: number;
  readonly bytesWritten: number;
  readonly destroyed: boolean;
}

export type Admission =
  | {
      ok: true;
      /** Gives the place back; called again, does nothing. */
      release: () => void;
      /** The stream ends on its own terms (an overflow notice): no longer cut for a stall. */
      markEnding: () => void;
    }
  | { ok: false; status: 429 | 503; message: string; retryAfterSeconds: number };

export interface StreamRegistryOptions {
  /** Streams open at once. */
  maxClients: number;
  /** Streams open at once from one client (IPv4 address, IPv6 /64). */
  maxPerClient: number;
  /** A stream whose socket has held unsent bytes without sending any for this long is cut. */
  stallMs: number;
  now?: () => number;
}

export interface StreamRegistry {
  /** Takes a place for a stream from `client`, making room by cutting a stalled one if it must. */
  admit(client: string, socket: WatchedSocket | undefined, cut: () => void): Admission;
  /** Streams open now. */
  readonly size: number;
}

interface Entry {
  client: string;
  socket: WatchedSocket | undefined;
  cut: () => void;
  /** Bytes the socket had sent at the last look. */
  sent: number;
  stalledSince: number | null;
  /** The stream has begun to end on its own (an overflow): not cut again for a stall. */
  ending: boolean;
}

const sentOf = (socket: WatchedSocket): number => socket.bytesWritten - socket.writableLength;

/**
 * The open event streams: at most `maxClients`, at most `maxPerClient` from
 * one client, so one address cannot take every place; a stream whose client
 * stopped reading (its socket keeps unsent bytes and sends none for
 * `stallMs`) is cut, and is the first to go when a new reader needs its
 * place.
 *
 * @example
 * const streams = createStreamRegistry({ maxClients: 64, maxPerClient: 16, stallMs: 5_000 });
 * const place = streams.admit('127.0.0.1', response.socket, cutOff);
 * if (!place.ok) return answerError(c, place.status, 'too_many_streams', place.message);
 */
export const createStreamRegistry = (options: StreamRegistryOptions): StreamRegistry => {
  const { maxClients, maxPerClient, stallMs, now = Date.now } = options;
  const entries = new Map<() => void, Entry>();
  let sweeper: NodeJS.Timeout | undefined;

  const look = (entry: Entry, time: number): void => {
    const { socket } = entry;
    if (socket === undefined || socket.destroyed) return;
    const sent = sentOf(socket);
    if (socket.writableLength > 0 && sent === entry.sent) entry.stalledSince ??= time;
    else entry.stalledSince = null;
    entry.sent = sent;
  };
  const isStalled = (entry: Entry, time: number): boolean => entry.stalledSince !== null && time - entry.stalledSince >= stallMs;

  const release = (key: () => void): void => {
    entries.delete(key);
    if (entries.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const evict = (key: () => void, entry: Entry): void => {
    release(key);
    entry.cut();
  };
  const sweep = (): void => {
    const time = now();
    for (const [key, entry] of [...entries]) {
      look(entry, time);
      if (!entry.ending && isStalled(entry, time)) evict(key, entry);
    }
  };
  /** The longest-stalled stream among those `match` takes, if any has stalled at all. */
  const stalledOne = (match: (entry: Entry) => boolean): [() => void, Entry] | null => {
    const time = now();
    let found: [() => void, Entry] | null = null;
    for (const pair of entries) {
      const entry = pair[1];
      if (!match(entry)) continue;
      look(entry, time);
      if (entry.stalledSince !== null && (found === null || entry.stalledSince < (found[1].stalledSince ?? 0))) found = pair;
    }
    return found;
  };

  return {
    get size() {
      return entries.size;
    },
    admit: (client, socket, cut) => {
      if (entries.size >= maxClients) {
        const stalled = stalledOne(() => true);
        if (stalled === null) {
          return {
            ok: false,
            status: 503,
            message: `${maxClients} event streams are open already; try again later`,
            retryAfterSeconds: Math.ceil(stallMs / 1_000),
          };
        }
        evict(...stalled);
      }
      const mine = [...entries.values()].filter((entry) => entry.client === client).length;
      if (mine >= maxPerClient) {
        const stalled = stalledOne((entry) => entry.client === client);
        if (stalled === null) {
          return {
            ok: false,
            status: 429,
            message: `${maxPerClient} event streams from ${client} are open already; close one, or try again later`,
            retryAfterSeconds: Math.ceil(stallMs / 1_000),
          };
        }
        evict(...stalled);
      }
      const key = (): void => release(key);
      const entry: Entry = { client, socket, cut, sent: socket === undefined ? 0 : sentOf(socket), stalledSince: null, ending: false };
      entries.set(key, entry);
      sweeper ??= setInterval(sweep, Math.max(50, Math.min(1_000, stallMs / 4)));
      sweeper.unref();
      return {
        ok: true,
        release: key,
        markEnding: () => {
          entry.ending = true;
        },
      };
    },
  };
};
