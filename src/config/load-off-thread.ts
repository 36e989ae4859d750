import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { formatDuration } from './duration.js';
import type { ConfigResult } from './load.js';

/** How long reading a config may take before it is given up: less than the API's default request timeout (10 s), so POST /config/reload answers the refusal itself. */
export const loadTimeoutMs = 8_000;

/** The heap a config may take to read; a 1 MiB config needs a fraction of it. */
const maxHeapMb = 256;

const workerFile = fileURLToPath(new URL('./load-worker.js', import.meta.url));

const failure = (file: string, message: string): ConfigResult => ({ ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] });

interface Reader {
  worker: Worker;
  /** Reads in flight, by id. */
  pending: Map<number, (result: ConfigResult) => void>;
  /** Ends the reader once no read has come for a while: its memory is not held between reloads far apart. */
  idle: NodeJS.Timeout | undefined;
}

/** How long a reader with nothing to do is kept for the next read (a burst of reloads shares one). */
const idleMs = 10_000;

let reader: Reader | null = null;
let nextId = 0;

/** Ends the reader and answers every read still waiting on it with `message`. */
const dropReader = (gone: Reader, message: string): void => {
  if (reader === gone) reader = null;
  clearTimeout(gone.idle);
  for (const [id, answer] of gone.pending) {
    gone.pending.delete(id);
    answer({ ok: false, issues: [{ file: '', line: 1, column: 1, path: '', message }] });
  }
  void gone.worker.terminate();
};

// One reader, started at a reload and kept while reloads follow: a new worker per reload costs far more (its modules load each time) than the read itself.
const startReader = (): Reader => {
  const worker = new Worker(workerFile, {
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    // Whatever the reader might print stays out of hale's JSON log.
    stdout: true,
    stderr: true,
  });
  const started: Reader = { worker, pending: new Map(), idle: undefined };
  // An idle reader never keeps a stopping hale alive.
  worker.unref();
  worker.on('message', ({ id, result }: { id: number; result: ConfigResult }) => {
    const answer = started.pending.get(id);
    started.pending.delete(id);
    answer?.(result);
  });
  worker.once('error', (error: Error & { code?: string }) => {
    const why = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needed more than ${maxHeapMb} MiB of memory` : error.message;
    dropReader(started, `hale could not read the config: ${why}`);
  });
  worker.once('exit', (code) => dropReader(started, `hale could not read the config: its reader stopped (exit code ${code})`));
  return started;
};

/**
 * loadConfig on a worker thread: parsing takes milliseconds per KiB, and a
 * running hale must keep answering health checks and the API while a reload
 * reads its file. Bounded in time and memory (a read past either ends the
 * worker; the next read starts another); every way it can fail is an issue,
 * never a throw. Run from the TypeScript sources (tests), where there is no
 * built worker, it reads on the calling thread.
 *
 * @example
 * const result = await loadConfigOffThread('/etc/hale/supervisor.yaml');
 * if (!result.ok) log.error({ issues: result.issues }, 'reload refused');
 */
export const loadConfigOffThread = (file: string, { timeoutMs = loadTimeoutMs }: { timeoutMs?: number } = {}): Promise<ConfigResult> => {
  // Imported here, not above: the running hale keeps zod and the YAML parser out of its memory (the worker has them).
  if (!existsSync(workerFile)) return import('./load.js').then(({ loadConfig }) => loadConfig(file));
  let used: Reader;
  try {
    used = reader ??= startReader();
  } catch (error) {
    return Promise.resolve(failure(file, `hale could not read the config: ${error instanceof Error ? error.message : String(error)}`));
  }
  const id = ++nextId;
  return new Promise<ConfigResult>((resolve) => {
    const timer = setTimeout(
      () => dropReader(used, `reading the config took longer than ${formatDuration(timeoutMs)}; nothing was changed`),
      timeoutMs,
    );
    timer.unref();
    used.pending.set(id, (result) => {
      clearTimeout(timer);
      // Issues made without a file (the reader's own failures) name the one asked for.
      resolve(result.ok ? result : { ok: false, issues: result.issues.map((issue) => (issue.file === '' ? { ...issue, file } : issue)) });
    });
    clearTimeout(used.idle);
    // Ref'd while a read is in flight, so the answer is waited for.
    used.worker.ref();
    used.worker.postMessage({ id, file });
  }).finally(() => {
    if (used.pending.size > 0 || reader !== used) return;
    used.worker.unref();
    used.idle = setTimeout(() => dropReader(used, 'the config reader was idle'), idleMs);
    used.idle.unref();
  });
};
