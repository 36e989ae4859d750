import { setTimeout as delay } from 'node:timers/promises';
import type { LogLineBody, LogsBody, OutputEventBody } from '../api/bodies.js';
import type { ApiClient, ClientFailure } from '../client/api-client.js';
import { readSse } from '../client/sse-reader.js';
import { exitCodes, failWith } from './exit-codes.js';
import { resolveTarget, type TargetFlags } from './target.js';

// The fields of a line it prints: a line of GET /plugins/:name/logs and an `output` event both have them.
type LogLine = Pick<LogLineBody, 'at' | 'stream' | 'line'>;

export interface LogsFlags extends TargetFlags {
  tail?: number | undefined;
  follow?: boolean | undefined;
}

const print = (line: LogLine): void => void process.stdout.write(`${line.at} ${line.stream} ${line.line}\n`);
const keyOf = (line: LogLine): string => `${line.at}\0${line.stream}\0${line.line}`;

/** Waits between tries to reach hale again: from 250 ms, doubling, never more than 2 s. */
const firstRetryMs = 250;
const maxRetryMs = 2_000;
/** hale sends a heartbeat every 15 s: a stream silent for three of them is dead. */
const silenceMs = 45_000;
/** On reconnecting, as far back as the API's tail goes, for the lines printed while away. */
const catchUpTail = 1_000;

/**
 * The newest lines printed so far: output lines carry no id to resume from,
 * so on reconnecting a line of the tail is new when it is later than the
 * last one printed (or as late, and not printed).
 */
const createPrinted = () => {
  let lastAt = '';
  let atLast = new Set<string>();
  return {
    isNew: (line: LogLine): boolean => line.at > lastAt || (line.at === lastAt && !atLast.has(keyOf(line))),
    note: (line: LogLine): void => {
      if (line.at > lastAt) {
        lastAt = line.at;
        atLast = new Set();
      }
      if (line.at === lastAt) atLast.add(keyOf(line));
    },
  };
};

// Worth trying again while hale restarts: it is away, or answering while it starts or stops.
const isPassing = (failure: ClientFailure): boolean => failure.kind === 'unreachable' || failure.kind === 'refused';

type Connection = { ok: true; reason: string } | { ok: false; failure: ClientFailure };

/**
 * One connection's worth of following: opens the stream, prints the tail
 * (only what is new), then every line as it comes, until the stream ends.
 */
const followOnce = async (
  client: ApiClient,
  plugin: string,
  tail: number,
  printed: ReturnType<typeof createPrinted>,
  stop: AbortSignal,
  onConnected: () => void,
): Promise<Connection> => {
  const silent = new AbortController();
  const signal = AbortSignal.any([stop, silent.signal]);
  // The stream is opened first, so no line falls between the tail and the first one followed.
  const live = await client.open(`/events?types=output&plugin=${plugin}`, { Accept: 'text/event-stream' }, signal);
  if (!live.ok) return { ok: false, failure: live };
  const recent = await client.get<LogsBody>(`/plugins/${plugin}/logs?tail=${tail}`);
  if (!recent.ok) {
    silent.abort();
    return { ok: false, failure: recent };
  }
  onConnected();
  for (const line of recent.body.lines) {
    if (!printed.isNew(line)) continue;
    print(line);
    printed.note(line);
  }
  // A line logged between opening the stream and reading the tail is in both.
  const inTail = new Set(recent.body.lines.map(keyOf));
  let timer = setTimeout(() => silent.abort(), silenceMs);
  try {
    for await (const message of readSse(live.body.body as ReadableStream<Uint8Array>)) {
      clearTimeout(timer);
      timer = setTimeout(() => silent.abort(), silenceMs);
      if (message.event !== 'output') continue;
      const line = JSON.parse(message.data) as OutputEventBody;
      if (inTail.delete(keyOf(line))) continue;
      print(line);
      printed.note(line);
    }
    return { ok: true, reason: 'hale ended the stream' };
  } catch (error) {
    if (silent.signal.aborted && !stop.aborted) return { ok: true, reason: `nothing came for ${silenceMs / 1_000} s` };
    return { ok: true, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
};

/**
 * `hale logs NAME [--tail N] [--follow]`: the last N lines the plugin
 * printed, then (with --follow) every new one as it is logged, over
 * GET /events?types=output, until interrupted. When hale goes away (a
 * restart) the follower says so on stderr, tries again from 250 ms up to
 * every 2 s, says when it is back, and prints what was logged meanwhile
 * from the tail, with no line twice.
 *
 * @example
 * await logsCommand('greeter', { tail: 20, follow: true });
 */
export const logsCommand = async (name: string, flags: LogsFlags): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const plugin = encodeURIComponent(name);
  if (flags.follow !== true) {
    const recent = await client.get<LogsBody>(`/plugins/${plugin}/logs?tail=${flags.tail ?? 100}`);
    if (!recent.ok) return failWith(recent);
    for (const line of recent.body.lines) print(line);
    return exitCodes.ok;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const printed = createPrinted();
  let connectedOnce = false;
  let lostSince: number | null = null;
  let retryMs = firstRetryMs;
  const onConnected = () => {
    if (lostSince !== null)
      process.stderr.write(
        `hale: connected again to ${client.url} after ${((Date.now() - lostSince) / 1_000).toFixed(1)} s; following ${name}\n`,
      );
    connectedOnce = true;
    lostSince = null;
    retryMs = firstRetryMs;
  };
  try {
    while (!stop.signal.aborted) {
      const outcome = await followOnce(
        client,
        plugin,
        connectedOnce ? catchUpTail : (flags.tail ?? 100),
        printed,
        stop.signal,
        onConnected,
      );
      if (stop.signal.aborted) break;
      if (!outcome.ok) {
        // Before the first answer, or for an answer no retry changes (token, name), say why and end.
        if (!connectedOnce || !isPassing(outcome.failure)) return failWith(outcome.failure);
      } else if (lostSince === null) {
        lostSince = Date.now();
        process.stderr.write(`hale: lost the connection to ${client.url} (${outcome.reason}); trying again until interrupted\n`);
      }
      lostSince ??= Date.now();
      await delay(retryMs, undefined, { signal: stop.signal }).catch(() => undefined);
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCodes.ok;
};
