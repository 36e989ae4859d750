/**
 * The constants of the plugin protocol, shared by the supervisor and the SDK.
 * A plugin that speaks this protocol needs nothing else from hale.
 */

/** The first field of the handshake line; bumped only on an incompatible change. */
export const coreProtocolVersion = 1;

/** The plugin protocol version a hale plugin announces (the second field). */
export const appProtocolVersion = 1;

/** The environment variable and value that tell a program a supervisor started it. */
export const defaultCookie = {
  key: 'HALE_PLUGIN_MAGIC_COOKIE',
  value: '7b1c0f5e-hale-plugin-v1',
} as const;

/** The private directory (mode 0700) where a plugin should create its unix socket. */
export const socketDirEnv = 'HALE_PLUGIN_SOCKET_DIR';

/** The plugin's name in the supervisor's config, for its own logs. */
export const pluginNameEnv = 'HALE_PLUGIN_NAME';

/**
 * Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL);
 * longer paths fail to bind, so the SDK falls back to TCP on loopback.
 */
export const maxUnixSocketPath = 107;
