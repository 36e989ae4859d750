// Federation: every hub's last summary, heard on `{prefix}.*.health.summary`, read by GET /federation/*.
import type { z } from 'zod';
import { buildFederationSubject, parseSummaryHub } from '../model/nats-subjects.js';
import { heardSummarySchema, type HeardService, type HeardSummary } from './summary-schema.js';
import type { HeardMessage, NatsSubscriber } from './types.js';

export type { HeardService, HeardSummary };

/** A hub as GET /federation/hubs shows it. */
export interface HubEntry {
  hub_id: string;
  overall_status: HeardSummary['overall_status'];
  /** Silent for longer than `staleAfterMs`. */
  stale: boolean;
  /** Since its last summary reached this hale, by this hale's clock. */
  age_seconds: number;
  received_at: string;
  /** Its plugins and its checks. */
  service_count: number;
  summary: HeardSummary;
}

/** A service as GET /federation/services shows it: the hub's, with the hub's name and staleness. */
export type FederatedService = HeardService & { hub_id: string; stale: boolean };

export interface FederationStats {
  hubs: number;
  stale: number;
  /** Summaries heard that could not be read and were ignored, since the start. */
  badMessages: number;
}

/** What this hale knows of every hub, its own included, and how to stop hearing them. */
export interface FederationView {
  /** This hale's own hub id. */
  readonly hubId: string;
  readonly staleAfterMs: number;
  /** Every hub heard from, sorted by hub_id. */
  hubs(): HubEntry[];
  /** Every service of every hub, hub by hub (sorted by hub_id), each hub's in the order it sent them. */
  services(): FederatedService[];
  stats(): FederationStats;
  /** Stops hearing; what was heard stays readable. */
  stop(): void;
}

export interface FederationOptions {
  subscriber: NatsSubscriber;
  prefix: string;
  /** This hale's own hub id (its summaries are heard too, like any other hub's). */
  hubId: string;
  staleAfterMs: number;
  now?: () => number;
  /** Hubs kept at most; beyond it the one heard from longest ago is forgotten. 1000 by default. */
  maxHubs?: number;
  /** Told of every message that was ignored, and why; what it throws is ignored too. */
  onBadMessage?: (subject: string, why: string) => void;
}

interface HeardHub {
  summary: HeardSummary;
  receivedAt: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? 'the body' : issue.path.join('.')}: ${issue.message}`)
    .join('; ');

/** The largest summary kept: about 1,500 services. */
export const maxSummaryBytes = 256 * 1024;

type Reading = { ok: true; hubId: string; summary: HeardSummary } | { ok: false; why: string };

/**
 * Reads one message heard on the federation subject: UTF-8 JSON in the
 * summary's shape, from the hub its subject names.
 *
 * @example
 * readSummaryMessage('hale', { subject: 'hale.web-1.health.summary', data }); // { ok: true, hubId: 'web-1', summary }
 */
export const readSummaryMessage = (prefix: string, message: HeardMessage): Reading => {
  const subjectHub = parseSummaryHub(prefix, message.subject);
  if (subjectHub === null) return { ok: false, why: `${message.subject} is not a summary subject under ${prefix}` };
  // 1,000 hubs are kept: each summary's size bounds what they cost.
  if (message.data.byteLength > maxSummaryBytes)
    return { ok: false, why: `the body is ${message.data.byteLength} bytes, more than ${maxSummaryBytes}` };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(message.data));
  } catch {
    return { ok: false, why: 'the body is not JSON' };
  }
  const parsed = heardSummarySchema.safeParse(body);
  if (!parsed.success) return { ok: false, why: `not a summary (${describeIssues(parsed.error)})` };
  if (parsed.data.hub_id !== subjectHub) {
    return { ok: false, why: `hub_id ${JSON.stringify(parsed.data.hub_id)} is not the subject's hub ${JSON.stringify(subjectHub)}` };
  }
  return { ok: true, hubId: subjectHub, summary: parsed.data };
};

const servicesOf = (summary: HeardSummary): HeardService[] => [...summary.services, ...(summary.checks ?? [])];

/**
 * Hears every hub's summary and keeps the last one of each, with when it
 * came. A message that cannot be read is counted and reported, never kept
 * and never thrown.
 *
 * @example
 * const federation = startFederation({ subscriber: link, prefix: 'hale', hubId: 'web-1', staleAfterMs: 30_000 });
 * federation.hubs(); // [{ hub_id: 'web-1', overall_status: 'healthy', stale: false, age_seconds: 2.1, … }]
 * federation.stop();
 */
export const startFederation = (options: FederationOptions): FederationView => {
  const { prefix, staleAfterMs } = options;
  const now = options.now ?? Date.now;
  const maxHubs = Math.max(1, options.maxHubs ?? 1_000);
  // In the order last heard from: the first is the one heard from longest ago.
  const heard = new Map<string, HeardHub>();
  let badMessages = 0;
  let stopped = false;

  const reject = (subject: string, why: string) => {
    badMessages += 1;
    try {
      options.onBadMessage?.(subject, why);
    } catch {
      // A reporter that fails must not stop the hearing.
    }
  };

  const onMessage = (message: HeardMessage) => {
    if (stopped) return;
    const reading = readSummaryMessage(prefix, message);
    if (!reading.ok) return reject(message.subject, reading.why);
    heard.delete(reading.hubId);
    heard.set(reading.hubId, { summary: reading.summary, receivedAt: now() });
    for (const oldest of heard.keys()) {
      if (heard.size <= maxHubs) break;
      heard.delete(oldest);
    }
  };
  const unsubscribe = options.subscriber.subscribe(buildFederationSubject(prefix), onMessage);

  const isStale = (hub: HeardHub, at: number) => at - hub.receivedAt > staleAfterMs;
  const sortedHubs = () => [...heard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  return {
    hubId: options.hubId,
    staleAfterMs,
    hubs: () => {
      const at = now();
      return sortedHubs().map(([hubId, hub]) => ({
        hub_id: hubId,
        overall_status: hub.summary.overall_status,
        stale: isStale(hub, at),
        age_seconds: Math.max(0, at - hub.receivedAt) / 1_000,
        received_at: new Date(hub.receivedAt).toISOString(),
        service_count: servicesOf(hub.summary).length,
        summary: hub.summary,
      }));
    },
    services: () => {
      const at = now();
      return sortedHubs().flatMap(([hubId, hub]) => {
        const stale = isStale(hub, at);
        // hub_id and stale first in the JSON, and never overwritten by a field a hub sent under those names.
        return servicesOf(hub.summary).map((service): FederatedService =>
          Object.assign({ hub_id: hubId, stale }, service, { hub_id: hubId, stale }),
        );
      });
    },
    stats: () => {
      const at = now();
      let stale = 0;
      for (const hub of heard.values()) if (isStale(hub, at)) stale += 1;
      return { hubs: heard.size, stale, badMessages };
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
    },
  };
};
