import { beforeAll, describe, expect, test } from 'vitest';
import type { SupervisorEvent } from '../../src/model/events.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

beforeAll(requireBuilt);
const suite = useSupervisedSuite();

type Check = Extract<SupervisorEvent, { type: 'check' }>;

/** The times of the first polls of a plugin that turned healthy at its first verdict, checked every `interval` (its stream off: polls are what is staggered). */
const firstChecks = async (random: () => number, interval: number): Promise<number[]> => {
  const { first, events } = await suite.supervise(
    [
      pluginConfig('greeter', [greeterMain], {
        checkInterval: interval,
        startInterval: 20,
        health: { protocol: 'plugin', watch: false, retries: 0, retryDelayMs: 100 },
      }),
    ],
    { random },
  );
  await first((e) => e.type === 'check' && events.filter((x) => x.type === 'check').length >= 4);
  return events.filter((e): e is Check => e.type === 'check').map((e) => e.check.at);
};

describe('staggered checks', () => {
  test('the first wait of the steady cadence is the chosen part of the interval, then the interval', async () => {
    // successThreshold 1: the first check is the verdict; the wait after it is where the stagger shows.
    const early = await firstChecks(() => 0, 600);
    const late = await firstChecks(() => 0.999, 600);
    const gaps = (times: number[]) => times.slice(1).map((at, i) => at - (times[i] ?? at));
    const [earlyPhase, ...earlyRest] = gaps(early);
    const [latePhase, ...lateRest] = gaps(late);
    expect(earlyPhase).toBeLessThan(150);
    expect(latePhase).toBeGreaterThan(450);
    expect(latePhase).toBeLessThanOrEqual(620);
    // After that, each waits the interval (its cadence kept).
    for (const gap of [...earlyRest, ...lateRest]) {
      expect(gap).toBeGreaterThan(550);
      expect(gap).toBeLessThan(750);
    }
  });
});
