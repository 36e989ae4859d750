import type { PluginConfig } from '../config/types.js';
import { createPluginClient, type PluginAddress, type PluginClient } from '../grpc/plugin-client.js';
import type { Logger } from '../log.js';
import { pluginNameEnv, socketDirEnv } from '../protocol.js';
import { settleUnlessAborted } from '../util/settle.js';
import { parseHandshakeLine } from './handshake.js';
import { awaitOwnAddress } from './socket-owner.js';
import type { CheckRecord } from '../model/check-record.js';
import type { PluginInfo } from '../model/health-report.js';
import { readLines } from './lines.js';
import type { PluginOutput } from './output.js';
import type { SpawnContainment } from '../containment/contain-plugin.js';
import { describeExit } from '../process/run-process.js';
import { spawnPlugin, type PluginProcess } from './spawn-plugin.js';
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
  /** The plugin's mark and cgroup (ProcessGuard.contain); none when not given. */
  containment?: SpawnContainment | null;
  /** Called as soon as the process exists, so a stop can reach it mid-start. */
  onSpawned: (process: PluginProcess) => void;
  /**
   * For a plugin with `handshake: none` and no address: one health check, asked
   * every startInterval until one passes (the server is up) or startTimeout ends.
   */
  probe?: () => Promise<CheckRecord>;
}

export interface Launched {
  process: PluginProcess;
  /** null for an ordinary server (`handshake: none`, no address): nothing of hale's to talk to. */
  client: PluginClient | null;
  address: PluginAddress | null;
  info: PluginInfo | null;
  /** The last lines of stderr, for the report of a later crash. */
  stderrTail: () => string;
}

