// Follows the supervisor's events and says them on NATS; the supervisor never waits for it.
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { PluginStatus, SupervisorSnapshot } from '../model/status.js';
import { hubSubjects } from '../model/nats-subjects.js';
import {
  buildDependencyTransitionMessage,
  buildRegistrationMessage,
  buildSummary,
  buildTransitionMessage,
  type ServiceType,
} from './summary.js';
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

/** A summary owed for a change: none, one a microtask from now, or one after the coalescing wait. */
type Owed = { kind: 'none' } | { kind: 'queued' } | { kind: 'trailing'; cancel: () => void };

/**
 * Where a publisher is; each variant holds exactly what is true in it.
 * `waiting` until supervision starts (summaries only when asked), `live`
 * while it runs, `finished` once it stops (transitions, and the last summary
 * when asked), `stopped` once stop() is called (nothing at all).
 */
export type PublisherState =
  | { phase: 'waiting'; cancelHeartbeat: (() => void) | null }
  | { phase: 'live'; cancelHeartbeat: (() => void) | null; owed: Owed }
  | { phase: 'finished' }
  | { phase: 'stopped' };

const cancelTimers = (state: PublisherState): void => {
  if (state.phase === 'waiting' || state.phase === 'live') state.cancelHeartbeat?.();
  if (state.phase === 'live' && state.owed.kind === 'trailing') state.owed.cancel();
};

/**
 * Publishes every plugin transition on `{prefix}.{hub}.health.{plugin}`,
 * every dependency transition on `{prefix}.{hub}.health.check.{dependency}`,
 * a summary on `{prefix}.{hub}.health.summary` and on `{prefix}.global.health`
 * soon after every change (the first at once, then at most one per
 * `coalesceMs`) and `summaryIntervalMs` after the last one when nothing
 * changes, and `service.registered` / `service.deregistered` as supervision
 * starts, reloads and stops (then one last summary; transitions go on until
 * `stop()`). A publish that fails or
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
  let state: PublisherState = { phase: 'waiting', cancelHeartbeat: null };
  let lastSummaryAt = Number.NEGATIVE_INFINITY;
  // A function, not a narrowed variable: a publish or a source may change the state under a caller.
  const current = (): PublisherState => state;

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
    if (current().phase !== 'stopped') guard(() => publisher.publish(subject, body));
  };

  const armHeartbeat = (): void => {
    const armed = current();
    if (armed.phase !== 'waiting' && armed.phase !== 'live') return;
    armed.cancelHeartbeat?.();
    armed.cancelHeartbeat = setTimer(() => {
      const fired = current();
      if (fired.phase === 'waiting' || fired.phase === 'live') fired.cancelHeartbeat = null;
      emitSummary();
    }, options.summaryIntervalMs);
  };

  const emitSummary = (): void => {
    const before = current();
    if (before.phase === 'stopped') return;
    if (before.phase === 'live' && before.owed.kind === 'trailing') {
      before.owed.cancel();
      before.owed = { kind: 'none' };
    }
    guard(() => {
      const summary = buildSummary(source.snapshot(), hubId, options.summaryIntervalMs);
      send(subjects.summary, summary);
      // The same body on the broadcast subject: a listener who follows one subject hears every hub.
      send(subjects.globalSummary, summary);
    });
    lastSummaryAt = now();
    armHeartbeat();
  };

  // A microtask, not at once: mid-reload or just before `stopping` takes hold, a snapshot would show a blip.
  const noteChange = (): void => {
    const live = current();
    if (live.phase !== 'live' || live.owed.kind !== 'none') return;
    const wait = lastSummaryAt + coalesceMs - now();
    if (wait > 0) {
      live.owed = { kind: 'trailing', cancel: setTimer(emitSummary, wait) };
      return;
    }
    live.owed = { kind: 'queued' };
    queueMicrotask(() => {
      const due = current();
      if (due.phase !== 'live' || due.owed.kind !== 'queued') return;
      due.owed = { kind: 'none' };
      emitSummary();
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
    const current = new Set([
      ...snapshot.plugins.map((p) => keyOf('plugin', p.name)),
      ...snapshot.dependencies.map((d) => keyOf('check', d.name)),
    ]);
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
    const before = current();
    if (before.phase === 'finished' || before.phase === 'stopped') return;
    if (before.phase === 'waiting') state = { phase: 'live', cancelHeartbeat: before.cancelHeartbeat, owed: { kind: 'none' } };
    guard(() => registerAll(reason, at));
    noteChange();
  };

  const finish = (reason: string, at: number): void => {
    if (current().phase === 'finished' || current().phase === 'stopped') return;
    for (const { name, type } of [...registered.values()]) deregister(type, name, reason, at);
    // A summary still owed for a change goes too: it would say the plugins are up while they stop.
    cancelTimers(current());
    state = { phase: 'finished' };
    // The last summary waits for the plugins to be stopped: the runtime asks for it (publishSummary) after supervisor.stop().
  };

  const onEvent = (event: SupervisorEvent): void => {
    switch (event.type) {
      case 'transition':
        send(subjects.health(event.plugin), buildTransitionMessage(event, hubId, criticalOf(event.plugin)));
        noteChange();
        return;
      case 'dependencyTransition':
        send(subjects.dependency(event.dependency), buildDependencyTransitionMessage(event, hubId));
        noteChange();
        return;
      case 'readiness':
        noteChange();
        return;
      case 'supervisor':
        if (event.phase === 'started') begin(event.reason, event.at);
        else finish(event.reason, event.at);
        return;
      case 'reloaded':
        if (current().phase !== 'live') return;
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
      cancelTimers(current());
      state = { phase: 'stopped' };
      unsubscribe();
    },
    publishSummary: () => guard(emitSummary),
  };
};
