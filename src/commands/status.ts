import type { HealthBody, PluginBody } from '../api/bodies.js';
import { exitCodes, failWith } from './exit-codes.js';
import { fitWidth, terminalWidth } from './fit-width.js';
import { formatSpan, formatTable } from './format-duration.js';
import { describeLastCheck, showPlugin } from './status-detail.js';
import { resolveTarget, type TargetFlags } from './target.js';
import { formatCpu, formatMemory, readResources } from './resource-columns.js';

// A serving plugin's own words say most; any other state is explained by why it was entered.
const messageOf = (p: PluginBody): string =>
  p.state === 'healthy' ? p.message : p.state === 'degraded' ? p.message || p.reason : p.reason;

/**
 * `hale status [NAME] [--json]` (and `hale ls`): every plugin of a running
 * hale as a table (name, state, pid, CPU, memory, uptime, restarts, last check, message
 * or reason), its dependencies after it; with NAME, that plugin in detail;
 * with --json, the API's answer as it is. Lines are cut (with `…`) only to
 * fit a terminal. Exit 0 whenever hale answered; 5 for an unknown NAME.
 *
 * @example
 * await statusCommand(undefined, { url: 'http://127.0.0.1:8080' });
 */
export const statusCommand = async (name: string | undefined, flags: TargetFlags & { json?: boolean | undefined }): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  if (name !== undefined) return showPlugin(client, name, flags.json === true);
  const [answer, resources] = await Promise.all([client.get<HealthBody>('/health', [503]), readResources(client)]);
  if (!answer.ok) return failWith(answer);
  const health = answer.body;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
    return exitCodes.ok;
  }
  const width = terminalWidth();
  const now = Date.parse(health.timestamp);
  const rows = Object.entries(health.plugins).map(([plugin, p]) => [
    plugin,
    // Held for its dependencies: stopped, but not by anyone's wish; its reason says for what.
    p.waitingFor === undefined ? p.state : 'waiting',
    p.pid === null ? '-' : String(p.pid),
    formatCpu(resources.get(plugin) ?? null),
    formatMemory(resources.get(plugin) ?? null),
    p.uptimeSeconds === null ? '-' : formatSpan(p.uptimeSeconds * 1_000),
    String(p.restartCount),
    describeLastCheck(p.lastCheckTime, p.responseTimeMs, now),
    messageOf(p),
  ]);
  const names = Object.keys(health.plugins);
  process.stdout.write(
    `hale ${health.version} at ${client.url}: ${health.status} (${names.length} plugin${names.length === 1 ? '' : 's'})\n`,
  );
  if (rows.length > 0)
    process.stdout.write(
      `${fitWidth(formatTable([['NAME', 'STATE', 'PID', 'CPU', 'MEM', 'UPTIME', 'RESTARTS', 'LAST CHECK', 'MESSAGE'], ...rows]), width)}\n`,
    );
  const checks = Object.entries(health.checks ?? {});
  if (checks.length > 0) {
    const table = checks.map(([check, c]) => [
      check,
      c.status,
      c.target,
      describeLastCheck(c.lastCheckTime, c.responseTimeMs, now),
      c.message,
    ]);
    process.stdout.write(`\n${fitWidth(formatTable([['CHECK', 'STATE', 'TARGET', 'LAST CHECK', 'MESSAGE'], ...table]), width)}\n`);
  }
  return exitCodes.ok;
};
