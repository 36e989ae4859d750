import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createPluginClient, type CallFailure } from '../../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import type { HealthReport } from '../../src/model/health-report.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { cleanUp, makeSocketDir, pluginEnv, startPluginChild, within } from '../helpers/plugin-child.js';

beforeAll(() => requireBuilt());
afterEach(cleanUp);

describe('WatchHealth from a plugin process built on the SDK', () => {
  test('the status at once, a pushed change, then a prompt graceful stop that ends the stream once', async () => {
    const plugin = startPluginChild(fixture('watch-health-plugin.mjs'), [], pluginEnv(makeSocketDir()));
    const handshake = parseHandshakeLine(await within(plugin.firstLine, 10_000, 'the handshake'));
    if (handshake.kind !== 'handshake') throw new Error(`no handshake: ${JSON.stringify(handshake)}`);
    const client = createPluginClient(handshake.handshake.address);
    const reports: HealthReport[] = [];
    const ends: CallFailure[] = [];
    let onReport: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      client.watchHealth(100, {
        report: (report) => {
          reports.push(report);
          onReport();
        },
        end: (failure) => {
          ends.push(failure);
          resolve();
        },
      });
    });
    const reportsReach = (count: number): Promise<void> =>
      new Promise((resolve) => {
        onReport = () => reports.length >= count && resolve();
        onReport();
      });
    try {
      await within(reportsReach(1), 5_000, 'the first report');
      expect(reports[0]).toMatchObject({ status: 'healthy', components: [{ name: 'db', status: 'healthy' }] });
      // health() runs every 100 ms with a new latency each time, and that alone is not pushed.
      await within(plugin.stderrLine('watch-health: run 4'), 5_000, 'four runs');
      expect(reports).toHaveLength(1);

      process.kill(plugin.pid, 'SIGUSR2');
      await within(reportsReach(2), 5_000, 'the pushed change');
      expect(reports[1]).toMatchObject({ status: 'unhealthy', message: 'flipped by SIGUSR2' });

      const stopping = performance.now();
      process.kill(plugin.pid, 'SIGTERM');
      expect(await within(plugin.exited, 5_000, 'the exit')).toEqual({ code: 0, signal: null });
      // Without the streams ended first, grpc-js's graceful shutdown would wait out the SDK's 2 s grace.
      expect(performance.now() - stopping).toBeLessThan(1_500);
      await within(ended, 5_000, 'the end of the stream');
      expect(ends).toHaveLength(1);
      expect(ends[0]).toMatchObject({ ok: false, kind: 'unavailable' });
    } finally {
      client.close();
    }
  });
});
