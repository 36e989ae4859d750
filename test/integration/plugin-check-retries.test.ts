import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-plugin-retries-'));
const settle = 20_000;

afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

interface CheckLine {
  outcome: string;
  message: string;
}

const checksOf = (lines: readonly LogLine[], plugin: string): CheckLine[] =>
  lines.filter((l) => l.event === 'check' && l.plugin === plugin).map((l) => l['check'] as CheckLine);

describe('health.retries for the plugin protocol (its own HealthCheck)', () => {
  test('a plugin failing every other HealthCheck stays healthy with retries: 1, and is found unhealthy with retries: 0', async () => {
    requireBuilt();
    const file = join(dir, 'supervisor.yaml');
    const plugin = `command: ${process.execPath}, args: [${fixture('alternating-plugin.mjs')}]`;
    writeFileSync(
      file,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { enabled: false }',
        'log: { level: debug }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 200ms, checkTimeout: 2s, startInterval: 100ms, successThreshold: 1, failureThreshold: 1, restartBackoff: 100ms, maxRestarts: 50 }',
        'plugins:',
        `  - { name: retried, ${plugin}, health: { watch: false, retries: 1, retryDelay: 10ms } }`,
        `  - { name: plain, ${plugin}, health: { watch: false, retries: 0 } }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    await hale.line((l) => l.event === 'transition' && l.plugin === 'retried' && l.to === 'healthy', settle);
    // Every second HealthCheck fails: without retries, failureThreshold 1 makes each of those a fall to unhealthy.
    let failed = 0;
    await hale.line(
      (l) => l.event === 'check' && l.plugin === 'plain' && (l['check'] as CheckLine).outcome === 'fail' && (failed += 1) >= 3,
      settle,
    );
    expect(hale.lines.some((l) => l.event === 'transition' && l.plugin === 'plain' && l.to === 'unhealthy')).toBe(true);
    const retried = checksOf(hale.lines, 'retried');
    const plain = checksOf(hale.lines, 'plain');
    console.info(
      `retried: ${retried.length} checks, ${retried.filter((c) => c.outcome === 'fail').length} failed; plain: ${plain.length} checks, ${plain.filter((c) => c.outcome === 'fail').length} failed`,
    );
    expect(plain.filter((c) => c.outcome === 'fail').length).toBeGreaterThanOrEqual(3);
    expect(retried.length).toBeGreaterThanOrEqual(4);
    expect(
      retried.filter((c) => c.outcome === 'fail'),
      'failed checks of the retried plugin',
    ).toEqual([]);
    // The failed attempt was retried within the check, and the message says so.
    expect(
      retried.some((c) => c.outcome === 'pass' && c.message.endsWith('(2 attempts)')),
      JSON.stringify(retried.slice(0, 4)),
    ).toBe(true);
    const left = hale.lines.filter((l) => l.event === 'transition' && l.plugin === 'retried' && l.from === 'healthy');
    expect(left, 'transitions of the retried plugin out of healthy').toEqual([]);
    expect(hale.lines.filter((l) => l.event === 'spawned' && l.plugin === 'retried')).toHaveLength(1);
  }, 60_000);
});
