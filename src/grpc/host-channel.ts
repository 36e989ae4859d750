import * as grpc from '@grpc/grpc-js';

/** A gRPC channel to one generation of a plugin, for the program that hosts hale. */
export interface PluginChannel {
  readonly plugin: string;
  /** The process generation it reaches; after a restart, ask for the channel again. */
  readonly generation: number;
  /** A grpc-js target: `unix:/…` or `host:port`. */
  readonly target: string;
  /** Give it to a grpc-js client as `{ channelOverride: channel }`. */
  readonly channel: grpc.Channel;
}

/**
 * Opens a channel to `target` for a host program's own clients of a
 * plugin's services (not hale's checks, which have their own).
 *
 * @example
 * const { channel } = openPluginChannel('greeter', 3, 'unix:/tmp/hale-x/greeter/greeter-42.sock');
 * const client = new GreeterClient(target, grpc.credentials.createInsecure(), { channelOverride: channel });
 */
export const openPluginChannel = (plugin: string, generation: number, target: string): PluginChannel => ({
  plugin,
  generation,
  target,
  channel: new grpc.Channel(target, grpc.credentials.createInsecure(), { 'grpc.enable_channelz': 0 }),
});

/** Closes a channel; calls still made on it fail at once. */
export const closePluginChannel = (channel: PluginChannel): void => channel.channel.close();
