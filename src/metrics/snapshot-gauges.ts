import { Gauge, type Registry } from 'prom-client';
import { pluginStates } from '../model/plugin-state.js';
import { isServing } from '../supervisor/overall.js';
import type { PluginStatus, SupervisorSnapshot } from '../model/status.js';
import { exitCodeOf } from './exit-code.js';

const secondsBetween = (fromMs: number, toMs: number): number => Math.max(0, toMs - fromMs) / 1000;

/** The gauges one plugin's status gives, by gauge; undefined leaves the gauge without a sample. */
const pluginGauges: ReadonlyArray<{ name: string; help: string; valueOf: (plugin: PluginStatus, now: number) => number | undefined }> = [
  {
    name: 'hale_plugin_up',
    help: '1 while the plugin is healthy or degraded (serving), else 0.',
    valueOf: (plugin) => (isServing(plugin.state) ? 1 : 0),
  },
  {
    name: 'hale_plugin_restart_backoff_seconds',
    help: 'Seconds until the pending automatic restart; 0 when none is pending.',
    valueOf: (plugin, now) => (plugin.nextRestartAt === null ? 0 : secondsBetween(now, plugin.nextRestartAt)),
  },
  {
    name: 'hale_plugin_last_exit_code',
    help: "The exit code of the plugin's last exit; 128 + the signal number when a signal ended it.",
    valueOf: (plugin) => (plugin.lastExit === null ? undefined : (exitCodeOf(plugin.lastExit) ?? undefined)),
  },
  {
    name: 'hale_plugin_uptime_seconds',
    help: 'Seconds since the current process of the plugin became ready; 0 when none runs.',
    valueOf: (plugin, now) => (plugin.startedAt === null ? 0 : secondsBetween(plugin.startedAt, now)),
  },
];

/**
 * The gauges read from the snapshot at scrape time: state, up, backoff, last
 * exit code and uptime. Each is rebuilt on every
 * scrape, so a plugin a reload removed has no sample left.
 *
 * @example
 * registerSnapshotGauges(registry, () => supervisor.snapshot());
 */
export const registerSnapshotGauges = (registry: Registry, read: () => SupervisorSnapshot): void => {
  new Gauge({
    name: 'hale_plugin_state',
    help: 'The lifecycle state of the plugin: 1 for its current state, 0 for the others.',
    labelNames: ['plugin', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const plugin of read().plugins) {
        for (const state of pluginStates) this.set({ plugin: plugin.name, state }, plugin.state === state ? 1 : 0);
      }
    },
  });

  for (const { name, help, valueOf } of pluginGauges) {
    new Gauge({
      name,
      help,
      labelNames: ['plugin'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const snapshot = read();
        for (const plugin of snapshot.plugins) {
          const value = valueOf(plugin, snapshot.now);
          if (value !== undefined) this.set({ plugin: plugin.name }, value);
        }
      },
    });
  }
};
