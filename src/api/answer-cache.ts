import type { ApiBackend } from './backend.js';
import type { SnapshotVersion } from '../model/status.js';
import { healthAnswers, type HealthRoute } from './health-answers.js';

/** An answer ready to send: the status and the encoded JSON. */
export interface EncodedAnswer {
  status: 200 | 503;
  json: string;
  bytes: Buffer;
}

export type AnswerCache = (route: HealthRoute) => EncodedAnswer;

/**
 * The key of a cached answer: the backend's snapshot version and the
 * millisecond the answer's timestamps are taken at.
 *
 * @example
 * cacheKeyOf({ lastEventId: 7, phase: 'running', initialized: true, lagEpoch: 3, droppedLogLines: 0, linkReports: 1 }, 1_700_000_000_000);
 * // '7.running.1.3.0.1@1700000000000'
 */
export const cacheKeyOf = (version: SnapshotVersion, ms: number): string =>
  `${version.lastEventId}.${version.phase}.${version.initialized ? 1 : 0}.${version.lagEpoch}.${version.droppedLogLines}.${version.linkReports}@${ms}`;

/**
 * The health answers, encoded once per state of the supervisor and per
 * millisecond. Probes and dashboards ask far more often than anything
 * changes: a cached answer is the same bytes a fresh one would be, since
 * its key holds the backend's snapshot version (it moves with every event)
 * and the millisecond its timestamps are taken at. A backend without
 * `snapshotVersion` gets a fresh answer every time.
 *
 * @example
 * const answer = createAnswerCache(supervisor)('health');
 * response.writeHead(answer.status).end(answer.bytes);
 */
export const createAnswerCache = (backend: ApiBackend, now: () => number = Date.now): AnswerCache => {
  const cached = new Map<HealthRoute, { key: string; answer: EncodedAnswer }>();
  return (route) => {
    const version = backend.snapshotVersion?.();
    const hit = cached.get(route);
    if (version !== undefined && hit?.key === cacheKeyOf(version, now())) return hit.answer;
    const snapshot = backend.snapshot();
    const { status, body } = healthAnswers[route](snapshot);
    const json = JSON.stringify(body);
    const answer = { status, json, bytes: Buffer.from(json) };
    // Keyed by the snapshot's own millisecond, so a hit is always the answer that millisecond gives.
    if (version !== undefined) cached.set(route, { key: cacheKeyOf(version, snapshot.now), answer });
    return answer;
  };
};
