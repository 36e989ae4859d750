/** Timing and restart policy of a plugin. Durations are in milliseconds. */
export interface PolicyConfig {
  checkInterval: number;
  checkTimeout: number;
  failureThreshold: number;
  successThreshold: number;
  maxRestarts: number;
  restartBackoff: number;
  maxRestartBackoff: number;
  startInterval: number;
  startTimeout: number;
  stopTimeout: number;
  resetAfter: number;
  /**
   * While a plugin pushes its health, how often it is still asked (its
   * HealthCheck, or grpc.health.v1 Check); null is 10 × checkInterval.
   */
  guardInterval: number | null;
  /** A passing check slower than this counts as degraded; null turns it off. */
  degradedLatency: number | null;
  /** The signal of the second stop stage, sent to the plugin's process group. */
  stopSignal: StopSignal;
  /** Exit codes that mean "do not restart me" (78, EX_CONFIG, by default): such an exit goes to failed at once. */
  noRestartExitCodes: number[];
  /** When an automatic restart follows (README, Restart policies); manual restarts and starts always work. */
  restart: RestartPolicy;
  /** How the wait before the n-th automatic restart grows; both are capped by maxRestartBackoff. */
  backoff: BackoffKind;
  /** Bytes of memory (RSS, or the cgroup's memory.current) past which the plugin is restarted, reason `memory`; null for none. */
  memoryMax: number | null;
}

/** systemd's Restart= in three words: restart every end, only a failure, or none. */
export type RestartPolicy = 'always' | 'on-failure' | 'never';

export type BackoffKind = 'linear' | 'exponential';

/** A plugin's `readiness:` probe: apart from its health, it says whether the plugin may take work, and never restarts it. */
export interface ReadinessConfig {
  intervalMs: number;
  timeoutMs: number;
  /** Failed probes in a row before a ready plugin is not ready. */
  failureThreshold: number;
  /** Passing probes in a row before it is ready. */
  successThreshold: number;
  check: Exclude<HealthCheckConfig, { protocol: 'plugin' }>;
}

export type StopSignal = 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';

/**
 * How a plugin is started: the magic cookie it checks to know a supervisor
 * started it, and what go-plugin plugins also read (PLUGIN_PROTOCOL_VERSIONS,
 * PLUGIN_MIN_PORT, PLUGIN_MAX_PORT).
 */
export interface HandshakeConfig {
  cookieKey: string;
  cookieValue: string;
  /** The app protocol versions offered, highest last; go-plugin picks one. */
  protocolVersions: number[];
  /** The TCP ports a go-plugin plugin may listen on when it does not use a unix socket. */
  minPort: number;
  maxPort: number;
}

interface CheckTries {
  /** Attempts after a failed one before the check counts as failed. */
  retries: number;
  retryDelayMs: number;
}

/** How a plugin (or a dependency) is checked; `plugin` is hale's own HealthCheck. */
export type HealthCheckConfig = CheckTries &
  /** `watch`: open WatchHealth and act on what the plugin pushes (polling where it is not served). */
  (
    | { protocol: 'plugin'; watch: boolean }
    /**
     * The standard grpc.health.v1 Check; `address` null means the plugin's own (from its handshake or `address:`).
     * `watch`: grpc.health.v1 Watch instead, with keepalive PINGs every checkInterval (the server must permit them).
     */
    | { protocol: 'grpc'; service: string; address: string | null; watch: boolean }
    | { protocol: 'http'; url: string; field: string | null; headers: Record<string, string> }
    | { protocol: 'tcp'; host: string; port: number }
    | { protocol: 'exec'; command: string; args: string[]; env: Record<string, string>; cwd: string }
  );

/** A dependency that is not a plugin, checked on its own: a database port, an HTTP endpoint, a command. */
export interface DependencyConfig {
  name: string;
  /** A critical dependency down makes /health 503 and the supervisor not ready; another only degrades it. */
  critical: boolean;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  degradedLatency: number | null;
  check: Exclude<HealthCheckConfig, { protocol: 'plugin' }>;
}

