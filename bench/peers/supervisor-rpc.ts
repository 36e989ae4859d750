import { request } from 'node:http';

/** One [program:x] as supervisord reports it over XML-RPC (supervisor.getAllProcessInfo). */
export interface SupervisorProcessInfo {
  name: string;
  /** 0 while the program does not run. */
  pid: number;
  statename: string;
}

export type ProcessInfoResult = { ok: true; processes: SupervisorProcessInfo[] } | { ok: false; reason: string };

const post = (socketPath: string, body: string, timeoutMs: number): Promise<{ ok: true; text: string } | { ok: false; reason: string }> =>
  new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path: '/RPC2',
        method: 'POST',
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', (error) => resolve({ ok: false, reason: error.message }));
        res.on('end', () =>
          resolve(res.statusCode === 200 ? { ok: true, text } : { ok: false, reason: `status ${String(res.statusCode)}` }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, reason: error.code ?? error.message }));
    req.end(body);
  });

// supervisord's answer is a flat array of flat structs, so each member can be read by name within its <struct>.
const member = (struct: string, name: string): string | undefined =>
  new RegExp(`<name>${name}</name>\\s*<value>\\s*<(?:string|int)>([^<]*)</(?:string|int)>`).exec(struct)?.[1];

/**
 * Asks a supervisord, over the unix socket of its [unix_http_server], for
 * every program's name, pid and state — what `supervisorctl status` shows,
 * without starting a python process.
 *
 * @example
 * const info = await readProcessInfo('/tmp/hale-supervisord-Ab12/supervisor.sock');
 * if (info.ok) console.log(info.processes); // [{ name: 'c0', pid: 4242, statename: 'RUNNING' }]
 */
export const readProcessInfo = async (socketPath: string, timeoutMs = 5_000): Promise<ProcessInfoResult> => {
  const call = '<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>';
  const answer = await post(socketPath, call, timeoutMs);
  if (!answer.ok) return answer;
  if (answer.text.includes('<fault>')) return { ok: false, reason: `XML-RPC fault: ${answer.text}` };
  const processes = answer.text
    .split('<struct>')
    .slice(1)
    .map((struct) => ({
      name: member(struct, 'name') ?? '',
      pid: Number(member(struct, 'pid') ?? 0),
      statename: member(struct, 'statename') ?? '',
    }));
  return { ok: true, processes };
};
