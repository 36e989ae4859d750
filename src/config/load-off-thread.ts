import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { formatDuration } from './duration.js';
import { loadConfig, type ConfigResult } from './load.js';

/** How long reading a config may take before it is given up: less than the API's default request timeout (10 s), so POST /config/reload answers the refusal itself. */
export const loadTimeoutMs = 8_000;

/** The heap a config may take to read; a 1 MiB config needs a fraction of it. */
const maxHeapMb = 256;

const workerFile = fileURLToPath(new URL('./load-worker.js', import.meta.url));

const failure = (file: string, message: string): ConfigResult => ({ ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] });

/**
 * loadConfig on a worker thread: parsing takes milliseconds per KiB, and a
 * running hale must keep answering health checks and the API while a reload
 * reads its file. Bounded in time and memory; every way it can fail is an
 * issue, never a throw. Run from the TypeScript sources (tests), where there
 * is no built worker, it reads on the calling thread.
 *
 * @example
 * const result = await loadConfigOffThread('/etc/hale/supervisor.yaml');
 * if (!result.ok) log.error({ issues: result.issues }, 'reload refused');
 */
export const loadConfigOffThread = (file: string, { timeoutMs = loadTimeoutMs }: { timeoutMs?: number } = {}): Promise<ConfigResult> => {
  if (!existsSync(workerFile)) return loadConfig(file);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(workerFile, {
        workerData: { file },
        resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
        // Whatever the reader might print stays out of hale's JSON log.
        stdout: true,
        stderr: true,
      });
    } catch (error) {
      resolve(failure(file, `hale could not read the config: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    let settled = false;
    const settle = (result: ConfigResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(failure(file, `reading the config took longer than ${formatDuration(timeoutMs)}; nothing was changed`)), timeoutMs);
    // Neither the worker nor its deadline keeps a stopping hale alive.
    timer.unref();
    worker.unref();
    worker.once('message', (result: ConfigResult) => settle(result));
    worker.once('error', (error: Error & { code?: string }) => {
      const why = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needed more than ${maxHeapMb} MiB of memory` : error.message;
      settle(failure(file, `hale could not read the config: ${why}`));
    });
    worker.once('exit', (code) => settle(failure(file, `hale could not read the config: its reader stopped (exit code ${code})`)));
  });
};