export type LaunchResult = { ok: true; launched: Launched } | { ok: false; reason: string; process: PluginProcess | null };

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
  const spawned = await spawnPlugin({
    command: config.command,
    args: config.args,
    cwd: config.cwd,
    env: pluginEnvironment(config, options.socketDir),
    containment: options.containment ?? null,
    runAs: config.runAs,
    signal,
  });
  if (!spawned.ok) return { ok: false, reason: spawned.message, process: null };
  // startTimeout is spawn → connected (README): the wait for its turn to spawn, behind hundreds of others, is not the plugin's.
  const deadline = Date.now() + config.startTimeout;
  const child = spawned.process;
  options.onSpawned(child);

  const stderrTail = createTail(stderrTailBytes);
  readLines(child.stderr, { maxLength: maxLineLength }, (line, truncated) => {
    stderrTail.push(line);
    options.output.write('stderr', line, truncated, child.pid);
  });
  const handshake = readHandshake(
    child,
    options.output,
    config.address === null && config.handshake !== null,
    config.handshake?.protocolVersions ?? [],
  );

  // Every wait below ends on whichever comes first: the awaited thing, the process exit, the deadline, or an abort.
  const wait = <T>(thing: Promise<Waited<T>>, phase: { exited: string; late: string }): Promise<Waited<T>> => {
    const exited = child.exited.then((exit): Waited<T> => ({ ok: false, reason: `${describeExit(exit)} ${phase.exited}` }));
    const late = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
    return settleUnlessAborted(Promise.race([thing, exited]), AbortSignal.any([signal, late]), (): Waited<T> =>
      signal.aborted
        ? { ok: false, reason: 'start cancelled' }
        : { ok: false, reason: `${phase.late} within startTimeout (${config.startTimeout} ms)` },
    );
  };
  const fail = (reason: string): LaunchResult => {
    const output = [
      ['stdout before the handshake', handshake.earlyOutput()],
      ['stderr', stderrTail.text()],
    ].filter(([, text]) => text !== '');
    const details = output.map(([name, text]) => `; ${name}: ${text}`).join('');
    return { ok: false, reason: `${reason}${details}`, process: child };
  };

  if (config.address === null && config.handshake === null) {
    // An ordinary server: it has started once its own health check first passes.
    const up = await wait(awaitFirstPass(options.probe, config.startInterval, signal), {
      exited: 'before its health check passed',
      late: 'no passing health check',
    });
    if (!up.ok) return fail(up.reason);
    return { ok: true, launched: { process: child, client: null, address: null, info: null, stderrTail: () => stderrTail.text() } };
  }
  const address =
    config.address === null
      ? await wait(handshake.promise, { exited: 'before the handshake', late: 'no handshake line' })
      : ({ ok: true, value: parseFixedAddress(config.address) } as const);
  if (!address.ok) return fail(address.reason);
  // A handshake is the plugin's word only: hale connects where one of the plugin's own processes listens.
  const ownerQuery = {
    plugin: config.name,
    leader: child.pid,
    address: address.value,
    mark: options.containment?.mark ?? null,
    cgroup: options.containment?.cgroup ?? null,
  };
  const own =
    config.address === null
      ? await wait(awaitOwnAddress(ownerQuery, deadline, signal), {
          exited: 'before it listened where its handshake said',
          late: 'no listener of its own',
        })
      : ({ ok: true, value: { address: address.value, unchecked: null } } as const);
  if (!own.ok) return fail(own.reason);
  if (own.value.unchecked !== null) log.info(own.value.unchecked);

  // While its health stream is open, PINGs every checkInterval prove the connection (none while only polls run).
  const keepalive =
    config.health.protocol === 'plugin' && config.health.watch ? { timeMs: config.checkInterval, timeoutMs: config.checkTimeout } : null;
  const client = createPluginClient(own.value.address, keepalive === null ? {} : { keepalive });
  const ready = await wait(
    client
      .waitReady(Math.max(0, deadline - Date.now()))
      .then((r): Waited<void> =>
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
  if (!info.ok && info.status === 'UNIMPLEMENTED')
    log.info('the plugin has no GetInfo (not a hale plugin); it runs without a name and version');
  else if (!info.ok) log.warn({ reason: info.message }, 'GetInfo failed; the plugin runs without a name and version');
  return {
    ok: true,
    launched: {
      process: child,
      client,
      address: own.value.address,
      info: info.ok ? info.value : null,
      stderrTail: () => stderrTail.text(),
    },
  };
};

/**
 * The supervisor's environment, the plugin's own, and the protocol's
 * variables: hale's, and go-plugin's (the versions it may speak, the ports and
 * the socket dir it may listen in), so a go-plugin plugin runs as it is.
 */
export const pluginEnvironment = (config: PluginConfig, socketDir: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const { handshake } = config;
  return {
    ...env,
    ...config.env,
    ...(handshake === null
      ? {}
      : {
          [handshake.cookieKey]: handshake.cookieValue,
          PLUGIN_PROTOCOL_VERSIONS: handshake.protocolVersions.join(','),
          PLUGIN_MIN_PORT: String(handshake.minPort),
          PLUGIN_MAX_PORT: String(handshake.maxPort),
          PLUGIN_UNIX_SOCKET_DIR: socketDir,
        }),
    [socketDirEnv]: socketDir,
    [pluginNameEnv]: config.name,
  };
};

/** Asks `probe` every `interval` until one passes (or is degraded: it answers), or the abort. */
const awaitFirstPass = async (
  probe: (() => Promise<CheckRecord>) | undefined,
  interval: number,
  signal: AbortSignal,
): Promise<Waited<void>> => {
  if (probe === undefined) return { ok: false, reason: 'no health check to tell when it is up' };
  while (!signal.aborted) {
    const check = await probe();
    if (check.outcome !== 'fail') return { ok: true, value: undefined };
    // The start's deadline ends the wait; this loop only spaces the tries.
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  return { ok: false, reason: 'start cancelled' };
};

const parseFixedAddress = (address: string): PluginAddress =>
  address.startsWith('unix:') ? { network: 'unix', address: address.slice('unix:'.length) } : { network: 'tcp', address };

/**
 * A handshake line's address, or why the start fails: a line that does not
 * parse, or (as go-plugin's host refuses it) an app protocol version hale did
 * not offer.
 */
const judgeLine = (parsed: ReturnType<typeof parseHandshakeLine>, offered: readonly number[]): Waited<PluginAddress> => {
  if (parsed.kind === 'invalid') return { ok: false, reason: parsed.message };
  if (parsed.kind !== 'handshake') return { ok: false, reason: 'no handshake line' };
  const { appVersion, address } = parsed.handshake;
  if (offered.length > 0 && !offered.includes(appVersion)) {
    return {
      ok: false,
      reason: `the plugin speaks app protocol version ${appVersion}; hale offers ${offered.join(', ')} (handshake.protocolVersions)`,
    };
  }
  return { ok: true, value: address };
};

/** Reads stdout: lines before the handshake are logs; after it, everything is. */
const readHandshake = (child: PluginProcess, output: PluginOutput, expected: boolean, offered: readonly number[]) => {
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
        settle(judgeLine(parsed, offered));
        if (parsed.kind === 'handshake') return;
      }
    }
    output.write('stdout', line, truncated, child.pid);
  });
  return { promise, earlyOutput: () => (waiting ? early.text() : '') };
};
