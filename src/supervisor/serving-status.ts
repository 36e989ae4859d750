import { createEventBus, type EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import { isServing, readiness, type DependencyVerdictInput, type PluginVerdictInput } from './overall.js';
import type { SupervisorSnapshot } from '../model/status.js';
import { supervisorService, type ServingChange, type ServingSource, type ServingStatus } from '../grpc/serving-source.js';

/**
 * The grpc.health.v1 status of every service: "" is SERVING while the
 * supervisor is ready (every critical plugin serves and is ready, and it is
 * not shutting down); a plugin, by its name, while it is healthy or degraded
 * (its liveness: a failing readiness probe does not change it).
 *
 * @example
 * servingStatuses({ shuttingDown: false, plugins: [{ name: 'greeter', state: 'degraded', critical: true }] });
 * // Map { '' => 'SERVING', 'greeter' => 'SERVING' }
 */
export const servingStatuses = (
  snapshot: Pick<SupervisorSnapshot, 'shuttingDown' | 'startup'> & {
    plugins: readonly PluginVerdictInput[];
    dependencies?: readonly DependencyVerdictInput[];
  },
): ReadonlyMap<string, ServingStatus> => {
  const statuses = new Map<string, ServingStatus>([[supervisorService, readiness(snapshot).ready ? 'SERVING' : 'NOT_SERVING']]);
  for (const plugin of snapshot.plugins) statuses.set(plugin.name, isServing(plugin.state) ? 'SERVING' : 'NOT_SERVING');
  return statuses;
};

/**
 * What changed from `before` to `after`: new and changed statuses, and
 * SERVICE_UNKNOWN for services that are gone.
 *
 * @example
 * diffServingStatuses(new Map([['a', 'SERVING']]), new Map([['b', 'SERVING']]));
 * // [{ service: 'b', status: 'SERVING' }, { service: 'a', status: 'SERVICE_UNKNOWN' }]
 */
export const diffServingStatuses = (
  before: ReadonlyMap<string, ServingStatus>,
  after: ReadonlyMap<string, ServingStatus>,
): ServingChange[] => {
  const changes: ServingChange[] = [];
  for (const [service, status] of after) {
    if (before.get(service) !== status) changes.push({ service, status });
  }
  for (const service of before.keys()) {
    if (!after.has(service)) changes.push({ service, status: 'SERVICE_UNKNOWN' });
  }
  return changes;
};

export interface ServingSourceOptions {
  /** A listener threw; the other listeners got the changes all the same. */
  onListenerError?: (error: unknown) => void;
}

// Checks arrive every second per plugin and never change a state by themselves: a transition follows when they do.
// A start that came up or failed may end start-up, with no transition of its own.
const changesServing = (event: SupervisorEvent): boolean =>
  event.type === 'transition' ||
  event.type === 'dependencyTransition' ||
  event.type === 'readiness' ||
  event.type === 'reloaded' ||
  event.type === 'supervisor' ||
  event.type === 'ready' ||
  event.type === 'startFailed';

/**
 * Follows a supervisor's events and keeps its serving statuses. They are
 * computed again a microtask after an event that can change them, not
 * during it: a reload publishes transitions while it is still putting the
 * plugin list back together, and the supervisor says `stopping` just before
 * it marks itself so; a status read then would be a blip no one should see.
 *
 * @example
 * const source = createServingSource(supervisor);
 * source.subscribe((changes) => console.log(changes)); // [{ service: 'greeter', status: 'NOT_SERVING' }]
 * source.current().get('');                           // 'SERVING'
 * source.close();
 */
export const createServingSource = (
  supervisor: { events: EventBus<SupervisorEvent>; snapshot(): SupervisorSnapshot },
  options: ServingSourceOptions = {},
): ServingSource => {
  const readers = createEventBus<ServingChange[]>(options.onListenerError);
  // Once stopping, always stopping: the supervisor never serves again after it.
  let stopping = false;
  let closed = false;
  let pending = false;

  const compute = (): ReadonlyMap<string, ServingStatus> => {
    const snapshot = supervisor.snapshot();
    return servingStatuses({
      shuttingDown: snapshot.shuttingDown || stopping,
      startup: snapshot.startup,
      plugins: snapshot.plugins,
      dependencies: snapshot.dependencies,
    });
  };

  let statuses = compute();

  const refresh = (): void => {
    pending = false;
    if (closed) return;
    const next = compute();
    const changes = diffServingStatuses(statuses, next);
    statuses = next;
    if (changes.length === 0) return;
    readers.publish(changes);
  };

  const unsubscribe = supervisor.events.subscribe((event) => {
    if (!changesServing(event)) return;
    if (event.type === 'supervisor' && event.phase === 'stopping') stopping = true;
    if (pending) return;
    pending = true;
    queueMicrotask(refresh);
  });

  return {
    current: () => statuses,
    // Each listener gets its own copy, so one that edits what it got cannot change what the next sees.
    subscribe: (listener) => readers.subscribe((changes) => listener(changes.map((change) => ({ ...change })))),
    close: () => {
      // Nothing is published once closed, so the listeners left are never called again.
      closed = true;
      unsubscribe();
    },
  };
};
