import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/metrics/create-metrics.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import { buildPluginStatus, buildSnapshot } from '../../helpers/status-builder.js';

const examples = new URL('../../../examples/prometheus/', import.meta.url);

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: { severity?: unknown };
  annotations?: { summary?: unknown; description?: unknown };
}

const readYaml = (name: string): unknown => parse(readFileSync(fileURLToPath(new URL(name, examples)), 'utf8'));

const rules = ((): Rule[] => {
  const file = readYaml('alerts.yml') as { groups?: Array<{ name?: unknown; rules?: Rule[] }> };
  return (file.groups ?? []).flatMap((group) => group.rules ?? []);
})();

const ruleNamed = (alert: string): Rule & { expr: string } => {
  const rule = rules.find((r) => r.alert === alert);
  if (rule === undefined || typeof rule.expr !== 'string') throw new Error(`no rule ${alert} with an expr in alerts.yml`);
  return rule as Rule & { expr: string };
};

/** Every metric name hale's registry renders, histogram series with their suffixes. */
const exposedNames = async (): Promise<Set<string>> => {
  const metrics = createMetrics({
    events: createEventBus<SupervisorEvent>(),
    snapshot: () => buildSnapshot([buildPluginStatus('greeter', { lastExit: { at: 0, code: 1, signal: null, stderr: '' } })]),
  });
  try {
    const { text } = await metrics.render();
    const names = text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line);
    return new Set(names);
  } finally {
    metrics.stop();
  }
};

describe('examples/prometheus/alerts.yml', () => {
  test('has groups of rules (so the checks below cannot pass on nothing)', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
  });

  test('every rule has an alert name, an expr, a for, a severity and a summary', () => {
    for (const rule of rules) {
      const where = `rule ${JSON.stringify(rule.alert)}`;
      expect(typeof rule.alert, where).toBe('string');
      expect(typeof rule.expr, where).toBe('string');
      expect(rule.for, where).toMatch(/^[0-9]+[smh]$/);
      expect(['info', 'warning', 'critical'], where).toContain(rule.labels?.severity);
      expect(typeof rule.annotations?.summary, where).toBe('string');
      expect(typeof rule.annotations?.description, where).toBe('string');
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  test.each<[string, RegExp, string]>([
    ['HalePluginCheckFailures', /increase\(hale_health_check_failures_total\[5m\]\)\)? > 2$/, '0m'],
    ['HalePluginRestartingOften', /increase\(hale_plugin_restarts_total\[1h\]\)\)? > 3$/, '0m'],
    ['HalePluginSlowChecks', /^histogram_quantile\(.*hale_health_check_duration_seconds_bucket.*\) > 5$/, '5m'],
    ['HalePluginFailed', /^hale_plugin_state\{state="failed"\} == 1$/, '0m'],
    ['HalePluginUnhealthy', /hale_plugin_state\{state=~"unhealthy\|restarting\|unknown"\}\) == 1$/, '2m'],
    ['HalePluginDegraded', /^hale_plugin_state\{state="degraded"\} == 1$/, '5m'],
  ])('%s exists with the expression and the for it should have', (alert, expr, wait) => {
    const rule = ruleNamed(alert);
    expect(rule.expr).toMatch(expr);
    expect(rule.for).toBe(wait);
  });

  test('a failed plugin is critical', () => {
    expect(ruleNamed('HalePluginFailed').labels?.severity).toBe('critical');
  });

  test('every hale_ metric an expr uses is one createMetrics exposes', async () => {
    const exposed = await exposedNames();
    expect(exposed).toContain('hale_health_check_duration_seconds_bucket');
    const used = new Set(rules.flatMap((rule) => String(rule.expr).match(/\bhale_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThanOrEqual(4);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe('examples/prometheus/prometheus.yml', () => {
  test('scrapes hale at 127.0.0.1:8080/metrics and loads alerts.yml', () => {
    const config = readYaml('prometheus.yml') as {
      rule_files?: string[];
      scrape_configs?: Array<{ job_name?: string; metrics_path?: string; static_configs?: Array<{ targets?: string[] }> }>;
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const hale = config.scrape_configs?.find((job) => job.job_name === 'hale');
    expect(hale?.metrics_path).toBe('/metrics');
    expect(hale?.static_configs?.flatMap((s) => s.targets ?? [])).toEqual(['127.0.0.1:8080']);
  });
});
