// The JSON bodies of the HTTP API, as types only: the routes build them, the CLI and the dashboard read them.
// Only type imports (src/model/, the verdict words, the federation's shapes): the dashboard's browser build type-checks this file too.
import type { CheckFailure } from '../model/check-record.js';
import type { SupervisorEvent } from '../model/events.js';
import type { HealthStatus } from '../model/health-report.js';
import type { Operation } from '../model/operation.js';
import type { OutputStream } from '../model/output-line.js';
import type { CheckOutcome, PluginState } from '../model/plugin-state.js';
import type { DependencyState, DependencyWait, EventLoopLag, LinkStatus, StartupProgress, StoppingProcess } from '../model/status.js';
import type { ResourceUsage } from '../model/resources.js';
import type { FederatedService, HubEntry } from '../nats/federation.js';
import type { Liveness, OverallStatus, PluginSummary, Readiness } from '../supervisor/overall.js';

export interface ComponentBody {
  name: string;
  status: HealthStatus;
  critical: boolean;
  latencyMs: number;
  message: string;
}

export interface ExitBody {
  time: string;
  code: number | null;
  signal: string | null;
  /** The tail of stderr when the exit was a crash. */
  stderr: string;
}

/** One plugin as the API shows it: the monitor-compatible fields first (docs/architecture.md), ours beside them. */
export interface PluginBody {
  // The monitor-compatible names (docs/architecture.md, API field names); dashboards read them.
  status: PluginState;
  lastCheckTime: string | null;
  lastHealthyTime: string | null;
  failureCount: number;
  restartCount: number;
  responseTime: string;
  healthy: boolean;
  // hale's own.
  state: PluginState;
  reason: string;
  since: string;
  critical: boolean;
  pid: number | null;
  uptimeSeconds: number | null;
  responseTimeMs: number | null;
  message: string;
  restarts: number;
  nextRestartTime: string | null;
  lastExit: ExitBody | null;
  lastError: string | null;
  components: ComponentBody[];
  version: string;
  /** Serving, its readiness probe (if any) passing, and every plugin it depends on up (README, Readiness). */
  ready: boolean;
  /** Absent when it depends on no plugin. */
  dependsOn?: string[];
  /** Its start is held until these are healthy or degraded (`state` is stopped meanwhile); absent when not held. */
  waitingFor?: DependencyWait[];
}

export interface CheckBody {
  time: string;
  outcome: CheckOutcome;
  status: HealthStatus;
  responseTime: string;
  responseTimeMs: number;
  message: string;
  /** Why a failed check failed. */
  failure?: CheckFailure;
}

/** A plugin in GET /plugins/health: the body plus the name and the recent checks. */
export type PluginDetailBody = PluginBody & { name: string; recentChecks: CheckBody[] };

/** A dependency under `checks:`, in the same words as a plugin where they mean the same. */
export interface DependencyBody {
  status: DependencyState;
  healthy: boolean;
  critical: boolean;
  protocol: string;
  target: string;
  reason: string;
  since: string;
  lastCheckTime: string | null;
  lastHealthyTime: string | null;
  responseTime: string;
  responseTimeMs: number | null;
  message: string;
  failureCount: number;
  /** GET /checks/:name only. */
  recentChecks?: CheckBody[];
}

/** One of hale's own connections (its NATS link, its watchdog), under /health's `components`; its counts beside the fields. */
export interface LinkBody {
  status: LinkStatus['state'];
  healthy: boolean;
  critical: false;
  kind: LinkStatus['kind'];
  target: string;
  reason: string;
  since: string | null;
  [stat: string]: string | number | boolean | null;
}

/** GET /health. */
export interface HealthBody {
  status: OverallStatus;
  timestamp: string;
  version: string;
  /** Until start-up has tried every plugin: how far it is, in numbers and in words. */
  starting?: StartupProgress & { reason: string | null };
  plugins: Record<string, PluginBody>;
  summary: PluginSummary;
  checks?: Record<string, DependencyBody>;
  components?: Record<string, LinkBody>;
  containment?: 'cgroup' | 'process-group';
  supervisor: { pid: number; uptimeSeconds: number; eventLoopLag: EventLoopLag; droppedLogLines: number };
}

/** GET /health/liveness and /liveness. */
export type LivenessBody = Liveness & { status: 'alive' | 'not_alive'; timestamp: string };

/** GET /health/readiness and /health/ready. */
export type ReadinessBody = Readiness & { status: 'ready' | 'not_ready'; timestamp: string };

/** GET /plugins/health. */
export interface PluginsHealthBody {
  status: OverallStatus;
  timestamp: string;
  plugins: Record<string, PluginDetailBody>;
  summary: PluginSummary;
}

