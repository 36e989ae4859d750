import { readToken } from './token-store.js';

/** What a request came back with; a refused or failed request is a value, never an exception. */
export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; code: string; message: string };

const readError = async (response: Response): Promise<{ code: string; message: string }> => {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return { code: body.error?.code ?? 'http_error', message: body.error?.message ?? response.statusText };
  } catch {
    return { code: 'http_error', message: `${response.status} ${response.statusText}` };
  }
};

/** The Authorization header for the token kept this session, if any. */
export const authHeaders = (): Record<string, string> => {
  const token = readToken();
  return token === null ? {} : { Authorization: `Bearer ${token}` };
};

/**
 * Sends one request to the supervisor that served the page.
 * `usable` lists the statuses whose body is the answer (a 503 /health is).
 *
 * @example
 * const answer = await request<HealthBody>('/health', { usable: [200, 503] });
 * if (answer.ok) render(answer.body);
 */
export const request = async <T>(
  path: string,
  options: { method?: 'GET' | 'POST'; usable?: readonly number[] } = {},
): Promise<Answer<T>> => {
  const usable = options.usable ?? [200, 202];
  try {
    const response = await fetch(path, { method: options.method ?? 'GET', headers: authHeaders(), cache: 'no-store' });
    if (usable.includes(response.status)) return { ok: true, status: response.status, body: (await response.json()) as T };
    return { ok: false, status: response.status, ...(await readError(response)) };
  } catch (error) {
    return { ok: false, status: 0, code: 'unreachable', message: `the supervisor did not answer (${String(error)})` };
  }
};
