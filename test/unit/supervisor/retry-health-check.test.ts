import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../src/plugin/probe.js';
import { retryHealthCheck } from '../../../src/supervisor/plugin-probe.js';

const answer = (outcome: 'pass' | 'fail', message: string): ProbeResult => ({
  check: { at: Date.now(), outcome, status: outcome === 'pass' ? 'healthy' : 'unhealthy', latencyMs: 1, message, ...(outcome === 'fail' ? { failure: 'unhealthy' as const } : {}) },
  report: null,
});

/** Answers from the list in turn, counting the questions. */
const scripted = (outcomes: Array<'pass' | 'fail'>) => {
  let asked = 0;
  const ask = () => {
    const outcome = outcomes[Math.min(asked, outcomes.length - 1)] ?? 'fail';
    asked += 1;
    return Promise.resolve(answer(outcome, `answer ${asked}`));
  };
  return { ask, asked: () => asked };
};

describe('retryHealthCheck: health.retries for the plugin protocol', () => {
  it('asks once with retries 0, and a failure counts at once', async () => {
    const plugin = scripted(['fail', 'pass']);
    const { check } = await retryHealthCheck(plugin.ask, { retries: 0, retryDelayMs: 1, signal: new AbortController().signal });
    expect(check).toMatchObject({ outcome: 'fail', message: 'answer 1' });
    expect(plugin.asked()).toBe(1);
  });

  it('asks again after a failure and passes, saying how many attempts it took', async () => {
    const plugin = scripted(['fail', 'pass']);
    const { check } = await retryHealthCheck(plugin.ask, { retries: 2, retryDelayMs: 1, signal: new AbortController().signal });
    expect(check).toMatchObject({ outcome: 'pass', message: 'answer 2 (2 attempts)' });
    expect(plugin.asked()).toBe(2);
  });

  it('fails with the last answer after 1 + retries failed attempts, retryDelay apart', async () => {
    const plugin = scripted(['fail']);
    const started = Date.now();
    const { check } = await retryHealthCheck(plugin.ask, { retries: 2, retryDelayMs: 50, signal: new AbortController().signal });
    expect(check).toMatchObject({ outcome: 'fail', failure: 'unhealthy', message: 'answer 3 (3 attempts)' });
    expect(plugin.asked()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('stops retrying once cancelled, and answers at once', async () => {
    const plugin = scripted(['fail']);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    const started = Date.now();
    const { check } = await retryHealthCheck(plugin.ask, { retries: 10, retryDelayMs: 5_000, signal: abort.signal });
    expect(check.outcome).toBe('fail');
    expect(plugin.asked()).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
