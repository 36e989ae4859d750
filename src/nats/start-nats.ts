import type { NatsConfig, SupervisorConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { LinkStatus } from '../model/status.js';
import { startFederation, type FederationView } from './federation.js';
import { startHealthPublisher } from './health-publisher.js';
import { openNatsLink } from './nats-link.js';
import { hubSubjects } from '../model/nats-subjects.js';
import type { LinkStatusChange, NatsLink } from './types.js';

/** hale's NATS side, running: the link, the publisher, and federation when enabled. */
export interface NatsRuntime {
  link: NatsLink;
  federation: FederationView | null;
  /** After the supervisor stopped: sends what is held (at most `flushMs`) and closes. */
  stop(flushMs?: number): Promise<void>;
}

// How often the link's counts are looked at for /health when its state does not change.
const statsEveryMs = 1_000;

const toLinkStatus = (nats: NatsConfig, change: LinkStatusChange, link: NatsLink): LinkStatus => {
  const { published, pending, dropped, reconnects } = link.stats();
  return {
    name: 'nats',
    kind: 'nats',
    // Never critical: supervision goes on without NATS, and what it would have said is held or counted.
    state: change.state === 'connected' ? 'healthy' : 'degraded',
    critical: false,
    target: nats.servers.join(', '),
    reason: change.reason,
    since: change.at,
    stats: { published, pending, dropped, reconnects },
  };
};

/**
 * Starts publishing health to NATS (and hearing other hubs, with
 * federation) when the config has a nats: section; null when it has none.
 * Nothing here waits for NATS: a server that is not there yet is tried
 * again in the background.
 *
 * @example
 * const nats = startNats(config, supervisor, log);
 * // … later, after supervisor.stop():
 * await nats?.stop();
 */
export const startNats = (config: SupervisorConfig, supervisor: Supervisor, log: Logger): NatsRuntime | null => {
  const nats = config.nats;
  if (nats === null) return null;
  const link = openNatsLink(nats, { name: `hale ${nats.hubId}` });
  // Reported only when it changed: every report refills the cached /health answer.
  let reported = '';
  const report = () => {
    const status = toLinkStatus(nats, link.state(), link);
    const key = JSON.stringify([status.state, status.reason, status.since, status.stats]);
    if (key === reported) return;
    reported = key;
    supervisor.reportLink(status);
  };
  report();
  const offState = link.onState((change) => {
    report();
    if (change.state === 'connected') log.info({ nats: change.reason }, `nats: ${change.reason}`);
    else if (change.state !== 'closed')
      log.warn({ nats: change.reason, pending: link.stats().pending }, `nats: ${change.reason}; supervision goes on, messages are held`);
  });
  const statsTimer = setInterval(report, statsEveryMs);
  statsTimer.unref();

  const subjects = hubSubjects(nats.subjectPrefix, nats.hubId);
  const publisher = startHealthPublisher({
    source: supervisor,
    publisher: link,
    hubId: nats.hubId,
    prefix: nats.subjectPrefix,
    summaryIntervalMs: nats.summaryIntervalMs,
  });
  if (nats.jetstream !== null) {
    const { stream, maxAgeMs, maxMessages } = nats.jetstream;
    void link.ensureStream({ name: stream, subjects: [subjects.healthWildcard], maxAgeMs, maxMessages }).then((result) => {
      if (result.ok)
        log.info(
          { stream, subjects: [subjects.healthWildcard] },
          `nats: JetStream stream ${stream} ${result.created ? 'created' : 'ready'}; summaries and transitions are kept there`,
        );
      else log.error({ stream }, `nats: ${result.message}; publishing goes on without JetStream`);
    });
  }

  // One line per minute at most about summaries that could not be read: a noisy hub must not flood hale's log.
  let lastBadLog = 0;
  const federation = config.federation.enabled
    ? startFederation({
        subscriber: link,
        prefix: nats.subjectPrefix,
        hubId: nats.hubId,
        staleAfterMs: config.federation.staleAfterMs,
        onBadMessage: (subject, why) => {
          if (Date.now() - lastBadLog < 60_000) return;
          lastBadLog = Date.now();
          log.warn({ subject }, `nats: ignored a summary on ${subject}: ${why}`);
        },
      })
    : null;

  return {
    link,
    federation,
    async stop(flushMs = 2_000) {
      // The plugins are stopped by now: the last summary says so, shutting_down and all.
      publisher.publishSummary();
      publisher.stop();
      federation?.stop();
      clearInterval(statsTimer);
      const flushed = await link.flush(flushMs);
      if (!flushed) log.warn({ pending: link.stats().pending }, 'nats: stopping with messages not sent');
      offState();
      await link.close();
    },
  };
};
