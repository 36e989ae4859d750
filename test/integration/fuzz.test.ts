import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive } from '../helpers/alive.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

const token = 'fuzz-token-never-sent';
const secret = 'sup3r-s3cret-v4lue-42';

let dir: string;
let hale: HaleProcess;
let url: string;
beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-fuzz-'));
  const file = join(dir, 'supervisor.yaml');
  writeFileSync(
    file,
    [
      `api: { host: 127.0.0.1, port: 0, token: ${token}, rateLimit: { perClient: 10 } }`,
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, 'state')}`,
      'defaults: { checkInterval: 500ms, startInterval: 50ms, successThreshold: 1 }',
      'plugins:',
      `  - { name: greeter, command: node, args: [${greeterMain}], env: { SECRET_VALUE: "${secret}" } }`,
      `  - { name: other, command: node, args: [${greeterMain}] }`,
      '',
    ].join('\n'),
  );
  hale = startHale(['run', '-c', file]);
  url = String((await hale.line((l) => typeof l.api === 'string')).api);
  const healthy = (name: string) => (l: LogLine) => l.event === 'transition' && l.plugin === name && l.to === 'healthy';
  await Promise.all([hale.line(healthy('greeter')), hale.line(healthy('other'))]);
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

type Plugin = { name: string; pid: number; state: string; restartCount: number };
const readPlugins = async (): Promise<Plugin[]> => {
  const response = await fetch(`${url}/plugins/status`);
  return ((await response.json()) as { plugins: Plugin[] }).plugins.map(({ name, pid, state, restartCount }) => ({
    name,
    pid,
    state,
    restartCount,
  }));
};

interface Shot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request as it is, however odd; the status and (up to 64 KiB of) the body. A stream is cut after its first bytes. */
const send = (shot: Shot): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      // A fresh connection each: a server may close one it answered 413 on, and a reused one would race that.
      {
        host: target.hostname,
        port: target.port,
        method: shot.method,
        path: shot.path,
        headers: shot.headers,
        timeout: 10_000,
        agent: false,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 65_536) text += chunk;
          if (String(response.headers['content-type']).startsWith('text/event-stream')) response.destroy();
        });
        response.on('close', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s to ${shot.method} ${shot.path.slice(0, 100)}`)));
    req.on('error', reject);
    req.end(shot.body === '' ? undefined : shot.body);
  });

