import type { PluginConfig } from '../config/types.js';
import { createPluginClient, type PluginAddress, type PluginClient } from '../grpc/plugin-client.js';
import type { Logger } from '../log.js';
import { pluginNameEnv, socketDirEnv } from '../protocol.js';
import { parseHandshakeLine } from './handshake.js';
import type { PluginInfo } from './health-report.js';
import { readLines } from './lines.js';
import type { PluginOutput } from './output.js';
import { describeExit, spawnPlugin, type PluginProcess } from './process.js';
import { createTail } from './tail.js';

/** Longest line of plugin output that is kept; the rest of such a line is dropped. */
export const maxLineLength = 16 * 1024;
/** How much of a plugin's stderr goes with a crash or a failed start. */
export const stderrTailBytes = 4 * 1024;
// What a plugin printed on stdout instead of a handshake, for the error that says so.
const earlyOutputBytes = 1024;

export interface LaunchOptions {
  config: PluginConfig;
  /** The plugin's private directory (0700) for its unix socket. */
  socketDir: string;
  /** Aborted when the start is no longer wanted (a stop or another restart). */
  signal: AbortSignal;
  log: Logger;
  /** Where the plugin's stdout and stderr lines go. */
  output: PluginOutput;
  /** Called as soon as the process exists, so a stop can reach it mid-start. */
  onSpawned: (process: PluginProcess) => void;
}

export interface Launched {
  process: PluginProcess;
  client: PluginClient;
  address: PluginAddress;
  info: PluginInfo | null;
  /** The last lines of stderr, for the report of a later crash. */
  stderrTail: () => string;
}

export type LaunchResult =
  | { ok: true; launched: Launched }
  | { ok: false; reason: string; process: PluginProcess | null };

type Waited<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Brings a plugin from nothing to a connected gRPC client: spawn, read the
 * handshake line (or wait for a fixed address), connect, ask its name — all
 * within startTimeout. Every way this can fail is a reason in words.
 *
 * @example
 * const result = await launchPlugin({ config, socketDir, signal, log, onSpawned: () => {} });
 * if (!result.ok) log.warn(result.reason);
 */
export const launchPlugin = async (options: LaunchOptions): Promise<LaunchResult> => {
  const { config, signal, log } = options;
  const deadline = Date.now() + config.startTimeout;
  const spawned = await spawnPlugin({
    command: config.command,
    args: config.args,
    cwd: config.cwd,
    env: pluginEnvironment(config, options.socketDir),
  });
  if (!spawned.ok) return { ok: false, reason: spawned.message, process: null };
  const child = spawned.process;
  options.onSpawned(child);

  const stderrTail = createTail(stderrTailBytes);
  readLines(child.stderr, { maxLength: maxLineLength }, (line, truncated) => {
    stderrTail.push(line);
    options.output.write('stderr', line, truncated);
  });
  const handshake = readHandshake(child, options.output, config.address === null);

  // Every wait below ends on whichever comes first: the awaited thing, the process exit, the deadline, or an abort.
  const wait = <T>(thing: Promise<Waited<T>>, phase: { exited: string; late: string }): Promise<Waited<T>> => {
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    return Promise.race([
      thing,
      child.exited.then((exit): Waited<T> => ({ ok: false, reason: `${describeExit(exit)} ${phase.exited}` })),
      new Promise<Waited<T>>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, reason: `${phase.late} within startTimeout (${config.startTimeout} ms)` }),
          Math.max(0, deadline - Date.now()),
        );
      }),
      new Promise<Waited<T>>((resolve) => {
        onAbort = () => resolve({ ok: false, reason: 'start cancelled' });
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  };
  const fail = (reason: string): LaunchResult => {
    const output = [
      ['stdout before the handshake', handshake.earlyOutput()],
      ['stderr', stderrTail.text()],
    ].filter(([, text]) => text !== '');
    const details = output.map(([name, text]) => `; ${name}: ${text}`).join('');
    return { ok: false, reason: `${reason}${details}`, process: child };
  };

  const address =
    config.address === null
      ? await wait(handshake.promise, { exited: 'before the handshake', late: 'no handshake line' })
      : ({ ok: true, value: parseFixedAddress(config.address) } as const);
  if (!address.ok) return fail(address.reason);

  const client = createPluginClient(address.value);
  const ready = await wait(
    client.waitReady(Math.max(0, deadline - Date.now())).then((r): Waited<void> =>
      r.ok ? { ok: true, value: undefined } : { ok: false, reason: `could not connect to ${client.target}: ${r.message}` },
    ),
    { exited: 'before the connection was up', late: `no connection to ${client.target}` },
  );
  if (!ready.ok) {
    client.close();
    return fail(ready.reason);
  }
  // GetInfo is part of the start: it may use what is left of startTimeout, up to a check's worth (at least 1 s).
  const info = await client.getInfo(Math.max(1, Math.min(Math.max(config.checkTimeout, 1_000), deadline - Date.now())));
  if (!info.ok) log.warn({ reason: info.message }, 'GetInfo failed; the plugin runs without a name and version');
  return {
    ok: true,
    launched: {
      process: child,
      client,
      address: address.value,
      info: info.ok ? info.value : null,
      stderrTail: () => stderrTail.text(),
    },
  };
};

/** The supervisor's environment, the plugin's own, and the protocol's variables. */
export const pluginEnvironment = (config: PluginConfig, socketDir: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    ...config.env,
    [config.handshake.cookieKey]: config.handshake.cookieValue,
    [socketDirEnv]: socketDir,
    [pluginNameEnv]: config.name,
  };
};

const parseFixedAddress = (address: string): PluginAddress =>
  address.startsWith('unix:') ? { network: 'unix', address: address.slice('unix:'.length) } : { network: 'tcp', address };

/** Reads stdout: lines before the handshake are logs; after it, everything is. */
const readHandshake = (child: PluginProcess, output: PluginOutput, expected: boolean) => {
  let settle: (result: Waited<PluginAddress>) => void = () => {};
  const promise = new Promise<Waited<PluginAddress>>((resolve) => {
    settle = resolve;
  });
  let waiting = expected;
  const early = createTail(earlyOutputBytes);
  readLines(child.stdout, { maxLength: maxLineLength }, (line, truncated) => {
    if (waiting) early.push(line);
    if (waiting && !truncated) {
      const parsed = parseHandshakeLine(line);
      if (parsed.kind !== 'log') {
        waiting = false;
        settle(parsed.kind === 'handshake' ? { ok: true, value: parsed.handshake.address } : { ok: false, reason: parsed.message });
        if (parsed.kind === 'handshake') return;
      }
    }
    output.write('stdout', line, truncated);
  });
  return { promise, earlyOutput: () => (waiting ? early.text() : '') };
};
