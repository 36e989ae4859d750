import type { LifecyclePolicy } from './state.js';

/** An end the plugin did not ask hale for: its process exited, its start failed, or its health checks failed. */
export type UnaskedEnd = { type: 'exited'; code: number | null } | { type: 'startFailed' } | { type: 'unhealthy' };

/** What follows such an end: an automatic restart, a rest in `stopped`, or `failed`. */
export type AfterEnd = 'restart' | 'stop' | 'fail';

/**
 * What `restart:` says to do after an end hale did not ask for, as systemd's
 * Restart= does (README, Restart policies). A clean exit is code 0 after the
 * handshake; a start that failed (an exit before the handshake, code 0 too),
 * a non-zero code, death by any signal (hale's own stops never get here) and
 * failed health checks are failures. `always` restarts every end, `on-failure`
 * every failure and rests on a clean exit, `never` rests on a clean exit and
 * fails on a failure. noRestartExitCodes is looked at before this.
 *
 * @example
 * afterEnd('on-failure', { type: 'exited', code: 0 }); // 'stop'
 * afterEnd('never', { type: 'unhealthy' }); // 'fail'
 */
export const afterEnd = (restart: LifecyclePolicy['restart'], end: UnaskedEnd): AfterEnd => {
  const clean = end.type === 'exited' && end.code === 0;
  switch (restart) {
    case 'always':
      return 'restart';
    case 'on-failure':
      return clean ? 'stop' : 'restart';
    case 'never':
      return clean ? 'stop' : 'fail';
  }
};
