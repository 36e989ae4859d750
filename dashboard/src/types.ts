// The fields of hale's API answers the dashboard reads, taken from the API's own body types (src/api/bodies.ts):
// a type-only import, erased from the browser build.
import type * as Api from '../../src/api/bodies.js';

export type { PluginState } from '../../src/model/plugin-state.js';
export type { OverallStatus } from '../../src/supervisor/overall.js';

export type ComponentBody = Api.ComponentBody;

export type CheckBody = Pick<Api.CheckBody, 'time' | 'outcome' | 'responseTimeMs' | 'message'>;

/** A plugin as GET /health and GET /plugins/health show it; only the second has its recent checks. */
export type PluginBody = Pick<
  Api.PluginBody,
  | 'state'
  | 'reason'
  | 'since'
  | 'critical'
  | 'pid'
  | 'uptimeSeconds'
  | 'responseTimeMs'
  | 'message'
  | 'restarts'
  | 'restartCount'
  | 'nextRestartTime'
  | 'lastError'
  | 'components'
  | 'version'
  | 'waitingFor'
> & { recentChecks?: CheckBody[] };

/** GET /health, and GET /plugins/health read the same way (it has neither the version nor the supervisor's facts). */
export type HealthBody = Pick<Api.HealthBody, 'status' | 'timestamp' | 'checks' | 'components'> &
  Partial<Pick<Api.HealthBody, 'version' | 'supervisor'>> & { plugins: Record<string, PluginBody> };

export type TransitionBody = Api.TransitionBody;

export type PluginGraphBody = Api.PluginGraphBody;
/** GET /plugins/status, as far as the resource columns read it. */
export interface ResourcesAnswer {
  plugins: Array<Pick<Api.PluginProcessBody, 'name' | 'resources'>>;
}

export type LogLineBody = Pick<Api.LogLineBody, 'at' | 'stream' | 'line'>;

/** The little of an operation (a 202 answer, the `operation` event) the banner reads: both carry these. */
export type OperationBody = Pick<Api.OperationBody, 'id' | 'action' | 'plugin' | 'status' | 'outcome'>;

export type { FederationBody, HubsBody } from '../../src/api/bodies.js';

/** A hub as GET /federation/hubs answers it. */
export type HubEntry = Api.HubsBody['hubs'][number];

/** The answer to a restart, stop, start or signal, as far as the banner reads it: a signal's answer has none of these. */
export type ControlBody = Partial<Pick<Api.ControlBody, 'message' | 'state' | 'operation'>>;

/** The events of GET /events the dashboard acts on, as their `data` reads. */
export type FeedEvent = Extract<
  Api.EventBody,
  {
    type:
      | 'transition'
      | 'check'
      | 'spawned'
      | 'ready'
      | 'exited'
      | 'stopped'
      | 'restartScheduled'
      | 'dependencyTransition'
      | 'supervisor'
      | 'reloaded'
      | 'operation';
  }
>;
