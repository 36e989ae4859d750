import { setTimeout as delay } from 'node:timers/promises';
import type { ControlBody, OperationBody, PluginsStatusBody, SignalBody } from '../api/bodies.js';
import type { ApiClient } from '../client/api-client.js';
import type { ControlAction } from '../model/operation.js';
import { exitCodes, failWith } from './exit-codes.js';
import { resolveTarget, type TargetFlags } from './target.js';

export interface ControlFlags extends TargetFlags {
  /** Return once the request is taken, not when it is done. */
  detach?: boolean | undefined;
  /** How long to wait for it to be done; 60 s by default. */
  timeoutMs?: number | undefined;
}

const pollMs = 200;

const controlOne = async (client: ApiClient, action: ControlAction, name: string, flags: ControlFlags): Promise<number> => {
  const asked = await client.post<ControlBody>(`/plugins/${encodeURIComponent(name)}/${action}`);
  if (!asked.ok) return failWith(asked);
  const { operation } = asked.body;
  process.stdout.write(`${name}: ${asked.body.message}${asked.body.coalesced ? ' (joined the one under way)' : ''}\n`);
  if (asked.status === 200 || flags.detach === true) return exitCodes.ok;
  const deadline = Date.now() + (flags.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    await delay(pollMs);
    const current = await client.get<OperationBody>(`/operations/${encodeURIComponent(operation.id)}`);
    if (!current.ok) return failWith(current);
    if (current.body.status === 'pending') continue;
    process.stdout.write(`${name}: ${action} ${current.body.status}: ${current.body.outcome ?? ''}\n`);
    return current.body.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
  }
  process.stderr.write(
    `hale: ${name}: the ${action} is still under way after ${Math.round((flags.timeoutMs ?? 60_000) / 1_000)} s (operation ${operation.id})\n`,
  );
  return exitCodes.failed;
};

/**
 * `hale restart|stop|start NAME`: asks, then (unless --detach) follows the
 * operation until it is done. Exit 0 when it succeeded (or there was nothing
 * to do), 1 when it failed or did not finish in time.
 */
export const controlCommand = async (action: ControlAction, name: string, flags: ControlFlags): Promise<number> =>
  controlOne(await resolveTarget(flags, process.env), action, name, flags);

/**
 * `hale restart|stop|start --all`: the action on every plugin, one after
 * another (each waited for, unless --detach), each reported as it ends.
 * Exit 0 when every one succeeded; otherwise the first failure's code.
 *
 * @example
 * await controlAllCommand('restart', { url: 'http://127.0.0.1:8080' }); // 0 when all serve again
 */
export const controlAllCommand = async (action: ControlAction, flags: ControlFlags): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const listed = await client.get<PluginsStatusBody>('/plugins/status');
  if (!listed.ok) return failWith(listed);
  const names = listed.body.plugins.map((plugin) => plugin.name);
  if (names.length === 0) {
    process.stdout.write(`no plugins to ${action}\n`);
    return exitCodes.ok;
  }
  let code: number = exitCodes.ok;
  for (const name of names) {
    const each = await controlOne(client, action, name, flags);
    // Nothing more can be done when hale cannot be reached or refuses the token.
    if (each === exitCodes.unreachable || each === exitCodes.unauthorized) return each;
    if (code === exitCodes.ok) code = each;
  }
  return code;
};

/** `hale signal NAME SIG`: sends a signal to the plugin's process group; 1 when nothing runs to get it. */
export const signalCommand = async (name: string, signal: string, flags: TargetFlags): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const sent = await client.post<SignalBody>(`/plugins/${encodeURIComponent(name)}/signal?signal=${encodeURIComponent(signal)}`);
  if (!sent.ok) return failWith(sent);
  process.stdout.write(`${name}: sent ${sent.body.signal} to process group ${sent.body.pid}\n`);
  return exitCodes.ok;
};
