import { basename, isAbsolute } from 'node:path';
import { diffConfigs } from '../config/diff.js';
import { formatConfigIssue } from '../config/issues.js';
import { loadConfigOffThread } from '../config/load-off-thread.js';
import type { PluginConfig, SupervisorConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { ReloadResult } from './reload-result.js';
import type { PluginRunner } from './runner.js';

/** The parts of a running supervisor a reload changes. */
export interface ReloadTarget {
  current(): SupervisorConfig;
  /** In config order; a reload rebuilds it in the new config's order. */
  runners: Map<string, PluginRunner>;
  /** A runner for `plugin`; for a changed plugin, `replaces` is the runner of its old config (already retired). */
  createRunner(plugin: PluginConfig, replaces?: PluginRunner): PluginRunner;
  /** Forgets the hand-made stops of plugins no longer in the config. */
  forget(names: string[]): Promise<void>;
  applied(config: SupervisorConfig): void;
  events: EventBus<SupervisorEvent>;
}

const readAgain = async (source: string): Promise<{ ok: true; config: SupervisorConfig } | Extract<ReloadResult, { ok: false }>> => {
  if (!isAbsolute(source)) {
    return {
      ok: false,
      code: 'reload_unavailable',
      message: `the config came from ${source}, not a file; there is nothing to read again`,
      issues: [],
    };
  }
  const loaded = await loadConfigOffThread(source);
  if (loaded.ok) return loaded;
  return {
    ok: false,
    code: 'invalid_config',
    // The answer goes to API clients: the file by its name, not by where it sits on this machine.
    message: `${basename(source)} is not valid; nothing was changed`,
    issues: loaded.issues.map((issue) => formatConfigIssue({ ...issue, file: basename(issue.file) })),
  };
};

/**
 * Applies a new config: removed plugins stop, changed ones stop and start
 * again with their new config, added ones start, and unchanged ones are not
 * touched (same process, same pid). An invalid file changes nothing.
 *
 * @example
 * const result = await applyReload(target, { reason: 'SIGHUP', log });
 * if (!result.ok) log.error(result.issues.join('\n'));
 */
export const applyReload = async (
  target: ReloadTarget,
  request: { reason: string; config?: SupervisorConfig | undefined; log: Logger },
): Promise<ReloadResult> => {
  const before = target.current();
  const read = request.config === undefined ? await readAgain(before.source) : { ok: true as const, config: request.config };
  if (!read.ok) {
    request.log.error({ issues: read.issues, reason: request.reason, config: before.source }, `reload refused: ${read.message}`);
    return read;
  }
  const diff = diffConfigs(before, read.config);
  const { runners } = target;
  const leaving = [...diff.removed, ...diff.changed.map((plugin) => plugin.name)];
  // Retired at once, before any wait: from here on a leaving runner spawns nothing and takes no request
  // (a request waits for this reload and goes to the new runner), so no process of it can hide.
  const retired = leaving.flatMap(
    (name) => runners.get(name)?.retire(diff.removed.includes(name) ? 'removed from the config' : 'its config changed') ?? [],
  );
  // Until their processes are gone the old runners stay listed, with what is still stopping.
  await Promise.all(retired);
  await target.forget(diff.removed);
  const kept = new Map(runners);
  runners.clear();
  for (const plugin of read.config.plugins) {
    const old = kept.get(plugin.name);
    const unchanged = diff.unchanged.includes(plugin.name);
    runners.set(plugin.name, unchanged && old !== undefined ? old : target.createRunner(plugin, old));
  }
  // Settings that need a restart keep their running values, so the next diff still reports them.
  target.applied({ ...read.config, api: before.api, grpc: before.grpc, log: before.log, stateDir: before.stateDir });
  const lists = {
    added: diff.added.map((plugin) => plugin.name),
    removed: diff.removed,
    changed: diff.changed.map((plugin) => plugin.name),
    unchanged: diff.unchanged,
    ignored: diff.ignored,
  };
  target.events.publish({ type: 'reloaded', ...lists, at: Date.now() });
  return { ok: true, ...lists };
};
