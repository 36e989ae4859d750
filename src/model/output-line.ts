export type OutputStream = 'stdout' | 'stderr';

/** One line a plugin printed, as kept in its tail. */
export interface OutputLine {
  at: number;
  stream: OutputStream;
  line: string;
  /** The line was longer than the cap and was cut. */
  truncated: boolean;
}

/** Counts over the life of the supervisor. */
export interface OutputStats {
  lines: number;
  /** Lines not written to the supervisor's log (over the rate limit). */
  dropped: number;
  truncated: number;
}

/** A plugin's recent output, as GET /plugins/:name/logs answers it. */
export interface PluginLogs {
  plugin: string;
  lines: OutputLine[];
  stats: OutputStats;
}
