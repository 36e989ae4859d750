import { exitCodes, failWith } from './exit-codes.js';
import { formatSpan, formatTable } from './format-duration.js';
import { resolveTarget, type TargetFlags } from './target.js';

interface PluginRow {
  state: string;
  pid: number | null;
  uptimeSeconds: number | null;
  restartCount: number;
  lastCheckTime: string | null;
  responseTimeMs: number | null;
  message: string;
  reason: string;
}

interface HealthBody {
  status: string;
  version: string;
  timestamp: string;
  plugins: Record<string, PluginRow>;
  checks?: Record<string, { status: string; responseTimeMs: number | null; lastCheckTime: string | null; message: string; target: string }>;
}

const lastCheck = (at: string | null, ms: number | null, now: number): string =>
  at === null ? '-' : `${ms === null ? '?' : `${ms.toFixed(1)} ms`}, ${formatSpan(now - Date.parse(at))} ago`;

/**
 * `hale status [--json]`: every plugin of a running hale as a table (name,
 * state, pid, uptime, restarts, last check, message), its dependencies after
 * it; with --json, the /health answer as it is. Exit 0 whenever hale answered.
 */
export const statusCommand = async (flags: TargetFlags & { json?: boolean | undefined }): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const answer = await client.get<HealthBody>('/health', [503]);
  if (!answer.ok) return failWith(answer);
  const health = answer.body;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
    return exitCodes.ok;
  }
  const now = Date.parse(health.timestamp);
  const rows = Object.entries(health.plugins).map(([name, p]) => [
    name,
    p.state,
    p.pid === null ? '-' : String(p.pid),
    p.uptimeSeconds === null ? '-' : formatSpan(p.uptimeSeconds * 1_000),
    String(p.restartCount),
    lastCheck(p.lastCheckTime, p.responseTimeMs, now),
    (p.message || (p.state === 'healthy' ? '' : p.reason)).slice(0, 80),
  ]);
  const names = Object.keys(health.plugins);
  process.stdout.write(`hale ${health.version} at ${client.url}: ${health.status} (${names.length} plugin${names.length === 1 ? '' : 's'})\n`);
  if (rows.length > 0) process.stdout.write(`${formatTable([['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST CHECK', 'MESSAGE'], ...rows])}\n`);
  const checks = Object.entries(health.checks ?? {});
  if (checks.length > 0) {
    const table = checks.map(([name, c]) => [name, c.status, c.target, lastCheck(c.lastCheckTime, c.responseTimeMs, now), c.message.slice(0, 80)]);
    process.stdout.write(`\n${formatTable([['CHECK', 'STATE', 'TARGET', 'LAST CHECK', 'MESSAGE'], ...table])}\n`);
  }
  return exitCodes.ok;
};
