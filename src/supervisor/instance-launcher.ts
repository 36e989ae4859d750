import { mkdir } from 'node:fs/promises';
import type { PluginConfig, RunAsConfig } from '../config/types.js';
import { ownSocketDir } from './socket-owner.js';
import type { PluginClient } from '../grpc/plugin-client.js';
import { launchPlugin, type LaunchOptions, type LaunchResult } from '../plugin/launch.js';
import type { PluginProcess } from '../plugin/spawn-plugin.js';
import type { ProbeResult } from '../checks/probe-verdict.js';
import { stopPlugin, type StopOptions } from '../plugin/stop.js';
import type { StopStage } from '../model/events.js';
import { createPluginProbe, type ProbeTarget } from '../checks/create-probe.js';
import { createPluginWatch } from '../checks/create-watch.js';
import type { HealthWatch } from '../checks/health-feed.js';

/**
 * Everything a plugin instance does to the world: make its socket folder,
 * launch the process, check it, stop it. The real one spawns processes; unit
 * tests pass a fake one and drive the instance with a fake clock.
 *
 * @example
 * const instance = new PluginInstance(config, 1, { socketRoot, log, output, guard, launcher: processLauncher }, hooks);
 */
export interface InstanceLauncher {
  /** Makes the plugin's socket folder (0700), owned by the user it runs as when `runAs` says one. */
  makeSocketDir(path: string, runAs?: RunAsConfig | null): Promise<void>;
  launch(options: LaunchOptions): Promise<LaunchResult>;
  stop(process: PluginProcess, client: PluginClient | null, options: StopOptions): Promise<StopStage>;
  /** The plugin's health check against what its start connected to. */
  probe(config: PluginConfig, target: ProbeTarget, signal: AbortSignal): () => Promise<ProbeResult>;
  /** The plugin's pushed health stream, or null when its checks are polled. */
  watch(config: PluginConfig, target: ProbeTarget): HealthWatch | null;
}

/** The launcher that spawns real plugin processes. */
export const processLauncher: InstanceLauncher = {
  makeSocketDir: async (path, runAs) => {
    await mkdir(path, { recursive: true, mode: 0o700 });
    await ownSocketDir(path, runAs ?? null);
  },
  launch: launchPlugin,
  stop: stopPlugin,
  probe: createPluginProbe,
  watch: createPluginWatch,
};
