import type { ApiBackend } from './backend.js';
import { probeAnswers, type ProbeRoute } from './health-answers.js';

/** An answer ready to send: the status and the encoded JSON. */
export interface EncodedAnswer {
  status: 200 | 503;
  json: string;
  bytes: Buffer;
}

export type AnswerCache = (route: ProbeRoute) => EncodedAnswer;

/**
 * The probe answers, encoded once per state of the supervisor and per
 * millisecond. Probes and dashboards ask far more often than anything
 * changes: a cached answer is the same bytes a fresh one would be, since
 * its key holds the backend's revision (it moves with every event) and the
 * millisecond its timestamps are taken at. A backend without `revision`
 * gets a fresh answer every time.
 *
 * @example
 * const answer = createAnswerCache(supervisor)('health');
 * response.writeHead(answer.status).end(answer.bytes);
 */
export const createAnswerCache = (backend: ApiBackend, now: () => number = Date.now): AnswerCache => {
  const cached = new Map<ProbeRoute, { key: string; answer: EncodedAnswer }>();
  return (route) => {
    const revision = backend.revision?.();
    const hit = cached.get(route);
    if (revision !== undefined && hit?.key === `${revision}@${now()}`) return hit.answer;
    const snapshot = backend.snapshot();
    const { status, body } = probeAnswers[route](snapshot);
    const json = JSON.stringify(body);
    const answer = { status, json, bytes: Buffer.from(json) };
    // Keyed by the snapshot's own millisecond, so a hit is always the answer that millisecond gives.
    if (revision !== undefined) cached.set(route, { key: `${revision}@${snapshot.now}`, answer });
    return answer;
  };
};
