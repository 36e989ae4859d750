/** One process a peer manager (PM2, supervisord) runs for the bench: an equivalent node http server. */
export interface ManagedChild {
  name: string;
  pid: number;
  /** Where it answers GET / with 200. */
  url: string;
}

/**
 * PM2 or supervisord, installed and configured by the bench under a temp
 * dir of its own, running `count` copies of bench/fixtures/http-child.mjs.
 */
export interface PeerManager {
  readonly name: 'pm2' | 'supervisord';
  /** The temp dir it lives in (PM2_HOME, supervisord's config, socket and logs); its path marks the daemon's command line. */
  readonly dir: string;
  /** The manager's own long-lived process(es) (PM2's God daemon, supervisord), for RSS and CPU. */
  daemonPids(): number[];
  /**
   * Starts the manager itself and `count` children; resolves once every one
   * answers (time it to measure start-up). Once per manager.
   */
  start(count: number): Promise<void>;
  /** The children as they run now (pids change after a restart). */
  children(): Promise<ManagedChild[]>;
  /** Stops the manager and every child, by pid, and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}
