import { performance } from 'node:perf_hooks';

/** What the soak reads of one plugin in GET /plugins/status. */
export interface PluginRow {
  name: string;
  pid: number | null;
  state: string;
  restartCount: number;
  /** The current process generation (0 when hale does not say). */
  generation: number;
  /** Earlier generations still being stopped. */
  stopping: Array<{ pid: number; generation: number }>;
}

export type StatusRead = { ok: true; plugins: PluginRow[]; latencyMs: number } | { ok: false; message: string; latencyMs: number };

/** The signals the soak sends through POST /plugins/NAME/signal. */
export type SoakSignal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGUSR1' | 'SIGUSR2';

export type SignalSent = { ok: true; pid: number } | { ok: false; status: number; message: string };

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

type RawRow = Omit<PluginRow, 'generation' | 'stopping'> & { generation?: unknown; stopping?: unknown };

const isRow = (value: unknown): value is RawRow => {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    typeof row.name === 'string' &&
    typeof row.state === 'string' &&
    typeof row.restartCount === 'number' &&
    (row.pid === null || typeof row.pid === 'number')
  );
};

const isStopping = (value: unknown): value is { pid: number; generation: number } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { pid?: unknown }).pid === 'number' &&
  typeof (value as { generation?: unknown }).generation === 'number';

const toRow = (raw: RawRow): PluginRow => ({
  name: raw.name,
  pid: raw.pid,
  state: raw.state,
  restartCount: raw.restartCount,
  generation: typeof raw.generation === 'number' ? raw.generation : 0,
  stopping: Array.isArray(raw.stopping) ? raw.stopping.filter(isStopping).map(({ pid, generation }) => ({ pid, generation })) : [],
});

/**
 * GET /plugins/status, timed; any failure (refused, late, not JSON, wrong
 * shape) is a value that says what went wrong.
 *
 * @example
 * const read = await readStatus('http://127.0.0.1:8080', 2_000);
 * if (read.ok) read.plugins.filter((p) => p.state === 'healthy');
 */
export const readStatus = async (baseUrl: string, timeoutMs: number): Promise<StatusRead> => {
  const started = performance.now();
  const took = (): number => performance.now() - started;
  try {
    const response = await fetch(`${baseUrl}/plugins/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, message: `HTTP ${response.status}`, latencyMs: took() };
    }
    const body = (await response.json()) as { plugins?: unknown };
    const plugins = Array.isArray(body.plugins) ? body.plugins : [];
    if (!plugins.every(isRow)) return { ok: false, message: 'a plugin row lacks name, pid, state or restartCount', latencyMs: took() };
    return { ok: true, plugins: plugins.map(toRow), latencyMs: took() };
  } catch (error) {
    return { ok: false, message: describe(error), latencyMs: took() };
  }
};

/**
 * POST /plugins/NAME/signal?signal=SIG: 200 with the pid that got it, or the
 * status and error message (409 not_running, 404 unknown plugin, ...).
 *
 * @example
 * const sent = await sendSignal('http://127.0.0.1:8080', 'flaky-01', 'SIGKILL', 5_000);
 * if (sent.ok) seenPids.add(sent.pid);
 */
export const sendSignal = async (baseUrl: string, plugin: string, signal: SoakSignal, timeoutMs: number): Promise<SignalSent> => {
  const url = `${baseUrl}/plugins/${encodeURIComponent(plugin)}/signal?signal=${signal}`;
  try {
    const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: { pid?: unknown; error?: { code?: unknown; message?: unknown } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON: the text itself goes into the message below.
    }
    if (response.status === 200 && typeof body.pid === 'number') return { ok: true, pid: body.pid };
    const said = body.error === undefined ? text.slice(0, 200) : `${String(body.error.code)}: ${String(body.error.message)}`;
    return { ok: false, status: response.status, message: `${signal} to ${plugin}: HTTP ${response.status} ${said}` };
  } catch (error) {
    return { ok: false, status: 0, message: `${signal} to ${plugin}: ${describe(error)}` };
  }
};

/** What a POST came to: its status and, for an error, the code and message hale gave. */
export type PostAnswer = { ok: true; status: number } | { ok: false; status: number; message: string };

/**
 * POST to one of hale's management routes (no body): ok for 200 and 202.
 *
 * @example
 * const answer = await postRoute('http://127.0.0.1:8080', '/config/reload', 5_000);
 */
export const postRoute = async (baseUrl: string, path: string, timeoutMs: number): Promise<PostAnswer> => {
  try {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (response.status === 200 || response.status === 202) return { ok: true, status: response.status };
    return { ok: false, status: response.status, message: `POST ${path}: HTTP ${response.status} ${text.slice(0, 300)}` };
  } catch (error) {
    return { ok: false, status: 0, message: `POST ${path}: ${describe(error)}` };
  }
};
