import { closePluginChannel, openPluginChannel, type PluginChannel } from '../grpc/host-channel.js';
import type { PluginStatus } from '../model/status.js';

/** The gRPC channels the host program holds to its plugins' current processes. */
export interface PluginChannels {
  /** A channel to `name`'s current process; null while none serves. */
  channel(name: string): PluginChannel | null;
  /** Closes every channel, the replaced ones too. */
  closeAll(): void;
}

const staleChannelMs = 30_000;

/**
 * One channel per plugin, opened on first use and replaced when a new
 * generation serves; a replaced one is closed 30 s on, so calls already made
 * on it fail with UNAVAILABLE rather than throw.
 *
 * @example
 * const channels = createPluginChannels((name) => runners.get(name)?.status());
 * channels.channel('greeter'); // a PluginChannel, or null
 * channels.closeAll();
 */
export const createPluginChannels = (statusOf: (name: string) => PluginStatus | undefined): PluginChannels => {
  const channels = new Map<string, PluginChannel>();
  const retiring = new Map<NodeJS.Timeout, PluginChannel>();
  return {
    channel: (name) => {
      const status = statusOf(name);
      if (status === undefined || !status.connected || status.address === null) return null;
      const held = channels.get(name);
      if (held?.generation === status.generation) return held;
      if (held !== undefined) {
        // Late calls on it reach a process that is gone, and fail with UNAVAILABLE; closed later, they would throw.
        const timer = setTimeout(() => {
          retiring.delete(timer);
          closePluginChannel(held);
        }, staleChannelMs);
        timer.unref();
        retiring.set(timer, held);
      }
      const opened = openPluginChannel(name, status.generation, status.address);
      channels.set(name, opened);
      return opened;
    },
    closeAll: () => {
      for (const [timer, old] of retiring) {
        clearTimeout(timer);
        closePluginChannel(old);
      }
      retiring.clear();
      for (const held of channels.values()) closePluginChannel(held);
      channels.clear();
    },
  };
};
