import type { PluginConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { DesiredStore } from '../state/desired-state.js';

/** Why a plugin stopped by hand stays stopped, for its state's reason. */
export const stoppedByHandReason = (at: string, reason: string): string =>
  `stopped by hand at ${at} (${reason}); kept stopped until started again`;

/**
 * Logs each plugin kept stopped because someone stopped it by hand before
 * this run: otherwise it is silently absent from the log.
 *
 * @example
 * logKeptStopped(config.plugins, desired, log);
 */
export const logKeptStopped = (plugins: readonly PluginConfig[], desired: DesiredStore, log: Logger): void => {
  for (const plugin of plugins) {
    const held = desired.stoppedByHand(plugin.name);
    if (held === undefined) continue;
    log.info(
      { plugin: plugin.name, event: 'keptStopped', stoppedAt: held.at, reason: held.reason },
      `${plugin.name}: kept stopped: it was stopped by hand at ${held.at} (${held.reason}); \`hale start ${plugin.name}\` starts it`,
    );
  }
};
