// A real hale on a real NATS server, watched from outside: over its HTTP API and as a plain NATS client sees it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { startHale, type HaleProcess, type LogLine } from './hale-process.js';
import { flakyMain, greeterMain } from './paths.js';

export interface NatsHaleOptions {
  natsUrl: string;
  hubId: string;
  /** Keeps this hale's files apart from another of the same hub id in `dir`. */
  tag: string;
  /** Hear every hub, going stale after this long (`1500ms`); off when not given. */
  staleAfter?: string;
  /** Keep the hub's health in this JetStream stream. */
  stream?: string;
  /** The plugins it runs; both by default. */
  plugins?: ReadonlyArray<'greeter' | 'flaky'>;
  /** Entries of a `checks:` section, each a YAML flow mapping (`{ name: db, protocol: tcp, port: 5432 }`). */
  checks?: readonly string[];
}

const mains = { greeter: greeterMain, flaky: flakyMain } as const;

export interface NatsHale {
  hale: HaleProcess;
  hubId: string;
  /** The API's base URL, from the "listening on" line. */
  url: string;
  pid: number;
}

/** A transition log line of `plugin` into `to`. */
export const becomes = (plugin: string, to: string) => (line: LogLine) =>
  line.event === 'transition' && line.plugin === plugin && line.to === to;

/**
 * Writes a config for one hub (greeter and flaky by default, short timings, no gRPC
 * health, API on an ephemeral loopback port) into `dir`, starts hale on it,
 * and waits for its API and for both plugins to be healthy.
 *
 * @example
 * const a = await startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-a' });
 * await fetch(`${a.url}/health`);
 */
export const startNatsHale = async (dir: string, options: NatsHaleOptions): Promise<NatsHale> => {
  const plugins = options.plugins ?? ['greeter', 'flaky'];
  const home = join(dir, `${options.tag}-${options.hubId}`);
  mkdirSync(home, { recursive: true });
  const file = join(home, 'supervisor.yaml');
  const jetstream = options.stream === undefined ? '' : `, jetstream: { stream: ${options.stream} }`;
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { enabled: false }',
      `stateDir: ${join(home, 'state')}`,
      'defaults: { checkInterval: 200ms, startInterval: 100ms, successThreshold: 1, failureThreshold: 1, restartBackoff: 100ms }',
      'plugins:',
      ...plugins.map((name) => `  - { name: ${name}, command: node, args: [${mains[name]}] }`),
      ...(options.checks === undefined ? [] : ['checks:', ...options.checks.map((check) => `  - ${check}`)]),
      `nats: { servers: [${options.natsUrl}], hubId: ${options.hubId}, summaryInterval: 500ms${jetstream} }`,
      ...(options.staleAfter === undefined ? [] : [`federation: { enabled: true, staleAfter: ${options.staleAfter} }`]),
      '',
    ].join('\n'),
  );
  const hale = startHale(['run', '-c', file]);
  const url = String((await hale.line((l) => typeof l.api === 'string')).api);
  await Promise.all(plugins.map((name) => hale.line(becomes(name, 'healthy'))));
  return { hale, hubId: options.hubId, url, pid: hale.child.pid ?? -1 };
};

/**
 * Ends a hale as a service manager would (SIGTERM by pid), SIGKILL after 5 s;
 * resolves once it has exited.
 *
 * @example
 * await stopNatsHale(a);
 */
export const stopNatsHale = async ({ hale }: NatsHale): Promise<void> => {
  if (hale.child.exitCode !== null || hale.child.signalCode !== null) return;
  hale.child.kill('SIGTERM');
  const force = setTimeout(() => hale.child.kill('SIGKILL'), 5_000);
  await hale.exited;
  clearTimeout(force);
};

/** GET `url` as JSON (any status: /health answers 503 with a body too). */
export const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/**
 * Reads `read()` every `everyMs` until `accept` takes it; rejects after
 * `timeoutMs` with the last value read, so a failure shows what was there.
 *
 * @example
 * const body = await pollFor('hub-b stale', () => getJson<Hubs>(`${c.url}/federation/hubs`), (b) => b.hubs.some((h) => h.stale), 4_000);
 */
export const pollFor = async <T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (let round = 0; round < Math.ceil(timeoutMs / everyMs) + 1; round++) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; the last read:\n${JSON.stringify(last, null, 2)?.slice(0, 4_000)}`);
};

/** One message a plain subscriber heard, its body parsed. */
export interface Heard {
  subject: string;
  body: Record<string, unknown>;
  /** By this test's clock. */
  at: number;
}

export interface Hearing {
  heard: Heard[];
  /** Resolves with the first message (past or future) that matches, or rejects after `timeoutMs` with what was heard. */
  first(match: (message: Heard) => boolean, timeoutMs?: number): Promise<Heard>;
}

/**
 * Subscribes a plain client to `subject` and keeps everything it hears;
 * resolves once the server has the subscription.
 *
 * @example
 * const hub = await hearSubject(nc, 'hale.hub-a.>');
 * await hub.first((m) => m.subject === 'hale.hub-a.health.summary');
 */
export const hearSubject = async (nc: NatsConnection, subject: string): Promise<Hearing> => {
  const heard: Heard[] = [];
  const waiters: Array<{ match: (message: Heard) => boolean; resolve: (message: Heard) => void }> = [];
  nc.subscribe(subject, {
    callback: (error, message) => {
      if (error !== null) return;
      const entry: Heard = { subject: message.subject, body: message.json<Record<string, unknown>>(), at: Date.now() };
      heard.push(entry);
      for (const waiter of [...waiters]) {
        if (!waiter.match(entry)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    },
  });
  await nc.flush();
  return {
    heard,
    first: (match, timeoutMs = 10_000) => {
      const past = heard.find(match);
      if (past !== undefined) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (message: Heard) => (clearTimeout(timer), resolve(message)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const tail = heard
            .slice(-8)
            .map((m) => `${m.subject} ${JSON.stringify(m.body).slice(0, 300)}`)
            .join('\n  ');
          reject(new Error(`nothing matching on ${subject} within ${timeoutMs} ms (${heard.length} heard); the last:\n  ${tail}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
};

/** The value of one sample in Prometheus text (`name` alone, or `name{labels}`), or undefined. */
export const readSample = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};
