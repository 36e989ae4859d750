import { describe, expect, test } from 'vitest';
import { answerLimits, toHealthReport, toPluginInfo, toPushedHealth } from '../../../src/grpc/plugin-answers.js';

const bytes = (text: string): number => Buffer.byteLength(text);
const big = (tag: string, length: number): string => `${tag}${'é'.repeat(length)}`;

describe("what hale keeps of a plugin's answers", () => {
  test('a HealthCheck answer: message, components and their texts are cut by bytes', () => {
    const raw = {
      status: 'HEALTHY',
      message: big('m', 1_000_000),
      components: Array.from({ length: 1_000 }, (_, i) => ({
        name: big(`c${i}`, 10_000),
        status: 'DEGRADED',
        critical: true,
        latencyMs: 5,
        message: big('x', 10_000),
      })),
    };
    const report = toHealthReport(raw);
    expect(report.status).toBe('healthy');
    expect(bytes(report.message)).toBeLessThanOrEqual(answerLimits.healthMessageBytes + 3);
    expect(report.message.endsWith('…')).toBe(true);
    expect(report.components).toHaveLength(answerLimits.components);
    for (const component of report.components) {
      expect(bytes(component.name)).toBeLessThanOrEqual(answerLimits.componentNameBytes + 3);
      expect(bytes(component.message)).toBeLessThanOrEqual(answerLimits.componentMessageBytes + 3);
      expect(component).toMatchObject({ status: 'degraded', critical: true, latencyMs: 5 });
    }
  });

  test('odd values are not trusted: unknown statuses, non-strings, negative or infinite latencies', () => {
    expect(toHealthReport({ status: 'GREAT', message: 42, components: 'many' })).toEqual({
      status: 'unknown',
      message: '',
      components: [],
    });
    expect(toHealthReport({ status: 'HEALTHY', components: [{ name: ['x'], status: 7, latencyMs: -1 }, null] }).components).toEqual([
      { name: '', status: 'unknown', critical: false, latencyMs: 0, message: '' },
      { name: '', status: 'unknown', critical: false, latencyMs: 0, message: '' },
    ]);
    expect(toHealthReport(null)).toEqual({ status: 'unknown', message: '', components: [] });
  });

  test('a message with escape sequences and newlines is kept as one line without them', () => {
    expect(toHealthReport({ status: 'HEALTHY', message: 'ok\u001b[2J\nnow' }).message).toBe('ok [2J now');
  });

  test('GetInfo: every field cut by bytes', () => {
    const info = toPluginInfo({ name: big('n', 5_000), version: big('v', 5_000), description: big('d', 50_000) });
    expect(bytes(info.name)).toBeLessThanOrEqual(answerLimits.infoFieldBytes + 3);
    expect(bytes(info.version)).toBeLessThanOrEqual(answerLimits.infoFieldBytes + 3);
    expect(bytes(info.description)).toBeLessThanOrEqual(answerLimits.infoDescriptionBytes + 3);
    expect(toPluginInfo({ name: 'greeter', version: '1.0.0' })).toEqual({ name: 'greeter', version: '1.0.0', description: '' });
  });

  test("a pushed message's latency is the plugin's word, held to a finite number between 0 and a day", () => {
    expect(toPushedHealth({ status: 'HEALTHY', latencyMs: 12.5 })).toEqual({
      report: { status: 'healthy', message: '', components: [] },
      latencyMs: 12.5,
    });
    expect(toPushedHealth({ status: 'HEALTHY' }).latencyMs).toBe(0);
    expect(toPushedHealth({ status: 'HEALTHY', latencyMs: -5 }).latencyMs).toBe(0);
    expect(toPushedHealth({ status: 'HEALTHY', latencyMs: Number.NaN }).latencyMs).toBe(0);
    expect(toPushedHealth({ status: 'HEALTHY', latencyMs: '300' }).latencyMs).toBe(0);
    expect(toPushedHealth({ status: 'HEALTHY', latencyMs: 1e300 }).latencyMs).toBe(86_400_000);
  });
});
