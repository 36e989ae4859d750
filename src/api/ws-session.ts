// One reader of GET /ws/health once its WebSocket is open: the events it asked for, one JSON message each.
import type { WebSocket } from 'ws';
import type { LoggedEvent } from '../supervisor/event-log.js';
import type { OutputEntry } from '../model/events.js';
import type { ApiBackend } from './backend.js';
import type { EventBody, OutputEventBody } from './bodies.js';
import type { EventFilter } from './event-filter.js';
import { awaitResumable, describeGap } from './event-replay.js';

/** Close codes the stream ends with, beside ws's own (1009 for a client's message past the bound). */
export const wsCloseCodes = {
  /** hale is stopping: reconnect to whatever comes next, with the last id. */
  goingAway: 1001,
  /** The client left more than maxBufferedBytes unread: reconnect with the last id to catch up. */
  tooSlow: 1013,
} as const;

export interface WsSessionJob {
  backend: ApiBackend;
  filter: EventFilter;
  lastEventId: number | null;
  /** Unread bytes past which the client is closed with 1013. */
  maxBufferedBytes: number;
  /** A ping this often; a client that has not answered the last one by the next is cut. */
  heartbeatMs: number;
  /** How long a client closed for being slow has to take the close before its connection is cut. */
  graceMs: number;
  /** An earlier run's id waits this long at most for the journal to be read. */
  restoreWaitMs: number;
  /** The stream ends on its own terms (too slow): no longer cut for a stall. */
  onEnding: () => void;
}

// An output line has no id: it is not kept, so there is nothing to resume from.
const toOutputBody = ({ plugin, line }: OutputEntry): OutputEventBody & { type: 'output' } => ({
  type: 'output',
  plugin,
  at: new Date(line.at).toISOString(),
  stream: line.stream,
  line: line.line,
  truncated: line.truncated,
});

/** Unsent bytes in ws and the socket past which the next message waits for what went before to be written. */
const lowWaterBytes = 64 * 1024;

/**
 * Sends `socket` a `hello` ({type, lastId, firstId, filter}), then, with a
 * last id, a `gap` when some is missed and every held event after it, then
 * each event as it happens: `{id, type, …}`, as GET /events' data. Messages
 * go out as fast as the client takes them: past 64 KiB unsent, the next
 * waits for the socket to take the ones before. The replay is held as
 * objects until sent, and never counts as unread; live events that pile up behind a client past
 * `maxBufferedBytes` get it closed with 1013, and cut `graceMs` later. A
 * client that answers no ping is cut. Returns the function that ends it
 * (timers, subscriptions), called on close.
 *
 * @example
 * const stop = startWsSession(socket, { backend, filter, lastEventId: null, maxBufferedBytes: 1 << 20, heartbeatMs: 15_000, graceMs: 5_000, restoreWaitMs: 2_000, onEnding });
 * socket.on('close', stop);
 */
export const startWsSession = (socket: WebSocket, job: WsSessionJob): (() => void) => {
  const { eventLog } = job.backend;
  let ended = false;
  let unsubscribe: () => void = () => {};
  let unsubscribeOutput: (() => void) | undefined;
  let cutTimer: NodeJS.Timeout | undefined;
  let answered = true;
  // What is still to send: the replay (made text only as it goes out), then live events (made text as they come).
  const replay: object[] = [];
  const live: string[] = [];
  let liveBytes = 0;
  let waiting = false;

  const stop = (): void => {
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    unsubscribeOutput?.();
    replay.length = 0;
    live.length = 0;
  };
  const tooSlow = (): void => {
    stop();
    job.onEnding();
    socket.close(wsCloseCodes.tooSlow, `too slow: over ${job.maxBufferedBytes} bytes unread; reconnect with lastEventId`);
    // A client that reads nothing never takes the close either.
    cutTimer = setTimeout(() => socket.terminate(), job.graceMs);
    cutTimer.unref();
  };
  const next = (): string | undefined => {
    const held = replay.shift();
    if (held !== undefined) return JSON.stringify(held);
    const text = live.shift();
    if (text !== undefined) liveBytes -= text.length;
    return text;
  };
  const pump = (): void => {
    while (!ended && !waiting && socket.readyState === socket.OPEN) {
      const text = next();
      if (text === undefined) return;
      if (socket.bufferedAmount <= lowWaterBytes) {
        socket.send(text);
        continue;
      }
      // Sent once what is before it is written: a client that reads slowly is sent to as slowly.
      waiting = true;
      socket.send(text, (error) => {
        waiting = false;
        if (error === undefined || error === null) pump();
      });
    }
  };
  const sendLive = (body: object): void => {
    if (ended) return;
    const text = JSON.stringify(body);
    live.push(text);
    liveBytes += text.length;
    // One message alone is never too much: a large event goes to a reader that keeps up.
    if (live.length > 1 && liveBytes + socket.bufferedAmount > job.maxBufferedBytes) tooSlow();
    else pump();
  };
  const toBody = ({ id, event }: LoggedEvent): EventBody => ({ id, ...event });

  const heartbeat = setInterval(() => {
    // No answer to the last ping in a whole interval: the peer is gone without a close.
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, job.heartbeatMs);
  socket.on('pong', () => {
    answered = true;
  });

  const begin = (): void => {
    if (ended) return;
    // Replay and live events are taken in one synchronous step: none is lost or sent twice in between.
    const held = job.lastEventId === null ? null : eventLog.after(job.lastEventId);
    unsubscribe = eventLog.subscribe((entry) => {
      if (job.filter.accepts(entry.event)) sendLive(toBody(entry));
    });
    unsubscribeOutput = job.backend.output?.subscribe((entry) => {
      if (job.filter.acceptsOutput(entry.plugin)) sendLive(toOutputBody(entry));
    });
    replay.push({ type: 'hello', lastId: eventLog.lastId, firstId: eventLog.firstId, filter: job.filter.describe() });
    if (held !== null) {
      const gap = describeGap(held, job.filter);
      if (gap !== null) replay.push({ type: 'gap', lastEventId: job.lastEventId, message: gap });
      for (const entry of held.entries) if (job.filter.accepts(entry.event)) replay.push(toBody(entry));
    }
    pump();
  };

  // An id of an earlier run resumes from the journal, which hale reads as it starts: wait for it, a little.
  if (job.lastEventId !== null && job.lastEventId < eventLog.firstId - 1) {
    void awaitResumable(eventLog, job.lastEventId, job.restoreWaitMs).then(begin);
  } else begin();

  return () => {
    stop();
    clearTimeout(cutTimer);
  };
};
