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

/** Every field of a snapshot version: a record, so that a field added to SnapshotVersion must be named here. */
const versionFields = {
  lastEventId: true,
  phase: true,
  initialized: true,
  lagEpoch: true,
  droppedLogLines: true,
  linkReports: true,
} satisfies Record<keyof SnapshotVersion, true>;
const fields = Object.keys(versionFields) as Array<keyof SnapshotVersion>;

/**
 * Whether a cached answer, made at `cachedMs` for `cached`, is the one
 * `version` at `ms` would give: the same snapshot version and millisecond.
 * Compared field by field, not as a built string: it runs on every request.
 *
 * @example
 * isSameVersion(version, 1_700_000_000_000, { ...version }, 1_700_000_000_000); // true
 */
export const isSameVersion = (cached: SnapshotVersion, cachedMs: number, version: SnapshotVersion, ms: number): boolean => {
  if (cachedMs !== ms) return false;
  for (const field of fields) if (cached[field] !== version[field]) return false;
  return true;
};

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
  const cached = new Map<HealthRoute, { version: SnapshotVersion; ms: number; answer: EncodedAnswer }>();
  return (route) => {
    const version = backend.snapshotVersion?.();
    const hit = cached.get(route);
    if (version !== undefined && hit !== undefined && isSameVersion(hit.version, hit.ms, version, now())) return hit.answer;
    const snapshot = backend.snapshot();
    const { status, body } = healthAnswers[route](snapshot);
    const json = JSON.stringify(body);
    const answer = { status, json, bytes: Buffer.from(json) };
    // Keyed by the snapshot's own millisecond, so a hit is always the answer that millisecond gives.
    if (version !== undefined) cached.set(route, { version, ms: snapshot.now, answer });
    return answer;
  };
};
