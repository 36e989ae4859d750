import type { HealthRoute } from './health-answers.js';

/** One path of the health answers: which answer it gives, and whether probes reach it without a token. */
export interface HealthPath {
  path: string;
  answer: HealthRoute;
  /** Open even with `protectReads`: a kubelet or a load balancer carries no token. */
  open: boolean;
}

/**
 * Every path whose answer is a pure function of one snapshot: the fast lane
 * answers these, the Hono routes register these, and the read guard lets the
 * open ones through. The one list of them; /health/:plugin is not one.
 *
 * @example
 * healthPaths.find((p) => p.path === '/health/ready'); // { path: '/health/ready', answer: 'readiness', open: true }
 */
export const healthPaths: readonly HealthPath[] = [
  { path: '/health', answer: 'health', open: false },
  { path: '/health/liveness', answer: 'liveness', open: true },
  { path: '/health/readiness', answer: 'readiness', open: true },
  // The short names some probes are configured with.
  { path: '/health/ready', answer: 'readiness', open: true },
  { path: '/liveness', answer: 'liveness', open: true },
];

/** The answer each path gives. */
export const healthAnswerOf: ReadonlyMap<string, HealthRoute> = new Map(healthPaths.map((p) => [p.path, p.answer]));

/** What probes must reach without a token, whatever protectReads says. */
export const openHealthPaths: ReadonlySet<string> = new Set(healthPaths.filter((p) => p.open).map((p) => p.path));
