import * as grpc from '@grpc/grpc-js';

/** HTTP/2 PINGs on a channel while a call is open: one every `timeMs`, each answered within `timeoutMs` or the connection is dropped. */
export interface KeepaliveOptions {
  timeMs: number;
  timeoutMs: number;
}

/**
 * grpc-js's channel options for `keepalive`: pings only while a call is open
 * (permit_without_calls 0), so an idle channel costs the peer nothing and
 * stays inside the ping policies servers enforce. None without `keepalive`.
 *
 * @example
 * toKeepaliveChannelOptions({ timeMs: 1_000, timeoutMs: 500 });
 * // { 'grpc.keepalive_time_ms': 1000, 'grpc.keepalive_timeout_ms': 500, 'grpc.keepalive_permit_without_calls': 0 }
 */
export const toKeepaliveChannelOptions = (keepalive: KeepaliveOptions | undefined): grpc.ChannelOptions =>
  keepalive === undefined
    ? {}
    : {
        'grpc.keepalive_time_ms': Math.max(1, Math.round(keepalive.timeMs)),
        'grpc.keepalive_timeout_ms': Math.max(1, Math.round(keepalive.timeoutMs)),
        'grpc.keepalive_permit_without_calls': 0,
      };

// grpc-js's words when the server's GOAWAY or RST_STREAM says ENHANCE_YOUR_CALM (subchannel-call.js), as a Go server's ping policy sends them.
const calmDetails = 'Bandwidth exhausted or memory limit exceeded';
// grpc-js's words when a connection goes, whether the peer closed it or a keepalive ping went unanswered.
const droppedDetails = 'Connection dropped';

/** What a stream's end says about keepalive: the peer refused our pings, the connection dropped (perhaps an unanswered ping), or nothing. */
export type KeepaliveEnd = 'too_many_pings' | 'dropped' | null;

/**
 * Reads a call's end for keepalive. grpc-js 1.14 ends a call with
 * UNAVAILABLE "Connection dropped" both when a ping goes unanswered and when
 * the peer closes the connection, so the two cannot be told apart here.
 *
 * @example
 * readKeepaliveEnd({ code: 8, details: 'Bandwidth exhausted or memory limit exceeded' }); // 'too_many_pings'
 */
export const readKeepaliveEnd = (status: Pick<grpc.StatusObject, 'code' | 'details'>): KeepaliveEnd => {
  if (status.code === grpc.status.RESOURCE_EXHAUSTED && status.details === calmDetails) return 'too_many_pings';
  if (status.code === grpc.status.UNAVAILABLE && status.details === droppedDetails) return 'dropped';
  return null;
};
