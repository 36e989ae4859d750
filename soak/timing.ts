/**
 * hale's policy for every soak plugin. Short, so a fault is found and mended
 * within a second; maxRestarts never reached, so no plugin ends up failed.
 */
export const soakPolicy = {
  checkInterval: 200,
  // Not 200 ms: on 2 cores, with node processes starting all the time, a healthy answer can take 150 ms.
  checkTimeout: 400,
  failureThreshold: 2,
  successThreshold: 1,
  startInterval: 50,
  // 20 node processes starting at once on 2 cores take up to ~10 s; the soak does not test handshake timeouts.
  startTimeout: 20_000,
  restartBackoff: 50,
  maxRestartBackoff: 200,
  // Half for the Shutdown RPC, half for SIGTERM; a SIGSTOPped plugin hears neither and is SIGKILLed after it.
  stopTimeout: 400,
  resetAfter: 5_000,
  maxRestarts: 1_000_000,
  degradedLatency: 100,
} as const;

/** The longest a plugin that stops answering stays unnoticed: failureThreshold checks, the last one timing out. */
export const detectionBoundMs = soakPolicy.failureThreshold * soakPolicy.checkInterval + soakPolicy.checkTimeout;

/**
 * The faults' own numbers, each chosen against soakPolicy with a clear margin.
 *
 * A short SIGSTOP of 40 ms delays at most the one check in flight, by at most
 * 40 ms: answered about 40 ms late against a checkTimeout of 400 ms, it passes
 * (perhaps as degraded, which is no restart). Even a check that timed out
 * would not restart the plugin: that takes failureThreshold (2) failures in a
 * row, so a pause longer than checkInterval + checkTimeout (600 ms). The pause
 * is sent as two API calls, so the soak measures it from the SIGSTOP request
 * to the SIGCONT answer (an upper bound); only a window up to
 * shortStopCertainMs (100 ms under checkTimeout) counts as "0 restarts
 * certain", a longer one is allowed 0 or 1 and counted as long in the report.
 *
 * Slow answers (SIGUSR2) come after 220 ms: 120 ms over degradedLatency (100),
 * so every check in the spell is degraded, and 180 ms under checkTimeout
 * (400), so none fails even when the machine adds the 150 ms it can add.
 */
export const faultTiming = {
  shortStopMs: 40,
  shortStopCertainMs: soakPolicy.checkTimeout - 100,
  slowAnswerMs: 220,
  slowForMs: 1_500,
  /** After a fault that must not restart, how long the plugin must stay quiet before it counts as settled. */
  quietMs: detectionBoundMs + 400,
  /** A plugin not healthy again this long after its fault is a violation (and gets no more faults). */
  settleTimeoutMs: 15_000,
  /** Each plugin waits a random time in this range (ms) before its next fault. */
  gapMs: [300, 2_500] as const,
} as const;
