import { Counter, Gauge, type Registry } from 'prom-client';
import type { LinkStats } from '../nats/types.js';

/** What the NATS metrics read, each when scraped. */
export interface NatsMetricsSource {
  connected(): boolean;
  stats(): LinkStats;
  /** Null without federation. */
  federation?: () => { hubs: number; stale: number; badMessages: number };
}

/**
 * hale's NATS link in /metrics: connected, messages published, held and
 * dropped while the server was away, reconnects; with federation, the hubs
 * heard from and the summaries that could not be read.
 *
 * @example
 * registerNatsMetrics(metrics.registry, { connected: () => link.state().state === 'connected', stats: link.stats });
 */
export const registerNatsMetrics = (registry: Registry, source: NatsMetricsSource): void => {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  // Counters read from the link's own counts: prom-client's counters only go up by inc(), so reset and set.
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  gauge('hale_nats_connected', '1 while the NATS link is connected', () => (source.connected() ? 1 : 0));
  gauge('hale_nats_pending_messages', 'messages held while NATS is away, sent when it is back', () => source.stats().pending);
  counter('hale_nats_published_total', 'messages handed to the NATS server', () => source.stats().published);
  counter('hale_nats_dropped_total', 'messages dropped because the hold buffer (nats.maxPending) was full', () => source.stats().dropped);
  counter('hale_nats_reconnects_total', 'times the NATS link came back after it was lost', () => source.stats().reconnects);
  const federation = source.federation;
  if (federation === undefined) return;
  gauge('hale_federation_hubs', 'hubs whose summary this hale has heard', () => federation().hubs);
  gauge('hale_federation_stale_hubs', 'hubs silent for longer than federation.staleAfter', () => federation().stale);
  counter('hale_federation_bad_messages_total', 'summaries heard that could not be read, and were ignored', () => federation().badMessages);
};
