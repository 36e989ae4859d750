// The one place that talks to the NATS client library; the rest of hale talks to NatsLink.
import { readFileSync, statSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, nanos, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { NatsConfig } from '../config/types.js';
import { createEventBus } from '../util/event-bus.js';
import { settleWithin } from '../util/settle.js';
import type { HeardMessage, LinkStats, LinkStatusChange, NatsLink, PublishOutcome, StreamResult, StreamSpec } from './types.js';

export interface LinkOptions {
  /** Shown on the server's monitoring pages. */
  name: string;
  /** Between attempts of the first connect; the client's own reconnects use it too. */
  retryMs?: number;
  now?: () => number;
}

const encoder = new TextEncoder();

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The credentials file's bytes; a FIFO or device would block the whole event loop in readFileSync, so it is refused. */
const readCredentials = (file: string): Uint8Array => {
  if (!statSync(file).isFile())
    throw new Error(`the NATS credentials file ${file} is not a regular file (a FIFO, a socket, a device or a directory)`);
  return readFileSync(file);
};

/**
 * Connects to NATS in the background and keeps at it: a server that is not
 * there yet, or goes away, never makes a caller wait. While it is away,
 * messages are held (at most `maxPending`, the oldest dropped and counted)
 * and sent in order once it is back.
 *
 * @example
 * const link = openNatsLink(config.nats, { name: 'hale web-1' });
 * link.publish('hale.web-1.health.summary', summary); // 'sent', 'queued' or 'dropped'
 * await link.close();
 */
export const openNatsLink = (config: NatsConfig, options: LinkOptions): NatsLink => {
  const retryMs = options.retryMs ?? 1_000;
  const now = options.now ?? Date.now;
  const servers = config.servers.join(', ');
  const held: Array<{ subject: string; data: Uint8Array }> = [];
  const stats: Omit<LinkStats, 'pending'> = { published: 0, dropped: 0, reconnects: 0 };
  // A listener's failure is its own; the link goes on.
  const listeners = createEventBus<LinkStatusChange>();
  const wanted = new Map<number, { subject: string; onMessage: (message: HeardMessage) => void; live: Subscription | null }>();
  let nextSubscription = 0;
  let connection: NatsConnection | null = null;
  let closing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let current: LinkStatusChange = { state: 'connecting', reason: `connecting to ${servers}`, at: now() };
  const connected = new Set<() => void>();

  const change = (state: LinkStatusChange['state'], reason: string) => {
    if (current.state === state && current.reason === reason) return;
    current = { state, reason, at: now() };
    listeners.publish(current);
  };

  const sendHeld = (nc: NatsConnection) => {
    while (held.length > 0) {
      const message = held.shift();
      if (message === undefined) break;
      nc.publish(message.subject, message.data);
      stats.published += 1;
    }
  };

  const listen = (
    nc: NatsConnection,
    entry: { subject: string; onMessage: (message: HeardMessage) => void; live: Subscription | null },
  ) => {
    entry.live = nc.subscribe(entry.subject, {
      callback: (error, message) => {
        if (error === null) entry.onMessage({ subject: message.subject, data: message.data });
      },
    });
  };

  const follow = async (nc: NatsConnection) => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') change('reconnecting', `lost ${status.server}; reconnecting`);
      // "lost …" already says it is reconnecting: each further attempt is no news.
      else if (status.type === 'reconnecting' && current.state !== 'reconnecting') change('reconnecting', `reconnecting to ${servers}`);
      else if (status.type === 'reconnect') {
        stats.reconnects += 1;
        // Sent before the state says connected, so whoever reads the counts then sees nothing held.
        sendHeld(nc);
        change('connected', `connected to ${status.server}`);
      } else if (status.type === 'error') change(current.state, `${current.reason} (${describeError(status.error)})`);
    }
  };

  const attempt = async () => {
    if (closing) return;
    try {
      const nc = await connect({
        servers: config.servers,
        name: options.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: retryMs,
        // A dead server is noticed in seconds even when no socket error says so.
        pingInterval: 5_000,
        maxPingOut: 2,
        ...(config.auth.kind === 'token' ? { token: config.auth.token } : {}),
        ...(config.auth.kind === 'credentials' ? { authenticator: credsAuthenticator(readCredentials(config.auth.file)) } : {}),
      });
      if (closing) {
        await nc.close();
        return;
      }
      connection = nc;
      for (const entry of wanted.values()) listen(nc, entry);
      sendHeld(nc);
      change('connected', `connected to ${nc.getServer()}`);
      for (const resolve of [...connected]) resolve();
      void follow(nc);
      void nc.closed().then((error) => {
        if (!closing)
          change(
            'reconnecting',
            `the connection closed${error === undefined || error === null ? '' : `: ${describeError(error)}`}; connecting again`,
          );
        connection = null;
        if (!closing) retryTimer = setTimeout(() => void attempt(), retryMs);
      });
    } catch (error) {
      change(
        current.state === 'connecting' ? 'connecting' : 'reconnecting',
        `cannot reach ${servers}: ${describeError(error)}; retrying every ${retryMs} ms`,
      );
      retryTimer = setTimeout(() => void attempt(), retryMs);
    }
  };

  const whenConnected = (timeoutMs: number): Promise<NatsConnection | null> => {
    if (connection !== null && current.state === 'connected') return Promise.resolve(connection);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        connected.delete(done);
        resolve(connection);
      };
      const timer = setTimeout(() => {
        connected.delete(done);
        resolve(null);
      }, timeoutMs);
      connected.add(done);
    });
  };

  void attempt();

  return {
    publish(subject: string, body: unknown): PublishOutcome {
      if (closing) return 'dropped';
      const data = encoder.encode(JSON.stringify(body));
      if (connection !== null && current.state === 'connected') {
        try {
          connection.publish(subject, data);
          stats.published += 1;
          return 'sent';
        } catch {
          // Closing or draining under us: hold it like any other time away.
        }
      }
      held.push({ subject, data });
      if (held.length <= config.maxPending) return 'queued';
      held.shift();
      stats.dropped += 1;
      return 'dropped';
    },
    subscribe(subject, onMessage) {
      const id = nextSubscription++;
      const entry = { subject, onMessage, live: null as Subscription | null };
      wanted.set(id, entry);
      if (connection !== null) listen(connection, entry);
      return () => {
        entry.live?.unsubscribe();
        wanted.delete(id);
      };
    },
    state: () => current,
    stats: () => ({ ...stats, pending: held.length }),
    onState: listeners.subscribe,
    async ensureStream(spec: StreamSpec): Promise<StreamResult> {
      const nc = await whenConnected(30_000);
      if (nc === null) return { ok: false, message: `not connected to ${servers} within 30 s` };
      try {
        const jsm = await jetstreamManager(nc, { timeout: 5_000 });
        const limits = { subjects: spec.subjects, max_age: nanos(spec.maxAgeMs), max_msgs: spec.maxMessages };
        try {
          await jsm.streams.info(spec.name);
          await jsm.streams.update(spec.name, limits);
          return { ok: true, created: false };
        } catch (error) {
          if (!/not found/i.test(describeError(error))) throw error;
          await jsm.streams.add({ name: spec.name, ...limits });
          return { ok: true, created: true };
        }
      } catch (error) {
        return { ok: false, message: `JetStream stream "${spec.name}": ${describeError(error)}` };
      }
    },
    async flush(timeoutMs: number): Promise<boolean> {
      const nc = connection;
      if (nc === null || current.state !== 'connected') return held.length === 0;
      sendHeld(nc);
      // The timer does not keep hale alive: a flush on the way out must not hold the exit.
      return settleWithin(
        nc.flush().then(
          () => true,
          () => false,
        ),
        timeoutMs,
        false,
        { ref: false },
      );
    },
    async close(): Promise<void> {
      closing = true;
      clearTimeout(retryTimer);
      const nc = connection;
      connection = null;
      change('closed', 'closed by hale');
      if (nc !== null) await nc.close().catch(() => {});
    },
  };
};
