import type { ComponentHealth } from '../model/health-report.js';
import { recentCheckLimit } from '../model/status.js';
import type { CheckRecord } from '../model/check-record.js';
import type { ProbeResult } from './probe-verdict.js';

/**
 * What the checks of a plugin or a dependency have said: the last one, a
 * bounded window of recent ones, and a plugin's own words from its last answer.
 *
 * @example
 * const history = new CheckHistory();
 * history.record(await runProbeWithReport(spec, options));
 * history.lastCheck?.outcome;
 */
export class CheckHistory {
  lastCheck: CheckRecord | null = null;
  lastHealthyAt: number | null = null;
  message = '';
  components: ComponentHealth[] = [];
  private readonly recent: CheckRecord[] = [];

  record({ check, report }: ProbeResult): void {
    this.lastCheck = check;
    this.recent.push(check);
    if (this.recent.length > recentCheckLimit) this.recent.shift();
    if (check.outcome !== 'fail') this.lastHealthyAt = check.at;
    if (report !== null) {
      this.message = report.message;
      this.components = report.components;
    }
  }

  /** A new process generation says nothing yet. */
  forgetReport(): void {
    this.message = '';
    this.components = [];
  }

  recentChecks(): CheckRecord[] {
    return [...this.recent];
  }
}