/** A plugin in GET /plugins/status: how it runs (its environment's values redacted). */
export interface PluginProcessBody {
  name: string;
  version: string;
  description: string;
  connected: boolean;
  executable: string;
  args: string[];
  env: Record<string, string>;
  pid: number | null;
  generation: number;
  stopping: StoppingProcess[];
  state: PluginState;
  critical: boolean;
  address: string | null;
  uptimeSeconds: number | null;
  restartCount: number;
  /** May it take work: serving, its readiness probe (if any) passing, and every plugin it depends on up (README, Readiness). */
  ready: boolean;
  /** Its `readiness:` probe; null when it has none. */
  readiness: ReadinessProbeBody | null;
  /** Absent when it depends on none. */
  dependsOn?: string[];
  restartWith?: string[];
  /** Its start is held until these are up (state `stopped` meanwhile); absent when not held. */
  waitingFor?: DependencyWait[];
  /** CPU and memory of its process tree, sampled now; null while no process of it runs (or the backend samples nothing). */
  resources: ResourceBody | null;
}

/** A plugin's `readiness:` probe in GET /plugins/status. */
export interface ReadinessProbeBody {
  verdict: 'unknown' | 'passing' | 'failing';
  protocol: string;
  target: string;
  reason: string;
  since: string;
  failureCount: number;
  lastCheck: CheckBody | null;
}

/** A plugin in GET /plugins/graph. */
export interface GraphNodeBody {
  name: string;
  state: PluginState;
  critical: boolean;
  ready: boolean;
  waitingFor?: DependencyWait[];
}

/**
 * An edge of GET /plugins/graph, from the plugin that depends to the one it
 * depends on: `restartWith` (which is also a dependsOn) or `dependsOn` alone.
 */
export interface GraphEdgeBody {
  from: string;
  to: string;
  kind: 'dependsOn' | 'restartWith';
}

/** GET /plugins/graph: every plugin, and the dependencies between them. */
export interface PluginGraphBody {
  nodes: GraphNodeBody[];
  edges: GraphEdgeBody[];
}

/** A plugin's resources as the API shows them (README, Resources): the sample with its time as an ISO string. */
export type ResourceBody = Omit<ResourceUsage, 'sampledAt'> & { sampledAt: string };

/** GET /plugins/status. */
export interface PluginsStatusBody {
  enabled: true;
  initialized: boolean;
  startup?: StartupProgress;
  total: number;
  connected: number;
  plugins: PluginProcessBody[];
}

/** An operation as the API shows it (GET /operations/:id, a control answer): times as ISO strings. */
export type OperationBody = Omit<Operation, 'requestedAt' | 'finishedAt'> & { requestedAt: string; finishedAt: string | null };

/** The answer to POST /plugins/:name/restart|stop|start (202 under way, 200 nothing to do). */
export interface ControlBody {
  plugin: string;
  state: PluginState;
  message: string;
  coalesced: boolean;
  operation: OperationBody;
}

/** The answer to POST /plugins/:name/signal. */
export interface SignalBody {
  plugin: string;
  pid: number;
  signal: string;
}

export interface TransitionBody {
  time: string;
  from: PluginState;
  to: PluginState;
  reason: string;
  restarts: number;
  restartCount: number;
}

/** GET /plugins/:name/history. */
export interface HistoryBody {
  plugin: string;
  checks: CheckBody[];
  transitions: TransitionBody[];
}

export interface LogLineBody {
  at: string;
  stream: OutputStream;
  line: string;
  truncated: boolean;
}

/** GET /plugins/:name/logs. */
export interface LogsBody {
  plugin: string;
  lines: LogLineBody[];
  stats: { lines: number; dropped: number; truncated: number };
}

/** GET /federation: whether this hale hears other hubs at all. */
export type FederationBody =
  { enabled: true; hub_id: string; stale_after_seconds: number } | { enabled: false; hub_id: null; stale_after_seconds: null };

/** GET /federation/hubs. */
export interface HubsBody {
  hub_id: string;
  stale_after_seconds: number;
  hubs: HubEntry[];
}

/** GET /federation/services. */
export interface FederatedServicesBody {
  services: FederatedService[];
}

/** The `data` of an event of GET /events: the event as the supervisor published it, with its id. */
export type EventBody = SupervisorEvent & { id: number };

/** An `output` event of GET /events?types=output: one line, with the plugin that printed it. */
export type OutputEventBody = LogLineBody & { plugin: string };

/** Every error code the HTTP API answers with; clients may switch on it. */
export type ApiErrorCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'plugin_not_found'
  | 'check_not_found'
  | 'missing_plugin'
  | 'invalid_plugin_name'
  | 'invalid_json'
  | 'invalid_body'
  | 'payload_too_large'
  | 'rate_limited'
  | 'request_timeout'
  | 'unauthorized'
  | 'cross_site_request'
  | 'form_content_type'
  | 'misdirected_host'
  | 'shutting_down'
  | 'invalid_signal'
  | 'not_running'
  | 'invalid_tail'
  | 'invalid_limit'
  | 'operation_not_found'
  | 'invalid_config'
  | 'reload_unavailable'
  | 'reloading'
  | 'invalid_event_filter'
  | 'invalid_event_id'
  | 'too_many_streams'
  | 'upgrade_required'
  | 'dashboard_unavailable'
  | 'federation_disabled'
  | 'internal_error';

/** Every error answer; an invalid config's (POST /config/reload, 422) lists every issue too. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: string[] };
}
