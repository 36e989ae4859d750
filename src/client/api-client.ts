/** Why a request to a running hale came to nothing, each with an exit code of its own. */
export type ClientFailureKind = 'unreachable' | 'unauthorized' | 'not_found' | 'invalid' | 'refused';

export interface ClientFailure {
  ok: false;
  kind: ClientFailureKind;
  /** The HTTP status, when there was an answer. */
  status: number | null;
  message: string;
}

export type ClientResult<T> = { ok: true; status: number; body: T } | ClientFailure;

export interface ApiClientOptions {
  /** Where the API answers, e.g. http://127.0.0.1:8080. */
  url: string;
  token: string | null;
  /** Per request; 5 s by default. */
  timeoutMs?: number;
}

export interface ApiClient {
  readonly url: string;
  /** `ok` for 2xx, and for the statuses in `accept` (a health answer of 503 is an answer). */
  get<T>(path: string, accept?: readonly number[]): Promise<ClientResult<T>>;
  post<T>(path: string, accept?: readonly number[]): Promise<ClientResult<T>>;
  /** Opens a stream (GET /events); the caller reads and closes it. */
  open(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<ClientResult<Response>>;
}

const describeNetworkError = (url: string, error: unknown): string => {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  if ((error as Error | null)?.name === 'TimeoutError') return `no answer from ${url} in time`;
  if (cause?.code === 'ECONNREFUSED') return `nothing listens at ${url} (is hale running?)`;
  return `cannot reach ${url}: ${cause?.code ?? (error instanceof Error ? error.message : String(error))}`;
};

const kindOf = (status: number): ClientFailureKind =>
  status === 401 || status === 403 ? 'unauthorized' : status === 404 ? 'not_found' : status === 400 ? 'invalid' : 'refused';

const readError = async (response: Response): Promise<string> => {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not ours: say the status.
  }
  return `HTTP ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
};

/**
 * A client of a running hale's HTTP API, for the CLI: answers and failures
 * are values, each failure of a kind the CLI turns into its exit code.
 *
 * @example
 * const client = createApiClient({ url: 'http://127.0.0.1:8080', token: process.env.HALE_API_TOKEN ?? null });
 * const status = await client.get<{ plugins: unknown[] }>('/plugins/status');
 */
export const createApiClient = (options: ApiClientOptions): ApiClient => {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(options.token === null ? {} : { Authorization: `Bearer ${options.token}` }),
    ...extra,
  });
  const request = async <T>(method: 'GET' | 'POST', path: string, accept: readonly number[]): Promise<ClientResult<T>> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { method, headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      return { ok: false, kind: 'unreachable', status: null, message: describeNetworkError(base, error) };
    }
    if (!response.ok && !accept.includes(response.status)) {
      return { ok: false, kind: kindOf(response.status), status: response.status, message: await readError(response) };
    }
    try {
      return { ok: true, status: response.status, body: (await response.json()) as T };
    } catch {
      return { ok: false, kind: 'refused', status: response.status, message: `the answer from ${base}${path} is not JSON` };
    }
  };
  return {
    url: base,
    get: (path, accept = []) => request('GET', path, accept),
    post: (path, accept = []) => request('POST', path, accept),
    open: async (path, extra = {}, signal) => {
      try {
        const response = await fetch(`${base}${path}`, { headers: headers(extra), ...(signal === undefined ? {} : { signal }) });
        if (!response.ok) return { ok: false, kind: kindOf(response.status), status: response.status, message: await readError(response) };
        return { ok: true, status: response.status, body: response };
      } catch (error) {
        return { ok: false, kind: 'unreachable', status: null, message: describeNetworkError(base, error) };
      }
    },
  };
};
