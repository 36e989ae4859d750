import { z } from 'zod';
import { closedObject } from './closed-object.js';
import { countField, durationField, optionalDurationField } from './fields.js';
import type { HealthCheckConfig } from './types.js';
import type { CheckProtocol } from '../model/check-record.js';

const protocols = { plugin: 'plugin', grpc: 'grpc', http: 'http', tcp: 'tcp', exec: 'exec' } as const satisfies { [P in CheckProtocol]: P };

const url = z.string().refine((text) => /^https?:\/\/[^\s/]+/.test(text), { error: 'a URL such as http://127.0.0.1:8080/healthz' });
const host = z.string().min(1);
const port = countField({ min: 1, max: 65_535 });
const grpcAddress = z.string().refine((text) => /^unix:\/.+|^.+:\d{1,5}$/.test(text), {
  error: 'a gRPC address: host:port or unix:/absolute/path',
});

/** What every check says, whatever it asks: the protocol, its target, and how hard to try. */
export const checkTargetShape = {
  protocol: z.enum(protocols).default('plugin'),
  service: z.string().optional(),
  address: grpcAddress.optional(),
  url: url.optional(),
  field: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  host: host.optional(),
  port: port.optional(),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  watch: z.boolean().optional(),
  retries: countField({ min: 0, max: 10 }).default(0),
  retryDelay: durationField().default(100),
};

/** A plugin's `health:`; absent, hale asks the plugin's own HealthCheck. */
export const healthShape = closedObject(checkTargetShape).prefault(() => ({}));

type RawTarget = z.output<z.ZodObject<typeof checkTargetShape>>;

/** Which keys each protocol reads; any other one is a mistake worth saying. */
const keysOf: Record<CheckProtocol, readonly string[]> = {
  plugin: ['watch'],
  grpc: ['service', 'address', 'watch'],
  http: ['url', 'field', 'headers'],
  tcp: ['host', 'port'],
  exec: ['command', 'args', 'env'],
};
const targetKeys = ['watch', 'service', 'address', 'url', 'field', 'headers', 'host', 'port', 'command', 'args', 'env'] as const;

export interface TargetIssue {
  /** The key under the check (`url`, `port`…) or '' for the check itself. */
  key: string;
  message: string;
}

/**
 * The check a raw `health:` (or `checks:` entry) describes, or what is wrong
 * with it: a protocol's own key missing, or a key another protocol reads.
 *
 * @example
 * resolveCheckTarget({ protocol: 'tcp', port: 5432, retries: 0, retryDelay: 100 }, '/etc/hale');
 * // { ok: true, check: { protocol: 'tcp', host: '127.0.0.1', port: 5432, retries: 0, retryDelayMs: 100 } }
 */
export const resolveCheckTarget = (
  raw: RawTarget,
  cwd: string,
): { ok: true; check: HealthCheckConfig } | { ok: false; issues: TargetIssue[] } => {
  const issues: TargetIssue[] = [];
  for (const key of targetKeys) {
    if (raw[key] !== undefined && !keysOf[raw.protocol].includes(key)) {
      const owner = (Object.keys(keysOf) as CheckProtocol[]).filter((p) => keysOf[p].includes(key)).join(' or ');
      issues.push({ key, message: `"${key}" is for protocol ${owner}, and this check's protocol is ${raw.protocol}` });
    }
  }
  const need = (key: 'url' | 'port' | 'command', what: string) => {
    if (raw[key] === undefined) issues.push({ key: '', message: `protocol ${raw.protocol} needs "${key}" (${what})` });
  };
  if (raw.protocol === 'http') need('url', 'the URL to GET');
  if (raw.protocol === 'tcp') need('port', 'the port to connect to');
  if (raw.protocol === 'exec') need('command', 'the program to run; exit 0 passes');
  if (issues.length > 0) return { ok: false, issues };
  const tries = { retries: raw.retries, retryDelayMs: raw.retryDelay };
  switch (raw.protocol) {
    case 'plugin':
      return { ok: true, check: { protocol: 'plugin', watch: raw.watch ?? true, ...tries } };
    case 'grpc':
      return {
        ok: true,
        // Off unless asked: a Go server's default ping policy answers a PING each checkInterval with GOAWAY.
        check: { protocol: 'grpc', service: raw.service ?? '', address: raw.address ?? null, watch: raw.watch ?? false, ...tries },
      };
    case 'http':
      return { ok: true, check: { protocol: 'http', url: raw.url ?? '', field: raw.field ?? null, headers: raw.headers ?? {}, ...tries } };
    case 'tcp':
      return { ok: true, check: { protocol: 'tcp', host: raw.host ?? '127.0.0.1', port: raw.port ?? 0, ...tries } };
    case 'exec':
      return { ok: true, check: { protocol: 'exec', command: raw.command ?? '', args: raw.args ?? [], env: raw.env ?? {}, cwd, ...tries } };
  }
};

/** One entry of the top-level `checks:`: a dependency that is not a plugin. */
export const dependencyShape = closedObject({
  name: z.string(),
  critical: z.boolean().default(true),
  interval: durationField({ min: 100 }).default(10_000),
  timeout: durationField({ min: 1 }).default(2_000),
  failureThreshold: countField({ min: 1 }).default(1),
  successThreshold: countField({ min: 1 }).default(1),
  degradedLatency: optionalDurationField().default(null),
  cwd: z.string().min(1).optional(),
  ...checkTargetShape,
  protocol: z.enum(protocols),
});
