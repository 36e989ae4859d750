import type { PluginsHealthBody, PluginsStatusBody, ReadinessProbeBody } from '../api/bodies.js';
import { describeResources } from './resource-columns.js';
import type { ApiClient } from '../client/api-client.js';
import { exitCodes, failWith } from './exit-codes.js';
import { fitWidth, terminalWidth } from './fit-width.js';
import { formatSpan, formatTable } from './format-duration.js';

/**
 * `0.9 ms, 2s ago`, or `-` before the first check.
 *
 * @example
 * describeLastCheck('2024-01-15T10:29:45.000Z', 0.93, Date.parse('2024-01-15T10:29:47.000Z')); // '0.9 ms, 2s ago'
 */
export const describeLastCheck = (at: string | null, ms: number | null, now: number): string =>
  at === null ? '-' : `${ms === null ? '?' : `${ms.toFixed(1)} ms`}, ${formatSpan(now - Date.parse(at))} ago`;

// What a plugin printed may hold anything; none of it may drive the terminal.
const clean = (text: string): string => text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');

const recentShown = 5;

/**
 * A readiness probe in one line: `failing, 2 in a row: connection refused (tcp 127.0.0.1:8080, last 0.4 ms, 1s ago)`.
 *
 * @example
 * describeReadiness(row.readiness, Date.now()); // 'passing (exec test -f /run/web.ready, last 1.2 ms, 3s ago)'
 */
export const describeReadiness = (probe: ReadinessProbeBody, now: number): string => {
  const failures = probe.failureCount === 0 ? '' : `, ${probe.failureCount} in a row`;
  const why = probe.verdict === 'passing' ? '' : `: ${clean(probe.reason)}`;
  const last = describeLastCheck(probe.lastCheck?.time ?? null, probe.lastCheck?.responseTimeMs ?? null, now);
  return `${probe.verdict}${failures}${why} (${clean(probe.target)}, last ${last})`;
};

/**
 * `hale status NAME`: one plugin in detail — state and why, since when,
 * pid, uptime, restarts, command, last check, last exit, its components and
 * its latest checks; with `json`, GET /plugins/health's entry for it.
 * Exit 5 when hale has no plugin of that name.
 *
 * @example
 * await showPlugin(client, 'greeter', false);
 */
export const showPlugin = async (client: ApiClient, name: string, json: boolean): Promise<number> => {
  const health = await client.get<PluginsHealthBody>('/plugins/health');
  if (!health.ok) return failWith(health);
  const plugin = Object.hasOwn(health.body.plugins, name) ? health.body.plugins[name] : undefined;
  if (plugin === undefined) return failWith({ kind: 'not_found', message: `no plugin named ${JSON.stringify(name)}` });
  if (json) {
    process.stdout.write(`${JSON.stringify(plugin, null, 2)}\n`);
    return exitCodes.ok;
  }
  const listed = await client.get<PluginsStatusBody>('/plugins/status');
  const row = listed.ok ? listed.body.plugins.find((p) => p.name === name) : undefined;
  const now = Date.parse(health.body.timestamp);
  const ago = (iso: string) => `${formatSpan(now - Date.parse(iso))} ago`;
  const facts: Array<[string, string | null]> = [
    ['reason', clean(plugin.reason)],
    ['since', `${plugin.since} (${ago(plugin.since)})`],
    ['critical', plugin.critical ? 'yes' : 'no'],
    ['pid', plugin.pid === null ? '-' : String(plugin.pid)],
    ['uptime', plugin.uptimeSeconds === null ? '-' : formatSpan(plugin.uptimeSeconds * 1_000)],
    ['resources', describeResources(row?.resources)],
    ['command', row === undefined ? null : clean([row.executable, ...row.args].join(' '))],
    ['address', row?.address ?? null],
    ['depends on', plugin.dependsOn === undefined ? null : plugin.dependsOn.join(', ')],
    ['ready', row === undefined ? null : row.ready ? 'yes' : 'no'],
    ['version', plugin.version === '' ? null : clean(plugin.version)],
    ['restarts', `${plugin.restartCount} (${plugin.restarts} automatic since the last reset)`],
    ['next restart', plugin.nextRestartTime],
    ['last check', describeLastCheck(plugin.lastCheckTime, plugin.responseTimeMs, now)],
    ['failed checks', plugin.failureCount === 0 ? null : `${plugin.failureCount} in a row`],
    ['message', plugin.message === '' ? null : clean(plugin.message)],
    [
      'last exit',
      plugin.lastExit === null
        ? null
        : `${plugin.lastExit.signal === null ? `code ${plugin.lastExit.code ?? '?'}` : plugin.lastExit.signal}, ${ago(plugin.lastExit.time)}`,
    ],
    ['last error', plugin.lastError === null ? null : clean(plugin.lastError)],
    ['ready', plugin.ready ? 'yes' : 'no'],
    ['readiness', row?.readiness == null ? null : describeReadiness(row.readiness, now)],
  ];
  const lines = [`${name}: ${plugin.state}`];
  for (const [label, value] of facts) if (value !== null) lines.push(`  ${`${label}:`.padEnd(15)}${value}`);
  const stderr = plugin.lastExit?.stderr.trimEnd() ?? '';
  if (stderr !== '')
    lines.push(
      '  its last stderr:',
      ...stderr
        .split('\n')
        .slice(-10)
        .map((line) => `    ${clean(line)}`),
    );
  if (plugin.components.length > 0) {
    const table = plugin.components.map((c) => [c.name, c.status, c.critical ? 'yes' : 'no', `${c.latencyMs} ms`, c.message].map(clean));
    lines.push('', formatTable([['COMPONENT', 'STATE', 'CRITICAL', 'LATENCY', 'MESSAGE'], ...table]));
  }
  const checks = plugin.recentChecks.slice(-recentShown);
  if (checks.length > 0) {
    const table = checks.map((c) => [c.time, c.outcome, c.status, `${c.responseTimeMs.toFixed(1)} ms`, clean(c.message)]);
    lines.push('', formatTable([['CHECKED AT', 'OUTCOME', 'STATUS', 'LATENCY', 'MESSAGE'], ...table]));
  }
  process.stdout.write(`${fitWidth(lines.join('\n'), terminalWidth())}\n`);
  return exitCodes.ok;
};
