import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot } from '../../test/helpers/paths.js';
import { forgetPid, registerPid } from '../cleanup.js';

const run = promisify(execFile);

/** One autocannon run, summarized. */
export interface LoadResult {
  requests: number;
  /** Mean requests a second over the run. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
}

/**
 * GETs `url` from `connections` keep-alive connections for `seconds` with
 * autocannon, in a process of its own.
 *
 * @example
 * const { perSecond, p99Ms } = await loadUrl('http://127.0.0.1:8080/health', { connections: 10, seconds: 10 });
 */
export const loadUrl = async (url: string, { connections, seconds }: { connections: number; seconds: number }): Promise<LoadResult> => {
  const worker = join(repoRoot, 'bench/http/load-worker.ts');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', worker, url, String(connections), String(seconds)], {
    timeout: (seconds + 30) * 1_000,
  });
  return JSON.parse(stdout) as LoadResult;
};

/**
 * The baseline: a bare node:http server answering every request with `body`
 * and `headers`, the same bytes hale's /health sent. Ends with `stop()` (or with the bench).
 *
 * @example
 * const bare = await startBareServer(body);
 * await loadUrl(bare.url, { connections: 10, seconds: 10 });
 * await bare.stop();
 */
export const startBareServer = async (
  body: string,
  headers: Record<string, string> = {},
): Promise<{ url: string; stop: () => Promise<void> }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/http/bare-server.ts')], {
    env: { ...process.env, BENCH_BODY: body, BENCH_HEADERS: JSON.stringify(headers) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = registerPid(child.pid ?? 0);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return {
    url: `http://127.0.0.1:${Number(first.value)}/health`,
    stop: async () => {
      child.stdin.end();
      await exited;
      forgetPid(pid);
    },
  };
};
