import { liveness, readiness, snapshotStatus, startupReason, summarize } from '../supervisor/overall.js';
import type { SupervisorSnapshot } from '../model/status.js';
import type { HealthBody, LivenessBody, ReadinessBody } from './bodies.js';
import { toDependencyBody } from './dependency-body.js';
import { toLinkBody } from './link-body.js';
import { toPluginBody } from './plugin-body.js';

/** A JSON answer before it is encoded: the HTTP status and the body. */
export interface JsonAnswer<Body extends object = object> {
  status: 200 | 503;
  body: Body;
}

/** The health routes whose answers are pure functions of one snapshot. */
export type HealthRoute = 'health' | 'liveness' | 'readiness';

const isoOf = (ms: number): string => new Date(ms).toISOString();

/**
 * GET /health: the overall verdict, every plugin, the summary and the
 * supervisor's own facts; 503 when unhealthy.
 *
 * @example
 * healthAnswer(supervisor.snapshot()).status; // 200
 */
export const healthAnswer = (snapshot: SupervisorSnapshot): JsonAnswer<HealthBody> => {
  const status = snapshotStatus(snapshot);
  const { startup } = snapshot;
  return {
    status: status === 'unhealthy' ? 503 : 200,
    body: {
      status,
      timestamp: isoOf(snapshot.now),
      version: snapshot.version,
      // Until start-up has tried every plugin: how far it is, in numbers and in words.
      ...(startup === undefined || startup === null ? {} : { starting: { ...startup, reason: startupReason(startup) } }),
      plugins: Object.fromEntries(snapshot.plugins.map((p) => [p.name, toPluginBody(p, snapshot.now)])),
      summary: summarize(snapshot.plugins),
      ...(snapshot.dependencies.length === 0
        ? {}
        : { checks: Object.fromEntries(snapshot.dependencies.map((d) => [d.name, toDependencyBody(d, false)])) }),
      ...(snapshot.links === undefined || snapshot.links.length === 0
        ? {}
        : { components: Object.fromEntries(snapshot.links.map((l) => [l.name, toLinkBody(l)])) }),
      // Which containment is in force: 'cgroup' (a cgroup v2 each, ended with cgroup.kill) or 'process-group'.
      ...(snapshot.containment === undefined ? {} : { containment: snapshot.containment }),
      supervisor: {
        pid: snapshot.pid,
        uptimeSeconds: Math.max(0, snapshot.now - snapshot.startedAt) / 1_000,
        eventLoopLag: snapshot.eventLoopLag,
        droppedLogLines: snapshot.droppedLogLines,
      },
    },
  };
};

/** GET /health/liveness: 503 while shutting down or once a critical plugin has failed for good. */
export const livenessAnswer = (snapshot: SupervisorSnapshot): JsonAnswer<LivenessBody> => {
  const { alive, reason } = liveness(snapshot);
  return { status: alive ? 200 : 503, body: { status: alive ? 'alive' : 'not_alive', alive, reason, timestamp: isoOf(snapshot.now) } };
};

/** GET /health/readiness: 200 once start-up has tried every plugin and every critical plugin is healthy or degraded. */
export const readinessAnswer = (snapshot: SupervisorSnapshot): JsonAnswer<ReadinessBody> => {
  const { ready, reason, notReady, checksNotReady } = readiness(snapshot);
  return {
    status: ready ? 200 : 503,
    body: { status: ready ? 'ready' : 'not_ready', ready, reason, notReady, checksNotReady, timestamp: isoOf(snapshot.now) },
  };
};

export const healthAnswers: Record<HealthRoute, (snapshot: SupervisorSnapshot) => JsonAnswer> = {
  health: healthAnswer,
  liveness: livenessAnswer,
  readiness: readinessAnswer,
};