export interface PluginConfig extends PolicyConfig {
  name: string;
  command: string;
  args: string[];
  /** Added to the supervisor's own environment. */
  env: Record<string, string>;
  /** Absolute; defaults to the config file's directory. */
  cwd: string;
  /** A critical plugin that is down makes the whole supervisor unhealthy. */
  critical: boolean;
  /** A fixed address (`unix:/path` or `host:port`): no handshake line is read. */
  address: string | null;
  /** null is `handshake: none`: an ordinary server, no handshake line, no gRPC of hale's; its health check says how it is. */
  handshake: HandshakeConfig | null;
  health: HealthCheckConfig;
  /** Null when the plugin has no `readiness:` probe: then it is ready while it is healthy or degraded. */
  readiness: ReadinessConfig | null;
  /** Plugins that must be healthy or degraded before this one starts; it stops before them. */
  dependsOn: string[];
  /** Of dependsOn: when one of these restarts or stops, this plugin is stopped, and started again once it is back. */
  restartWith: string[];
  /** Absolute path of the env file whose variables are in `env` (under the plugin's own); null without. */
  envFile: string | null;
  /** The user and group the plugin runs as (hale must be root); null runs it as hale's own. */
  runAs: RunAsConfig | null;
}

/** Ids to run a plugin with; a null id is left as hale's. Names are kept for messages. */
export interface RunAsConfig {
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface ApiConfig {
  host: string;
  port: number;
  /** Management routes need `Authorization: Bearer <token>` when set. */
  token: string | null;
  /** Where the token came from, for the log (never the token itself). */
  tokenSource: 'token' | 'tokenFile' | 'env' | null;
  /** Said on purpose: a non-loopback host with no token. */
  allowUnauthenticated: boolean;
  /** Read routes need the token too, but /health/liveness and /health/readiness. */
  protectReads: boolean;
  /** Origins a browser may call the API from; none by default (no CORS headers at all). */
  corsOrigins: string[];
  /** Names (or addresses) the API answers for besides loopback and its own addresses; any other Host gets 421. */
  allowedHosts: string[];
  /** Management requests per client and per plugin, within each window. */
  rateLimit: { perClient: number; perPlugin: number; windowMs: number };
  /** A request not answered within this is cut off. */
  requestTimeoutMs: number;
}

/** Where hale publishes health over NATS (`nats:`), when it does. */
export interface NatsConfig {
  servers: string[];
  auth: { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'credentials'; file: string };
  /** This supervisor's name in subjects: `{subjectPrefix}.{hubId}.health.…`. */
  hubId: string;
  subjectPrefix: string;
  summaryIntervalMs: number;
  /** Messages held while NATS is away; older ones are dropped (and counted) beyond it. */
  maxPending: number;
  /** Summaries and transitions also kept in this JetStream stream, for late readers. */
  jetstream: { stream: string; maxAgeMs: number; maxMessages: number } | null;
}

/** Hearing other hubs' summaries (`federation:`). */
export interface FederationConfig {
  enabled: boolean;
  /** A hub silent this long is stale; 3 summary intervals by default. */
  staleAfterMs: number;
}

export interface SupervisorConfig {
  /** Absolute path of the file this was read from, or a label such as "<inline>". */
  source: string;
  api: ApiConfig;
  /** The supervisor's own grpc.health.v1 service: a service per plugin, "" for the whole. */
  grpc: { enabled: boolean; address: string };
  log: { level: LogLevel };
  /** Absolute: where the lock, the records of running processes and the desired state live. */
  stateDir: string;
  defaults: PolicyConfig;
  /** Every plugin with the defaults already applied. */
  plugins: PluginConfig[];
  /** Dependencies that are not plugins, checked in parallel. */
  checks: DependencyConfig[];
  /** Null when the config has no nats: section. */
  nats: NatsConfig | null;
  federation: FederationConfig;
}
