import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

export type ProbeResult = { ok: true; pid: number } | { ok: false; reason: string };

const readPid = (body: string): number | null => {
  try {
    const parsed: unknown = JSON.parse(body);
    const pid = typeof parsed === 'object' && parsed !== null && 'pid' in parsed ? parsed.pid : null;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
};

/**
 * One GET of an http-child, on a fresh connection: the pid that answered 200, or why none did.
 *
 * @example
 * await probeOnce('http://127.0.0.1:24817/'); // { ok: true, pid: 4242 }
 */
export const probeOnce = (url: string, timeoutMs = 1_000): Promise<ProbeResult> =>
  new Promise((resolve) => {
    // agent: false, so no pooled connection outlives a killed child and every probe is a new connect.
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', (error) => resolve({ ok: false, reason: error.message }));
      res.on('end', () => {
        const pid = readPid(body);
        if (res.statusCode !== 200) resolve({ ok: false, reason: `status ${String(res.statusCode)}` });
        else if (pid === null) resolve({ ok: false, reason: `no pid in ${JSON.stringify(body)}` });
        else resolve({ ok: true, pid });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, reason: error.code ?? error.message }));
    req.end();
  });

export interface WaitOptions {
  everyMs?: number;
  withinMs?: number;
  /** An answer from this pid does not count (the child that was just killed). */
  notPid?: number;
  /** Stops the polling early (the manager died, say). */
  signal?: AbortSignal;
}

export type WaitResult = { ok: true; pid: number; atMs: number } | { ok: false; reason: string };

/**
 * Polls `url` until it answers 200 from a pid other than `notPid`; `atMs` is
 * performance.now() at that answer. Polling, because nothing tells us when a
 * peer's child starts listening.
 *
 * @example
 * const back = await waitForAnswer(url, { notPid: killed, everyMs: 2, withinMs: 10_000 });
 */
export const waitForAnswer = async (
  url: string,
  { everyMs = 2, withinMs = 10_000, notPid, signal }: WaitOptions = {},
): Promise<WaitResult> => {
  const deadline = performance.now() + withinMs;
  const maxTries = Math.ceil(withinMs / Math.max(everyMs, 1)) + 1;
  let last = 'never probed';
  for (let tries = 0; tries < maxTries && performance.now() < deadline; tries++) {
    if (signal?.aborted === true) return { ok: false, reason: `stopped waiting for ${url}: ${String(signal.reason)}` };
    const result = await probeOnce(url, Math.max(1, Math.min(1_000, Math.round(deadline - performance.now()))));
    if (result.ok && result.pid !== notPid) return { ok: true, pid: result.pid, atMs: performance.now() };
    last = result.ok ? `still the old pid ${result.pid}` : result.reason;
    await delay(everyMs);
  }
  return { ok: false, reason: `${url} did not answer within ${Math.round(withinMs)} ms (last: ${last})` };
};

/**
 * Waits for every url to answer, one after another, so that waiting for 500
 * children costs one connection attempt at a time rather than 500 pollers
 * competing with the start-up being timed. `onAnswer` sees each pid as it answers.
 *
 * @example
 * const all = await waitForAllAnswers(children.map((c) => c.url), { withinMs: 60_000 }, registerPid);
 */
export const waitForAllAnswers = async (
  urls: string[],
  { everyMs = 5, withinMs = 60_000, signal }: Omit<WaitOptions, 'notPid'> = {},
  onAnswer: (pid: number) => void = () => {},
): Promise<{ ok: true; atMs: number } | { ok: false; reason: string }> => {
  const deadline = performance.now() + withinMs;
  let atMs = performance.now();
  for (const url of urls) {
    const answer = await waitForAnswer(url, { everyMs, withinMs: Math.max(1, deadline - performance.now()), signal });
    if (!answer.ok) return answer;
    onAnswer(answer.pid);
    atMs = answer.atMs;
  }
  return { ok: true, atMs };
};
