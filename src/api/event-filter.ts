import type { SupervisorEvent, SupervisorEventType } from '../model/events.js';
import { pluginNamePattern } from './restart-target.js';

/** Which events a reader of /events wants. */
export interface EventFilter {
  accepts(event: SupervisorEvent): boolean;
  /** Plugin output lines were asked for (`types=output`), of this plugin. */
  acceptsOutput(plugin: string): boolean;
  /** The filter in words of the query, echoed in the stream's hello. */
  describe(): { plugins: string[] | null; types: Array<SupervisorEventType | 'output'> | null; checks: 'failed' | 'all' };
}

export type EventFilterResult = { ok: true; filter: EventFilter } | { ok: false; message: string };

/** Every event type, in the order the docs list them. */
export const eventTypes: readonly SupervisorEventType[] = [
  'transition',
  'check',
  'spawned',
  'ready',
  'startFailed',
  'exited',
  'stopped',
  'restartScheduled',
  'waiting',
  'operation',
  'reloaded',
  'dependencyCheck',
  'dependencyTransition',
  'readiness',
  'supervisor',
];

// `output`, a plugin's log lines, is asked for by name only: it is live, and not one of the supervisor's events.
const knownTypes = new Set<string>([...eventTypes, 'output']);

const splitList = (raw: string | undefined): string[] | null =>
  raw === undefined || raw.trim() === ''
    ? null
    : raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');

/**
 * Reads `?plugin=a,b&types=transition,check&checks=all`. Passing checks are
 * left out unless `checks=all`: there is one a second per plugin. Events about
 * no plugin (a reload, the supervisor's own) pass a plugin filter.
 *
 * @example
 * readEventFilter({ plugin: 'greeter', types: 'transition' });
 * // { ok: true, filter } — filter.accepts({ type: 'transition', plugin: 'greeter', … }) === true
 */
export const readEventFilter = (query: {
  plugin?: string | undefined;
  types?: string | undefined;
  checks?: string | undefined;
}): EventFilterResult => {
  const plugins = splitList(query.plugin);
  const badName = plugins?.find((name) => !pluginNamePattern.test(name));
  if (badName !== undefined) return { ok: false, message: `plugin ${JSON.stringify(badName.slice(0, 64))} is not a plugin name` };
  const types = splitList(query.types);
  const badType = types?.find((type) => !knownTypes.has(type));
  if (badType !== undefined) {
    return {
      ok: false,
      message: `unknown event type ${JSON.stringify(badType.slice(0, 64))}; the types are ${[...eventTypes, 'output'].join(', ')}`,
    };
  }
  const checks = query.checks ?? 'failed';
  if (checks !== 'failed' && checks !== 'all') return { ok: false, message: 'checks must be "failed" (the default) or "all"' };
  const pluginSet = plugins === null ? null : new Set(plugins);
  const typeSet = types === null ? null : new Set(types);
  return {
    ok: true,
    filter: {
      acceptsOutput: (plugin) => typeSet !== null && typeSet.has('output') && (pluginSet === null || pluginSet.has(plugin)),
      accepts: (event) => {
        if (typeSet !== null && !typeSet.has(event.type)) return false;
        if (pluginSet !== null && event.plugin !== undefined && !pluginSet.has(event.plugin)) return false;
        const isCheck = event.type === 'check' || event.type === 'dependencyCheck';
        return !isCheck || checks === 'all' || event.check.outcome === 'fail';
      },
      describe: () => ({ plugins, types: types as Array<SupervisorEventType | 'output'> | null, checks }),
    },
  };
};
