// Follows the supervisor's events and says them on NATS; the supervisor never waits for it.
import type { EventBus } from '../supervisor/event-bus.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { PluginStatus, SupervisorSnapshot } from '../supervisor/status.js';
import { hubSubjects } from './subjects.js';
import { buildRegistrationMessage, buildSummary, buildTransitionMessage, type ServiceType } from './summary.js';
import type { NatsPublisher } from './types.js';

/** What the publisher reads: a supervisor, or anything with its events and snapshot. */
export interface HealthSource {
  events: Pick<EventBus<SupervisorEvent>, 'subscribe'>;
  snapshot(): SupervisorSnapshot;
  /** One plugin's status, cheaper than a snapshot; a transition's `critical` comes from it when given. */
  plugin?(name: string): PluginStatus | undefined;
}

/** Runs `callback` once after `ms`; returns the function that cancels it. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

export interface HealthPublisherOptions {
  source: HealthSource;
  publisher: NatsPublisher;
  hubId: string;
  prefix: string;
  /** A summary at least this often, changes or not. */
  summaryIntervalMs: number;
  /** The supervisor said `started` before this publisher began: register everything at once. */
  started?: boolean;
  /** Summaries on change come at most once in this long; 250 ms by default. */
  coalesceMs?: number;
  now?: () => number;
  setTimer?: SetTimer;
  /** Something failed in building or publishing; it is dropped, and supervision goes on. */
  onError?: (error: unknown) => void;
}

export interface HealthPublisher {
  /** Unsubscribes and cancels every timer; nothing is published after it. */
  stop(): void;
  /** A summary now, whatever the timers say. */
  publishSummary(): void;
}

const unrefTimer: SetTimer = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  // A heartbeat must never keep hale alive on its way out.
  timer.unref();
  return () => clearTimeout(timer);
};

const defaultCoalesceMs = 250;

/**
 * Publishes every plugin transition on `{prefix}.{hub}.health.{plugin}`, a
 * summary on `{prefix}.{hub}.health.summary` soon after every change (the
 * first at once, then at most one per `coalesceMs`) and `summaryIntervalMs`
 * after the last one when nothing changes, and `service.registered` /
 * `service.deregistered` as supervision starts, reloads and stops (then one
 * last summary; transitions go on until `stop()`). A publish that fails or
 * drops is the link's to count; this never throws into the event bus.
 *
 * @example
 * const health = startHealthPublisher({ source: supervisor, publisher: link, hubId: 'web-1', prefix: 'hale', summaryIntervalMs: 10_000 });
 * await supervisor.start(); // registered for each plugin, then a summary
 * health.stop();
 */
