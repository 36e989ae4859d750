import type { PluginConfig } from '../config/types.js';
import type { LifecycleEvent, LifecyclePolicy } from '../lifecycle/state.js';
import type { ControlAction } from '../model/operation.js';

/**
 * The lifecycle event a request by hand is.
 *
 * @example
 * toRequestEvent('restart', 'asked by ops'); // { type: 'restartRequested', reason: 'asked by ops' }
 */
export const toRequestEvent = (action: ControlAction, reason: string): LifecycleEvent => {
  switch (action) {
    case 'restart':
      return { type: 'restartRequested', reason };
    case 'stop':
      return { type: 'stopRequested', reason };
    case 'start':
      return { type: 'startRequested', reason };
  }
};

/**
 * The lifecycle's policy, as a plugin's config sets it.
 *
 * @example
 * toLifecyclePolicy(config).failureThreshold; // 3
 */
export const toLifecyclePolicy = (config: PluginConfig): LifecyclePolicy => ({
  failureThreshold: config.failureThreshold,
  successThreshold: config.successThreshold,
  maxRestarts: config.maxRestarts,
  restartBackoff: config.restartBackoff,
  maxRestartBackoff: config.maxRestartBackoff,
  resetAfter: config.resetAfter,
  noRestartExitCodes: config.noRestartExitCodes,
  restart: config.restart,
  backoff: config.backoff,
});
