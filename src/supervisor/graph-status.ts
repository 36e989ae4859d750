import type { PluginConfig } from '../config/types.js';
import type { DependencyWait, PluginStatus } from '../model/status.js';
import { describeWait } from './dependency-readiness.js';

/**
 * A runner's status with its place in the dependency graph, as the current
 * config says (a reload can change the graph of a plugin it does not
 * restart): `dependsOn`, `restartWith`, and, while its start is held, what
 * it waits for, said in its reason too. The fields are left out when empty.
 *
 * @example
 * withGraph(status, { dependsOn: ['db'], restartWith: [] }, [{ name: 'db', state: 'unknown' }]).reason; // 'waiting for db (unknown)'
 */
export const withGraph = (
  status: PluginStatus,
  plugin: Pick<PluginConfig, 'dependsOn' | 'restartWith'> | undefined,
  waitingFor: DependencyWait[] | undefined,
): PluginStatus => {
  if (plugin === undefined || (plugin.dependsOn.length === 0 && waitingFor === undefined)) return status;
  const held = waitingFor !== undefined && status.state === 'stopped';
  return {
    ...status,
    ...(held ? { reason: describeWait(waitingFor), waitingFor: waitingFor.map((wait) => ({ ...wait })) } : {}),
    ...(plugin.dependsOn.length === 0 ? {} : { dependsOn: [...plugin.dependsOn] }),
    ...(plugin.restartWith.length === 0 ? {} : { restartWith: [...plugin.restartWith] }),
  };
};
