import { resolve } from 'node:path';
import { z } from 'zod';
import { apiShape, resolveApi } from './api-schema.js';
import { readHandshake } from './handshake-schema.js';
import { federationShape, natsShape, resolveNats } from './nats-schema.js';
import { dependencyShape, healthShape, resolveCheckTarget } from './health-schema.js';
import { readinessShape, resolveReadiness } from './readiness-schema.js';
import { describeValue } from './describe-value.js';
import { defaultStateDir } from './state-dir.js';
import { closedObject } from './closed-object.js';
import { addressField, customField, missingMessage, type FieldResult } from './fields.js';
import { defaultPolicy, overridePolicy, policyShape } from './policy.js';
import type { DependencyConfig, LogLevel, PluginConfig, SupervisorConfig } from './types.js';
import { quoteText } from './quote-text.js';
import { checkPluginGraph } from './plugin-graph.js';
import { resolveResourceParts, resourceShape, type ResourceParts } from './resource-schema.js';
import { systemAccounts, type AccountSource } from './account.js';
import type { EnvFileRead } from './env-file.js';

const pluginName = /^[a-z0-9][a-z0-9._-]{0,62}$/;
// /health/:plugin would never reach a plugin with these names.
const reservedNames = new Set(['liveness', 'readiness', 'ready']);

const nameField = customField((input): FieldResult<string> => {
  if (input === undefined) return { ok: false, message: missingMessage };
  if (typeof input === 'string' && reservedNames.has(input)) {
    return { ok: false, message: `the name "${input}" is taken by the API's /health/${input} probe; choose another` };
  }
  if (typeof input === 'string' && pluginName.test(input)) return { ok: true, value: input };
  return {
    ok: false,
    message: `invalid name ${describeValue(input)}: use up to 63 lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`,
  };
});

const logLevels = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  silent: 'silent',
} as const satisfies { [L in LogLevel]: L };

const envName = z.string().regex(/^[^=\0]+$/, { error: 'an environment variable name cannot be empty or hold "="' });

const pluginSchema = closedObject({
  name: nameField,
  command: z.string().min(1),
  args: z.array(z.string()).default(() => []),
  env: z.record(envName, z.string()).default(() => ({})),
  cwd: z.string().min(1).optional(),
  critical: z.boolean().default(true),
  address: addressField({ listen: false }).nullable().default(null),
  // `none` or a mapping: read in the transform, where its issues get their place.
  handshake: z.unknown().optional(),
  health: healthShape,
  readiness: readinessShape.optional(),
  dependsOn: z.array(z.string()).default(() => []),
  restartWith: z.array(z.string()).default(() => []),
  ...policyShape,
  ...resourceShape,
});

