import { performance } from 'node:perf_hooks';
import { waitForAnswer } from '../peers/probe.js';
import type { HaleBench } from './hale-bench.js';
import { isTransition, nextLine } from './log-lines.js';
import { readPluginPid } from './plugin-api.js';

/** One crash of the http child under hale, ms from the SIGKILL. */
export interface HttpCrashTrial {
  /** A new pid answered GET / (the peers' measure, with the peers' probe). */
  servingMs: number;
  /** hale declared the new process healthy (its log line, ms grain, Date clock). */
  healthyMs: number;
}

/**
 * SIGKILLs the http child `name` that hale runs as an ordinary server and
 * times, with the very probe section 1 uses for PM2 and supervisord (GET
 * every 2 ms on a fresh connection), until a new pid answers on `url`; then
 * waits for hale's healthy line, so the next trial starts from a healthy plugin.
 *
 * @example
 * const trial = await measureHttpCrash(bench, 'http-child', 'http://127.0.0.1:24817/'); // { servingMs: 95, healthyMs: 97 }
 */
export const measureHttpCrash = async (bench: HaleBench, name: string, url: string): Promise<HttpCrashTrial> => {
  const pid = await readPluginPid(bench.url, name);
  const healthy = nextLine(bench.hale, isTransition(name, 'healthy'));
  const killedAtDate = Date.now();
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  // Both at once, so that one that fails leaves the other not unhandled.
  const [back, line] = await Promise.all([waitForAnswer(url, { everyMs: 2, withinMs: 10_000, notPid: pid }), healthy]);
  if (!back.ok) throw new Error(`hale: ${name} was not restarted: ${back.reason}`);
  return { servingMs: back.atMs - killedAt, healthyMs: Date.parse(String(line.time)) - killedAtDate };
};
