// The few fields of hale's API answers the dashboard reads; the README documents the whole bodies.

export type PluginState = 'unknown' | 'healthy' | 'degraded' | 'unhealthy' | 'restarting' | 'failed' | 'stopped';
export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface ComponentBody {
  name: string;
  status: string;
  critical: boolean;
  latencyMs: number;
  message: string;
}

export interface CheckBody {
  time: string;
  outcome: 'pass' | 'degraded' | 'fail';
  responseTimeMs: number;
  message: string;
}

/** A plugin as GET /health and GET /plugins/health show it. */
export interface PluginBody {
  state: PluginState;
  reason: string;
  since: string;
  critical: boolean;
  pid: number | null;
  uptimeSeconds: number | null;
  responseTimeMs: number | null;
  message: string;
  restarts: number;
  restartCount: number;
  nextRestartTime: string | null;
  lastError: string | null;
  components: ComponentBody[];
  version: string;
  recentChecks?: CheckBody[];
}

export interface DependencyBody {
  status: string;
  critical: boolean;
  target?: string;
  reason?: string;
}

export interface HealthBody {
  status: OverallStatus;
  timestamp: string;
  version?: string;
  plugins: Record<string, PluginBody>;
  checks?: Record<string, DependencyBody>;
  /** hale's own connections (its NATS link), never critical. */
  components?: Record<string, DependencyBody>;
  supervisor?: { pid: number; uptimeSeconds: number };
}

export interface TransitionBody {
  time: string;
  from: PluginState;
  to: PluginState;
  reason: string;
}

export interface LogLineBody {
  at: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** The little of an operation (a 202 answer, the `operation` event) the banner reads. */
export interface OperationBody {
  id: string;
  action: string;
  plugin: string;
  status: 'pending' | 'succeeded' | 'failed';
  outcome: string | null;
}

/** The events of GET /events the dashboard acts on, as their `data` reads. */
export type FeedEvent =
  | { type: 'transition'; id: number; plugin: string; from: PluginState; to: PluginState; reason: string; at: number; restarts: number; restartCount: number }
  | { type: 'check'; id: number; plugin: string; check: { at: number; outcome: CheckBody['outcome']; latencyMs: number; message: string } }
  | { type: 'spawned'; id: number; plugin: string; pid: number; at: number }
  | { type: 'ready'; id: number; plugin: string; pid: number; at: number }
  | { type: 'exited'; id: number; plugin: string; pid: number; code: number | null; signal: string | null; expected: boolean; at: number }
  | { type: 'stopped'; id: number; plugin: string; at: number }
  | { type: 'restartScheduled'; id: number; plugin: string; delayMs: number; at: number }
  | { type: 'dependencyTransition'; id: number; dependency: string; from: string; to: string; at: number }
  | { type: 'supervisor'; id: number; phase: 'started' | 'stopping'; reason: string; at: number }
  | { type: 'reloaded'; id: number; at: number }
  | { type: 'operation'; id: number; plugin: string; operation: OperationBody; at: number };