// Runs even when a plugin has other errors, so every issue shows at once.
const reportDuplicateNames = (section: string, plugins: readonly unknown[], ctx: z.RefinementCtx): void => {
  const firstIndex = new Map<string, number>();
  plugins.forEach((plugin, index) => {
    const name: unknown = typeof plugin === 'object' && plugin !== null && 'name' in plugin ? plugin.name : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate name ${quoteText(name)} (${section}[${first}] has it already)`,
        input: name,
      });
  });
};

const pluginsSchema = z
  .array(pluginSchema, {
    error: (issue) => (issue.input === undefined ? `${missingMessage} (the plugins to supervise; "plugins: []" for none)` : undefined),
  })
  .superRefine((plugins, ctx) => reportDuplicateNames('plugins', Array.isArray(plugins) ? plugins : [], ctx), { when: () => true });

const dependenciesSchema = z
  .array(dependencyShape.extend({ name: nameField }))
  .default(() => [])
  .superRefine((checks, ctx) => reportDuplicateNames('checks', Array.isArray(checks) ? checks : [], ctx), { when: () => true });

/** Where a config came from, which the schema needs to resolve paths. */
export interface ConfigContext {
  /** Becomes `config.source`. */
  source: string;
  /** Relative plugin `cwd`s (and api.tokenFile) are resolved against it; a plugin without `cwd` runs here. */
  baseDir: string;
  /** Where HALE_API_TOKEN is looked up when the config names no token; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `user:` and `group:` names are looked up; the machine's /etc/passwd and /etc/group by default. */
  accounts?: AccountSource;
  /** Plugins' env files, read already (loadConfig reads them); without, `envFile` is resolved but not read. */
  envFiles?: ReadonlyMap<string, EnvFileRead>;
}

/**
 * The schema of supervisor.yaml: checks a parsed (and interpolated) document
 * and resolves it into a SupervisorConfig with every default applied.
 *
 * @example
 * const result = createConfigSchema({ source: '/etc/hale/supervisor.yaml', baseDir: '/etc/hale' })
 *   .safeParse({ plugins: [{ name: 'greeter', command: 'node' }] });
 */
export const createConfigSchema = ({ source, baseDir, env = process.env, accounts = systemAccounts, envFiles }: ConfigContext) =>
  closedObject({
    api: apiShape.prefault(() => ({})),
    grpc: closedObject({
      enabled: z.boolean().default(true),
      address: addressField({ listen: true }).default('127.0.0.1:50051'),
    }).default(() => ({ enabled: true, address: '127.0.0.1:50051' })),
    log: closedObject({ level: z.enum(logLevels).default('info') }).default(() => ({ level: 'info' as const })),
    stateDir: z.string().min(1).optional(),
    defaults: closedObject(policyShape).default(() => ({})),
    plugins: pluginsSchema,
    checks: dependenciesSchema,
    nats: natsShape.optional(),
    federation: federationShape.optional(),
  }).transform((raw, ctx): SupervisorConfig => {
    const defaults = overridePolicy(defaultPolicy, raw.defaults);
    const fail = (path: PropertyKey[], message: string) => ctx.issues.push({ code: 'custom', path, message, input: undefined });
    const api = resolveApi(raw.api, env, baseDir);
    if (!api.ok) fail(['api', api.issue.key], api.issue.message);
    const plugins = raw.plugins.map((plugin, index) =>
      resolvePluginParts(plugin, baseDir, (path, message) => fail(['plugins', index, ...path], message)),
    );
    const resources = raw.plugins.map((plugin, index) =>
      resolveResourceParts(plugin, { baseDir, accounts, envFiles }, (path, message) => fail(['plugins', index, ...path], message)),
    );
    const checks = raw.checks.map((check, index) =>
      resolveDependency(check, baseDir, (path, message) => fail(['checks', index, ...path], message)),
    );
    const nats = resolveNats(
      raw.nats,
      raw.federation,
      baseDir,
      raw.plugins.map((plugin) => plugin.name),
    );
    if (!nats.ok) for (const issue of nats.issues) fail(issue.path, issue.message);
    const graph = checkPluginGraph(raw.plugins);
    for (const issue of graph) fail(['plugins', ...issue.path], issue.message);
    if (!api.ok || !nats.ok || graph.length > 0 || plugins.includes(null) || checks.includes(null) || resources.includes(null))
      return z.NEVER;
    return {
      source,
      api: api.api,
      grpc: { enabled: raw.grpc.enabled, address: raw.grpc.address },
      log: { level: raw.log.level },
      stateDir: raw.stateDir === undefined ? defaultStateDir(source) : resolve(baseDir, raw.stateDir),
      defaults,
      plugins: raw.plugins.map((plugin, index) => ({
        ...overridePolicy(defaults, plugin),
        name: plugin.name,
        command: plugin.command,
        args: plugin.args,
        cwd: resolve(baseDir, plugin.cwd ?? '.'),
        critical: plugin.critical,
        address: plugin.address,
        dependsOn: plugin.dependsOn,
        restartWith: plugin.restartWith,
        ...(plugins[index] as PluginParts),
        ...(resources[index] as ResourceParts),
      })),
      checks: checks as DependencyConfig[],
      nats: nats.nats,
      federation: nats.federation,
    };
  });

type PluginParts = Pick<PluginConfig, 'handshake' | 'health' | 'readiness'>;
type Report = (path: PropertyKey[], message: string) => void;

/** A plugin's handshake and health check, which depend on each other: an ordinary server has no gRPC of hale's to ask. */
const resolvePluginParts = (
  plugin: {
    handshake?: unknown;
    health: z.output<typeof healthShape>;
    readiness?: z.output<typeof readinessShape> | undefined;
    address: string | null;
    cwd?: string | undefined;
  },
  baseDir: string,
  report: Report,
): PluginParts | null => {
  const handshake = readHandshake(plugin.handshake);
  if (!handshake.ok) for (const issue of handshake.issues) report(['handshake', ...issue.path], issue.message);
  const health = resolveCheckTarget(plugin.health, resolve(baseDir, plugin.cwd ?? '.'));
  if (!health.ok)
    for (const issue of health.issues) report(issue.key === '' ? ['health', 'protocol'] : ['health', issue.key], issue.message);
  const readiness = plugin.readiness === undefined ? null : resolveReadiness(plugin.readiness, resolve(baseDir, plugin.cwd ?? '.'));
  if (readiness !== null && !readiness.ok)
    for (const issue of readiness.issues) report(['readiness', issue.key === '' ? 'protocol' : issue.key], issue.message);
  if (!handshake.ok || !health.ok || (readiness !== null && !readiness.ok)) return null;
  const check = health.check;
  const noAddress = handshake.handshake === null && plugin.address === null;
  if (noAddress && (check.protocol === 'plugin' || (check.protocol === 'grpc' && check.address === null))) {
    report(
      ['handshake'],
      `with handshake: none there is no address to ask over gRPC: give the plugin an address:, or a health check of protocol http, tcp or exec${check.protocol === 'grpc' ? ', or health.address' : ''}`,
    );
    return null;
  }
  const ready = readiness?.readiness ?? null;
  if (noAddress && ready?.check.protocol === 'grpc' && ready.check.address === null) {
    report(
      ['readiness', 'protocol'],
      'with handshake: none there is no address to ask over gRPC: give readiness an address:, or the plugin an address:',
    );
    return null;
  }
  return { handshake: handshake.handshake, health: check, readiness: ready };
};

const resolveDependency = (raw: z.output<typeof dependencyShape>, baseDir: string, report: Report): DependencyConfig | null => {
  if (raw.protocol === 'plugin') {
    report(['protocol'], 'a check under checks: is not a plugin: its protocol is grpc, http, tcp or exec');
    return null;
  }
  if (raw.protocol === 'grpc' && raw.address === undefined) {
    report(['protocol'], 'protocol grpc needs "address" (host:port or unix:/path)');
    return null;
  }
  const target = resolveCheckTarget(raw, resolve(baseDir, raw.cwd ?? '.'));
  if (!target.ok) {
    for (const issue of target.issues) report(issue.key === '' ? ['protocol'] : [issue.key], issue.message);
    return null;
  }
  return {
    name: raw.name,
    critical: raw.critical,
    intervalMs: raw.interval,
    timeoutMs: raw.timeout,
    failureThreshold: raw.failureThreshold,
    successThreshold: raw.successThreshold,
    degradedLatency: raw.degradedLatency,
    check: target.check as DependencyConfig['check'],
  };
};

/** The schema createConfigSchema makes. */
export type ConfigSchema = ReturnType<typeof createConfigSchema>;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Fails to compile unless the schema's output is exactly SupervisorConfig. */
export type ConfigSchemaOutputMatches = Assert<Equals<z.output<ConfigSchema>, SupervisorConfig>>;
