import { readSse } from '../client/sse-reader.js';
import { exitCodes, failWith } from './exit-codes.js';
import { resolveTarget, type TargetFlags } from './target.js';

interface LogLine {
  at: string;
  stream: string;
  line: string;
}

const print = (line: LogLine): void => void process.stdout.write(`${line.at} ${line.stream} ${line.line}\n`);

/**
 * `hale logs NAME [--tail N] [--follow]`: the last N lines the plugin
 * printed, then (with --follow) every new one as it is logged, over
 * GET /events?types=output, until interrupted or hale goes away.
 */
export const logsCommand = async (name: string, flags: TargetFlags & { tail?: number | undefined; follow?: boolean | undefined }): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const plugin = encodeURIComponent(name);
  // The stream is opened first, so no line falls between the tail and the first one followed.
  const abort = new AbortController();
  const live = flags.follow === true ? await client.open(`/events?types=output&plugin=${plugin}`, { Accept: 'text/event-stream' }, abort.signal) : null;
  if (live !== null && !live.ok) return failWith(live);
  const tail = await client.get<{ lines: LogLine[] }>(`/plugins/${plugin}/logs?tail=${flags.tail ?? 100}`);
  if (!tail.ok) {
    abort.abort();
    return failWith(tail);
  }
  for (const line of tail.body.lines) print(line);
  if (live === null) return exitCodes.ok;
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const shown = new Set(tail.body.lines.map((l) => `${l.at}\0${l.stream}\0${l.line}`));
  try {
    for await (const message of readSse(live.body.body as ReadableStream<Uint8Array>)) {
      if (message.event !== 'output') continue;
      const line = JSON.parse(message.data) as LogLine;
      // A line logged between opening the stream and reading the tail is in both.
      if (shown.delete(`${line.at}\0${line.stream}\0${line.line}`)) continue;
      print(line);
    }
  } catch (error) {
    if (!abort.signal.aborted) {
      process.stderr.write(`hale: the stream from ${client.url} ended: ${error instanceof Error ? error.message : String(error)}\n`);
      return exitCodes.unreachable;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return exitCodes.ok;
};
