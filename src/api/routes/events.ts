import { Hono, type Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { LoggedEvent } from '../../supervisor/event-log.js';
import type { OutputEntry } from '../../model/events.js';
import type { ApiBackend } from '../backend.js';
import type { EventBody, OutputEventBody } from '../bodies.js';
import { answerError, rejectMethod } from '../errors.js';
import { readEventFilter, type EventFilter } from '../event-filter.js';
import { awaitResumable, describeGap, readLastEventIdText } from '../event-replay.js';
import { clientAddressOf, clientKeyOf } from '../management/client-address.js';
import { createStreamRegistry, type StreamRegistry, type WatchedSocket } from '../stream-registry.js';

export interface EventRouteOptions {
  backend: ApiBackend;
  /** A comment line this often keeps proxies from closing an idle stream; 15 s by default. */
  heartbeatMs?: number;
  /** Events a client may fall behind by before it is told and dropped; 1,000 by default. */
  maxQueue?: number;
  /** Streams open at once; more are refused with 503, unless a stalled one can be cut. 64 by default. */
  maxClients?: number;
  /** Streams open at once from one client (IPv4 address, IPv6 /64); more are refused with 429. 16 by default. */
  maxClientsPerAddress?: number;
  /** A client whose socket has taken nothing of what it was sent for this long is cut; 5 s by default. */
  stallMs?: number;
  /** How long a client that overflowed has to take its overflow message before the connection is cut; 5 s by default. */
  overflowGraceMs?: number;
  /** Bytes a WebSocket reader (GET /ws/health) may leave unread before it is closed (1013); 1 MiB by default. */
  maxBufferedBytes?: number;
  /** The places of open streams, shared with GET /ws/health; made from the limits above when not given. */
  streams?: StreamRegistry;
}

/**
 * The places of the event streams, SSE and WebSocket alike, from the limits
 * of `options` (64 at once, 16 from one client, cut after 5 s stalled).
 *
 * @example
 * const streams = createEventStreams({ maxClients: 8 });
 * app.route('/events', createEventRoutes({ backend, streams }));
 */
export const createEventStreams = (options: Omit<EventRouteOptions, 'backend' | 'streams'> = {}): StreamRegistry => {
  const { maxClients = 64, stallMs = 5_000 } = options;
  return createStreamRegistry({ maxClients, maxPerClient: Math.min(options.maxClientsPerAddress ?? 16, maxClients), stallMs });
};

/** How long an EventSource waits before it reconnects, told to it in the first message. */
const retryMs = 2_000;

const readLastEventId = (c: Context): number | null => readLastEventIdText(c.req.header('Last-Event-ID') ?? c.req.query('lastEventId'));

interface Message {
  id?: string;
  event: string;
  data: string;
  /** The supervisor is going away: the stream ends after this one. */
  last?: boolean;
}

const toMessage = ({ id, event }: LoggedEvent): Message => ({
  id: String(id),
  event: event.type,
  data: JSON.stringify({ id, ...event } satisfies EventBody),
  last: event.type === 'supervisor' && event.phase === 'stopping',
});

// An output line has no id: it is not kept, so there is nothing to resume from.
const toOutputMessage = ({ plugin, line }: OutputEntry): Message => ({
  event: 'output',
  data: JSON.stringify({
    plugin,
    at: new Date(line.at).toISOString(),
    stream: line.stream,
    line: line.line,
    truncated: line.truncated,
  } satisfies OutputEventBody),
});

/**
 * GET /events: every supervisor event as Server-Sent Events, typed by the
 * `event:` field, numbered by `id:`. `Last-Event-ID` (which an EventSource
 * sends when it reconnects) replays what was missed from a bounded window,
 * or says with a `gap` event that some is gone. A client that falls
 * `maxQueue` events behind gets an `overflow` event and is dropped: the
 * supervisor never waits for a reader.
 *
 * @example
 * app.route('/events', createEventRoutes({ backend: supervisor }));
 * // curl -N 'localhost:8080/events?plugin=greeter&types=transition'
 */
export const createEventRoutes = (options: EventRouteOptions): Hono => {
  const { backend, heartbeatMs = 15_000, maxQueue = 1_000, overflowGraceMs = 5_000 } = options;
  const streams = options.streams ?? createEventStreams(options);
  const routes = new Hono();

  routes.get('/', (c) => {
    const filter = readEventFilter({ plugin: c.req.query('plugin'), types: c.req.query('types'), checks: c.req.query('checks') });
    if (!filter.ok) return answerError(c, 400, 'invalid_event_filter', filter.message);
    const lastEventId = readLastEventId(c);
    if (Number.isNaN(lastEventId)) return answerError(c, 400, 'invalid_event_id', 'Last-Event-ID must be the decimal id of an event');
    // On node, the response under the stream: a client that stopped reading is cut off there.
    const outgoing = (c.env as { outgoing?: { destroy(): void; writableFinished: boolean; socket: WatchedSocket | null } } | undefined)
      ?.outgoing;
    let abort: () => void = () => {};
    const cutOff = () => {
      abort();
      // A client that took the whole answer keeps its connection; one that did not loses it.
      if (outgoing !== undefined && !outgoing.writableFinished) outgoing.destroy();
    };
    const place = streams.admit(clientKeyOf(clientAddressOf(c)), outgoing?.socket ?? undefined, cutOff);
    if (!place.ok) {
      return answerError(c, place.status, 'too_many_streams', place.message, { 'Retry-After': String(place.retryAfterSeconds) });
    }
    return streamSSE(c, async (stream) => {
      abort = () => stream.abort();
      try {
        // An id of an earlier run resumes from the journal, which hale reads as it starts: wait for it, a little.
        await awaitResumable(backend.eventLog, lastEventId, 2_000);
        await serveStream(stream, {
          backend,
          filter: filter.filter,
          lastEventId,
          heartbeatMs,
          maxQueue,
          overflowGraceMs,
          cutOff,
          onOverflow: place.markEnding,
        });
      } finally {
        place.release();
      }
    });
  });

  routes.all('/', rejectMethod('GET'));
  return routes;
};

interface StreamJob {
  backend: ApiBackend;
  filter: EventFilter;
  lastEventId: number | null;
  heartbeatMs: number;
  maxQueue: number;
  overflowGraceMs: number;
  /** Ends the connection at once, unsent data and all. */
  cutOff: () => void;
  /** The client fell too far behind; it has overflowGraceMs to take the notice. */
  onOverflow: () => void;
}

const serveStream = async (stream: SSEStreamingApi, job: StreamJob): Promise<void> => {
  const { eventLog } = job.backend;
  const queue: Message[] = [];
  let overflowed = false;
  let ending = false;
  let wake: (() => void) | null = null;
  let cutTimer: NodeJS.Timeout | undefined;
  const rouse = () => {
    wake?.();
    wake = null;
  };
  // Replay and live events are taken in one synchronous step: none is lost or sent twice in between.
  const replay = job.lastEventId === null ? null : eventLog.after(job.lastEventId);
  const enqueue = (message: Message): void => {
    if (queue.length < job.maxQueue) queue.push(message);
    else if (!overflowed) {
      overflowed = true;
      job.onOverflow();
      // A client that reads nothing never takes the overflow message either.
      cutTimer = setTimeout(job.cutOff, job.overflowGraceMs);
    }
    rouse();
  };
  const unsubscribe = eventLog.subscribe((entry) => {
    if (job.filter.accepts(entry.event)) enqueue(toMessage(entry));
  });
  const unsubscribeOutput = job.backend.output?.subscribe((entry) => {
    if (job.filter.acceptsOutput(entry.plugin)) enqueue(toOutputMessage(entry));
  });
  stream.onAbort(() => {
    ending = true;
    rouse();
  });
  const heartbeat = setInterval(() => void stream.write(`: heartbeat ${new Date().toISOString()}\n\n`), job.heartbeatMs);
  try {
    await stream.writeSSE({
      event: 'hello',
      data: JSON.stringify({ lastId: eventLog.lastId, firstId: eventLog.firstId, filter: job.filter.describe() }),
      retry: retryMs,
    });
    if (replay !== null) {
      const gap = describeGap(replay, job.filter);
      if (gap !== null) await stream.writeSSE({ event: 'gap', data: JSON.stringify({ lastEventId: job.lastEventId, message: gap }) });
      for (const entry of replay.entries) {
        if (!job.filter.accepts(entry.event)) continue;
        const { id, event, data } = toMessage(entry);
        await stream.writeSSE({ id: id ?? '', event, data });
      }
    }
    while (!ending && !stream.aborted) {
      if (overflowed) {
        await stream.writeSSE({
          event: 'overflow',
          data: JSON.stringify({
            message: `this client fell ${job.maxQueue} events behind and is dropped; reconnect with Last-Event-ID to catch up`,
          }),
        });
        return;
      }
      const message = queue.shift();
      if (message === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      await stream.writeSSE({ event: message.event, data: message.data, ...(message.id === undefined ? {} : { id: message.id }) });
      // The supervisor is going away: the stream ends so the client reconnects to whatever comes next.
      if (message.last === true) return;
    }
  } finally {
    clearInterval(heartbeat);
    // An overflowed client's timer stays: the stream's end is still queued behind what it does not read.
    if (!overflowed) clearTimeout(cutTimer);
    unsubscribe();
    unsubscribeOutput?.();
  }
};