export const startHealthPublisher = (options: HealthPublisherOptions): HealthPublisher => {
  const { source, publisher, hubId } = options;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? unrefTimer;
  const coalesceMs = options.coalesceMs ?? defaultCoalesceMs;
  const subjects = hubSubjects(options.prefix, hubId);
  const registered = new Map<string, { name: string; type: ServiceType }>();
  let live = false;
  let finished = false;
  let stopped = false;
  let lastSummaryAt = Number.NEGATIVE_INFINITY;
  let queued = false;
  let cancelTrailing: (() => void) | null = null;
  let cancelHeartbeat: (() => void) | null = null;

  const guard = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      try {
        options.onError?.(error);
      } catch {
        // An error reporter that fails has nowhere left to report.
      }
    }
  };

  const send = (subject: string, body: unknown): void => {
    if (!stopped) guard(() => publisher.publish(subject, body));
  };

  const armHeartbeat = (): void => {
    cancelHeartbeat?.();
    cancelHeartbeat = setTimer(() => {
      cancelHeartbeat = null;
      emitSummary();
    }, options.summaryIntervalMs);
  };

  const emitSummary = (): void => {
    if (stopped) return;
    cancelTrailing?.();
    cancelTrailing = null;
    guard(() => send(subjects.summary, buildSummary(source.snapshot(), hubId, options.summaryIntervalMs)));
    lastSummaryAt = now();
    if (!finished) armHeartbeat();
  };

  // A microtask, not at once: mid-reload or just before `stopping` takes hold, a snapshot would show a blip.
  const noteChange = (): void => {
    if (!live || finished || stopped || queued || cancelTrailing !== null) return;
    const wait = lastSummaryAt + coalesceMs - now();
    if (wait > 0) {
      cancelTrailing = setTimer(() => {
        cancelTrailing = null;
        emitSummary();
      }, wait);
      return;
    }
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (!finished) emitSummary();
    });
  };

  const keyOf = (type: ServiceType, name: string) => `${type}:${name}`;

  const register = (type: ServiceType, name: string, reason: string, at: number): void => {
    const key = keyOf(type, name);
    if (registered.has(key)) return;
    registered.set(key, { name, type });
    send(subjects.registered, buildRegistrationMessage({ hubId, service: name, type, reason, at }));
  };

  const deregister = (type: ServiceType, name: string, reason: string, at: number): void => {
    if (!registered.delete(keyOf(type, name))) return;
    send(subjects.deregistered, buildRegistrationMessage({ hubId, service: name, type, reason, at }));
  };

  const registerAll = (reason: string, at: number): void => {
    const snapshot = source.snapshot();
    for (const plugin of snapshot.plugins) register('plugin', plugin.name, reason, at);
    for (const dependency of snapshot.dependencies) register('check', dependency.name, reason, at);
  };

  // Told apart by name, not by the event's lists: a reload does not name the dependencies, and a start that failed to register is made good.
  const reconcile = (at: number): void => {
    const snapshot = source.snapshot();
    const current = new Set([...snapshot.plugins.map((p) => keyOf('plugin', p.name)), ...snapshot.dependencies.map((d) => keyOf('check', d.name))]);
    for (const [key, { name, type }] of [...registered]) {
      if (!current.has(key)) deregister(type, name, 'removed from the config', at);
    }
    for (const plugin of snapshot.plugins) register('plugin', plugin.name, 'added to the config', at);
    for (const dependency of snapshot.dependencies) register('check', dependency.name, 'added to the config', at);
  };

  // Unknown rather than no message at all: the transition is the fact, its criticality a detail.
  const criticalOf = (name: string): boolean | undefined => {
    let critical: boolean | undefined;
    guard(() => {
      const status = source.plugin === undefined ? source.snapshot().plugins.find((p) => p.name === name) : source.plugin(name);
      critical = status?.critical;
    });
    return critical;
  };

  const begin = (reason: string, at: number): void => {
    if (finished) return;
    live = true;
    guard(() => registerAll(reason, at));
    noteChange();
  };

  const finish = (reason: string, at: number): void => {
    if (finished) return;
    for (const { name, type } of [...registered.values()]) deregister(type, name, reason, at);
    finished = true;
    cancelHeartbeat?.();
    cancelHeartbeat = null;
    // The last summary waits for the plugins to be stopped: the runtime asks for it (publishSummary) after supervisor.stop().
  };

  const onEvent = (event: SupervisorEvent): void => {
    switch (event.type) {
      case 'transition':
        send(subjects.health(event.plugin), buildTransitionMessage(event, hubId, criticalOf(event.plugin)));
        noteChange();
        return;
      case 'dependencyTransition':
        noteChange();
        return;
      case 'supervisor':
        if (event.phase === 'started') begin(event.reason, event.at);
        else finish(event.reason, event.at);
        return;
      case 'reloaded':
        if (!live) return;
        guard(() => reconcile(event.at));
        noteChange();
        return;
      default:
        return;
    }
  };

  const unsubscribe = source.events.subscribe((event) => guard(() => onEvent(event)));
  if (options.started === true) guard(() => begin('supervisor started', now()));

  return {
    stop: () => {
      stopped = true;
      unsubscribe();
      cancelTrailing?.();
      cancelHeartbeat?.();
      cancelTrailing = null;
      cancelHeartbeat = null;
    },
    publishSummary: () => guard(emitSummary),
  };
};