const known = [
  '/health',
  '/health/liveness',
  '/health/readiness',
  '/health/greeter',
  '/plugins/status',
  '/plugins/health',
  '/plugins/restart',
  '/plugins/greeter/restart',
  '/plugins/greeter/stop',
  '/plugins/greeter/start',
  '/plugins/greeter/signal',
  '/plugins/greeter/logs',
  '/plugins/greeter/history',
  '/plugins/other/stop',
  '/operations/x',
  '/config/reload',
  '/events',
  '/metrics',
  '/',
];
const segment = fc.oneof(
  fc.string({ maxLength: 20 }).map((text) => encodeURIComponent(text)),
  fc.constantFrom('..', '.', '%00', '%2e%2e', '%ff', 'greeter', 'GREETER', 'a'.repeat(300), '%', '%zz', ';', ':', '@'),
);
const path = fc.oneof(
  fc.constantFrom(...known),
  fc.tuple(fc.constantFrom(...known), fc.array(segment, { maxLength: 4 })).map(([base, rest]) => [base, ...rest].join('/')),
  fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
  fc.constant(`/${'x'.repeat(6_000)}`),
);
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('greeter', 'SIGKILL', 'kill', '0', '-1', '99999999999', 'transition', '1e3', ''),
);
const query = fc
  .array(fc.tuple(fc.constantFrom('plugin', 'signal', 'tail', 'limit', 'types', 'checks', 'lastEventId', 'x', ''), queryValue), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
const headerValue = fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\t\x20-\x7e]/g, ''));
const headers = fc.record(
  {
    authorization: fc.oneof(
      headerValue,
      headerValue.map((t) => `Bearer ${t}`),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${token}x`, `bearer ${token.toUpperCase()}`),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
    ),
    'last-event-id': fc.oneof(headerValue, fc.constantFrom('0', '1', '-5', '99999999999999999999')),
    origin: fc.constantFrom('https://evil.example', 'null'),
    accept: fc.constantFrom('*/*', 'text/event-stream', 'application/json'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('{"plugin":', '{"plugin":"greeter"}', '{"plugin":"../../etc"}', 'plugin=greeter', '[]', 'null', '\u0000\u0001'),
  fc.integer({ min: 17_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const anything = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO'),
  path: fc.tuple(path, query).map(([p, q]) => p + q),
  headers,
  body,
});
// The routes that change state, asked the way they take it, so the guard is what answers.
const management = fc.record({
  method: fc.constant('POST'),
  path: fc
    .tuple(
      fc.constantFrom(
        '/plugins/greeter/restart',
        '/plugins/greeter/stop',
        '/plugins/other/start',
        '/plugins/greeter/signal',
        '/plugins/restart',
        '/config/reload',
      ),
      query,
    )
    .map(([p, q]) => p + q),
  headers,
  body: fc.oneof(fc.constant(''), fc.json({ maxDepth: 2 }), fc.constantFrom('{"plugin":"greeter"}', 'plugin=other', '{"plugin":')),
});
const shot = fc.oneof({ arbitrary: anything, weight: 3 }, { arbitrary: management, weight: 2 });

describe('every route under fuzzing', () => {
  test('answers 2xx, 4xx or 405 (never 5xx), stays up, changes nothing without the token, and never says a secret', async () => {
    const before = await readPlugins();
    const seen = new Map<number, number>();
    const leaks: string[] = [];
    const outcome = await fc.check(
      fc.asyncProperty(shot, async (one) => {
        const sent: Shot = {
          ...one,
          headers: {
            ...one.headers,
            ...(one.method === 'GET' || one.method === 'HEAD' ? {} : { 'content-length': String(Buffer.byteLength(one.body)) }),
          },
        };
        if (one.method === 'GET' || one.method === 'HEAD') sent.body = '';
        const answer = await send(sent).catch((error: NodeJS.ErrnoException) => {
          // node's HTTP parser answers a method it does not know with 400 and closes at once: a client still
          // sending a body may see the reset before the answer. Anything else is a failure.
          if (one.method === 'FOO' && ['ECONNRESET', 'EPIPE'].includes(error.code ?? '')) return { status: 400, text: '' };
          throw error;
        });
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
        if (answer.text.includes(secret)) leaks.push(`${one.method} ${one.path.slice(0, 120)}`);
        return answer.status >= 200 && answer.status < 500;
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261201), interruptAfterTimeLimit: 60_000, endOnFailure: true },
    );
    if (outcome.failed) {
      // The counterexample may hold a body of 300 KB: say what it was, not all of it.
      const [example] = (outcome.counterexample ?? []) as [Shot?];
      const summary =
        example === undefined
          ? 'none'
          : `${example.method} ${example.path.slice(0, 200)} headers ${JSON.stringify(example.headers)} body of ${example.body.length} chars`;
      throw new Error(
        `fuzzing found a failure (seed ${outcome.seed}): ${summary}: ${(outcome.errorInstance instanceof Error ? String(outcome.errorInstance) : 'a 5xx or a status under 200').slice(0, 500)}`,
      );
    }
    expect(leaks).toEqual([]);
    expect(alive(hale.child.pid ?? 0)).toBe(true);
    expect(await readPlugins()).toEqual(before);
    // The token was never sent, so no request got past the guard.
    const audit = hale.lines.filter((line) => line.audit === true);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.filter((line) => line.outcome === 'allowed')).toEqual([]);
    expect(hale.lines.filter((line) => JSON.stringify(line).includes(secret))).toEqual([]);
    expect(hale.stderr()).not.toContain(secret);
    // Enough of the space was reached to mean something: refusals, misses, wrong methods and answers.
    for (const status of [200, 401, 403, 404, 405, 413, 429]) expect(seen.get(status) ?? 0, `status ${status} seen`).toBeGreaterThan(0);
  }, 120_000);
});
