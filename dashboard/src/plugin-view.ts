import type { ComponentBody, FeedEvent, PluginBody, PluginState } from './types.js';

/** How many latencies a sparkline draws. */
export const sparkPoints = 30;

/** One plugin as the page shows it; times are the supervisor's epoch ms. */
export interface PluginView {
  name: string;
  state: PluginState;
  reason: string;
  since: number;
  critical: boolean;
  pid: number | null;
  startedAt: number | null;
  restartCount: number;
  latencyMs: number | null;
  /** Recent check latencies, oldest first; a failed check is drawn apart. */
  latencies: Array<{ ms: number; failed: boolean }>;
  message: string;
  components: ComponentBody[];
  version: string;
  nextRestartAt: number | null;
  /** Its start is held until the plugins it depends on are up (its reason says which). */
  waiting: boolean;
}

const pushLatency = (view: PluginView, ms: number, failed: boolean): void => {
  view.latencies.push({ ms, failed });
  if (view.latencies.length > sparkPoints) view.latencies.splice(0, view.latencies.length - sparkPoints);
};

/** A stopped plugin answers no checks: its last latency, message and components would be stale. */
const blankChecks = (view: PluginView): PluginView => {
  if (view.state !== 'stopped') return view;
  view.latencyMs = null;
  view.message = '';
  view.components = [];
  return view;
};

/**
 * A plugin's view from an API body taken at `now` (the answer's timestamp).
 * The sparkline is kept from `previous` unless the body brings recent checks.
 * A stopped plugin shows no latency, message or components: its reason says why.
 *
 * @example
 * const view = viewFromBody('greeter', body, Date.parse(health.timestamp), undefined);
 */
export const viewFromBody = (name: string, body: PluginBody, now: number, previous: PluginView | undefined): PluginView =>
  blankChecks({
    name,
    state: body.state,
    reason: body.reason,
    since: Date.parse(body.since),
    critical: body.critical,
    pid: body.pid,
    startedAt: body.pid === null || body.uptimeSeconds === null ? null : now - body.uptimeSeconds * 1_000,
    restartCount: body.restartCount,
    latencyMs: body.responseTimeMs,
    latencies:
      body.recentChecks === undefined
        ? (previous?.latencies ?? [])
        : body.recentChecks.slice(-sparkPoints).map((check) => ({ ms: check.responseTimeMs, failed: check.outcome === 'fail' })),
    message: body.message,
    components: body.components,
    version: body.version,
    nextRestartAt: body.nextRestartTime === null ? null : Date.parse(body.nextRestartTime),
    waiting: body.waitingFor !== undefined,
  });

/**
 * Applies one live event to a plugin's view, in place; says whether the
 * row must be drawn again.
 *
 * @example
 * if (applyEvent(view, event)) markDirty(view.name);
 */
export const applyEvent = (view: PluginView, event: FeedEvent): boolean => {
  switch (event.type) {
    case 'transition':
      view.waiting = false;
      view.state = event.to;
      view.reason = event.reason;
      view.since = event.at;
      view.restartCount = event.restartCount;
      if (event.to !== 'restarting') view.nextRestartAt = null;
      blankChecks(view);
      return true;
    case 'check':
      // A check that was in flight when the stop came says nothing of a stopped plugin.
      if (view.state === 'stopped') return false;
      view.latencyMs = event.check.latencyMs;
      view.message = event.check.message;
      pushLatency(view, event.check.latencyMs, event.check.outcome === 'fail');
      return true;
    case 'spawned':
    case 'ready':
      if (view.pid !== event.pid) view.startedAt = event.at;
      view.pid = event.pid;
      return true;
    case 'exited':
      view.pid = null;
      view.startedAt = null;
      if (view.state !== 'stopped')
        view.message = event.expected ? 'exited when asked' : `exited: ${event.signal ?? `code ${String(event.code)}`}`;
      return true;
    case 'stopped':
      view.pid = null;
      view.startedAt = null;
      return true;
    case 'restartScheduled':
      view.nextRestartAt = event.at + event.delayMs;
      return true;
    default:
      return false;
  }
};
