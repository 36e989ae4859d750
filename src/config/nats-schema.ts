import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { closedObject } from './closed-object.js';
import { countField, durationField } from './fields.js';
import { buildGlobalSummarySubject, collidesWithSummary, findSubjectClashes, reservedHubIds } from '../model/nats-subjects.js';
import type { FederationConfig, NatsConfig } from './types.js';

// One subject token: no dots, no wildcards, no spaces (what NATS allows in a literal subject token, and no more).
const tokenPattern = /^[A-Za-z0-9_-]{1,64}$/;
const subjectToken = z
  .string()
  .regex(tokenPattern, { error: 'a subject token is 1 to 64 of A-Z, a-z, 0-9, "_" and "-" (no dots, no wildcards)' });
const prefixPattern = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;

const server = z.string().refine((text) => /^(nats|tls|ws|wss):\/\/[^\s/]+$/.test(text) || /^[^\s/:]+(:[0-9]{1,5})?$/.test(text), {
  error: 'a server is nats://host:port (or host:port)',
});

/**
 * The hub id a supervisor takes when the config names none: the host's name,
 * its dots made dashes, so it is one subject token.
 *
 * @example
 * defaultHubId('web-1.example.com'); // 'web-1-example-com'
 */
export const defaultHubId = (host: string = hostname()): string => {
  const token = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return token === '' ? 'hale' : token;
};

/** The nats: section as written. */
export const natsShape = closedObject({
  servers: z.union([server, z.array(server).min(1)]).default(() => ['nats://127.0.0.1:4222']),
  // `token: ${NATS_TOKEN:-}` with the variable unset means no token.
  token: z.string().nullable().default(null),
  credentials: z.string().min(1).optional(),
  hubId: subjectToken.optional(),
  subjectPrefix: z
    .string()
    .regex(prefixPattern, { error: 'a subject prefix is dot-separated tokens of A-Z, a-z, 0-9, "_" and "-", e.g. hale or acme.hale' })
    .default('hale'),
  summaryInterval: durationField({ min: 100 }).default(10_000),
  maxPending: countField({ min: 1, max: 1_000_000 }).default(10_000),
  jetstream: closedObject({
    stream: subjectToken,
    maxAge: durationField({ min: 1_000 }).default(24 * 3_600_000),
    maxMessages: countField({ min: 1, max: 100_000_000 }).default(100_000),
  }).optional(),
});

export const federationShape = closedObject({
  enabled: z.boolean().default(false),
  staleAfter: durationField({ min: 100 }).optional(),
});

type Issue = { path: PropertyKey[]; message: string };

/**
 * Resolves the nats: and federation: sections: defaults, the credentials
 * file against the config's directory, and the checks that need both.
 *
 * @example
 * resolveNats({ servers: 'nats://127.0.0.1:4222', token: null, subjectPrefix: 'hale', … }, undefined, '/etc/hale');
 */
export const resolveNats = (
  raw: z.output<typeof natsShape> | undefined,
  federation: z.output<typeof federationShape> | undefined,
  baseDir: string,
  plugins: readonly string[] = [],
): { ok: true; nats: NatsConfig | null; federation: FederationConfig } | { ok: false; issues: Issue[] } => {
  const issues: Issue[] = [];
  if (raw === undefined) {
    if (federation?.enabled === true)
      issues.push({ path: ['federation', 'enabled'], message: 'federation needs a nats: section to hear other hubs over' });
    return issues.length > 0 ? { ok: false, issues } : { ok: true, nats: null, federation: { enabled: false, staleAfterMs: 30_000 } };
  }
  const credentials = raw.credentials === undefined ? null : resolve(baseDir, raw.credentials);
  if (credentials !== null && raw.token !== null && raw.token !== '') {
    issues.push({ path: ['nats', 'credentials'], message: 'give nats.token or nats.credentials, not both' });
  }
  if (credentials !== null && !existsSync(credentials)) {
    issues.push({ path: ['nats', 'credentials'], message: `no credentials file at ${credentials}` });
  }
  const hubId = raw.hubId ?? defaultHubId();
  if (reservedHubIds.includes(hubId)) {
    // Without nats.hubId the host's name is taken: the message says where the name came from.
    const global = buildGlobalSummarySubject(raw.subjectPrefix);
    issues.push({
      path: raw.hubId === undefined ? ['nats'] : ['nats', 'hubId'],
      message: `the hub id "${hubId}"${raw.hubId === undefined ? " (the host's name)" : ''} is reserved: ${global} carries every hub's summary; set nats.hubId to another name`,
    });
  }
  plugins.forEach((name, index) => {
    if (collidesWithSummary(name)) {
      issues.push({
        path: ['plugins', index, 'name'],
        message: `with nats: a plugin named "${name}" would publish its health on the hub's summary subject; rename it`,
      });
    }
  });
  for (const names of findSubjectClashes(plugins)) {
    issues.push({
      path: ['plugins', plugins.indexOf(names[1] ?? ''), 'name'],
      message: `with nats: ${names.map((n) => `"${n}"`).join(' and ')} would share one health subject (a dot becomes "_" in a subject); rename one`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  const auth: NatsConfig['auth'] =
    credentials !== null
      ? { kind: 'credentials', file: credentials }
      : raw.token !== null && raw.token !== ''
        ? { kind: 'token', token: raw.token }
        : { kind: 'none' };
  return {
    ok: true,
    nats: {
      servers: typeof raw.servers === 'string' ? [raw.servers] : raw.servers,
      auth,
      hubId,
      subjectPrefix: raw.subjectPrefix,
      summaryIntervalMs: raw.summaryInterval,
      maxPending: raw.maxPending,
      jetstream:
        raw.jetstream === undefined
          ? null
          : { stream: raw.jetstream.stream, maxAgeMs: raw.jetstream.maxAge, maxMessages: raw.jetstream.maxMessages },
    },
    federation: { enabled: federation?.enabled ?? false, staleAfterMs: federation?.staleAfter ?? raw.summaryInterval * 3 },
  };
};
