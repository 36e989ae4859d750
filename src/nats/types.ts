// The words the rest of hale uses for NATS; only nats-link.ts knows the client library.

/** Where the connection stands: before the first connect, up, lost and trying again, or ended by us. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** What became of one message: sent to the server, held until it is back, or dropped (the buffer was full). */
export type PublishOutcome = 'sent' | 'queued' | 'dropped';

/** One message heard on a subscription; a body that is not JSON is the reader's to reject. */
export interface HeardMessage {
  subject: string;
  data: Uint8Array;
}

export interface LinkStats {
  published: number;
  /** Held while disconnected, waiting. */
  pending: number;
  /** Dropped because `maxPending` were held already (the oldest go first). */
  dropped: number;
  reconnects: number;
}

/** Publishing only: what the health publisher needs. Never blocks, never throws. */
export interface NatsPublisher {
  publish(subject: string, body: unknown): PublishOutcome;
}

/** Subscribing only: what federation needs. A subscription made before the first connect starts once connected. */
export interface NatsSubscriber {
  subscribe(subject: string, onMessage: (message: HeardMessage) => void): () => void;
}

/** A JetStream stream that keeps what hale publishes on `subjects`. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  maxMessages: number;
}

export type StreamResult = { ok: true; created: boolean } | { ok: false; message: string };

export interface LinkStatusChange {
  state: LinkState;
  /** In words: `connected to nats://127.0.0.1:4222`, `lost nats://…: connection refused; retrying`. */
  reason: string;
  at: number;
}

/** hale's one connection to NATS. */
export interface NatsLink extends NatsPublisher, NatsSubscriber {
  state(): LinkStatusChange;
  stats(): LinkStats;
  /** Called on every change of state; returns the function that unsubscribes. */
  onState(listener: (change: LinkStatusChange) => void): () => void;
  /** Creates the stream, or brings an existing one's subjects and limits up to the spec, once connected. */
  ensureStream(spec: StreamSpec): Promise<StreamResult>;
  /** Sends what is held and waits for the server to have it, at most `timeoutMs`; false when it could not. */
  flush(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
