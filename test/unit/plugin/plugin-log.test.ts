import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../../src/log.js';
import type { Logger } from '../../../src/log.js';
import { logPluginLine, parseJsonLogLine } from '../../../src/plugin/plugin-log.js';

const pinoLevels: Array<[number, string]> = [
  [10, 'trace'],
  [20, 'debug'],
  [30, 'info'],
  [40, 'warn'],
  [50, 'error'],
  [60, 'fatal'],
];

describe('parseJsonLogLine', () => {
  test.each(pinoLevels)('pino level %d is %s', (level, name) => {
    expect(parseJsonLogLine(JSON.stringify({ level, msg: 'hi' }))).toEqual({ level: name, msg: 'hi', fields: {} });
  });

  test('a full pino line keeps its own fields and drops what our logger adds again', () => {
    const line = JSON.stringify({
      level: 40,
      time: 1_700_000_000_000,
      pid: 4242,
      hostname: 'box',
      plugin: 'impostor',
      stream: 'stdout',
      v: 1,
      msg: 'cache cold',
      key: 'user:1',
      hits: 0,
      nested: { a: [1, 2] },
    });
    expect(parseJsonLogLine(line)).toEqual({
      level: 'warn',
      msg: 'cache cold',
      fields: { key: 'user:1', hits: 0, nested: { a: [1, 2] } },
    });
  });

  test('a go-plugin (hclog) line: @level, @message, @module, @timestamp', () => {
    const line = JSON.stringify({
      '@level': 'warning',
      '@message': 'slow upstream',
      '@module': 'plugin.greeter',
      '@timestamp': '2024-05-01T12:00:00.000000Z',
      '@caller': 'main.go:42',
      upstream: 'db',
    });
    expect(parseJsonLogLine(line)).toEqual({
      level: 'warn',
      msg: 'slow upstream',
      fields: { module: 'plugin.greeter', caller: 'main.go:42', upstream: 'db' },
    });
  });

  test.each([
    ['trace', 'trace'],
    ['debug', 'debug'],
    ['info', 'info'],
    ['INFO', 'info'],
    ['warn', 'warn'],
    ['Warning', 'warn'],
    ['error', 'error'],
    ['fatal', 'fatal'],
    ['panic', 'fatal'],
  ])('named level %j is %s', (level, name) => {
    expect(parseJsonLogLine(JSON.stringify({ '@level': level, '@message': 'm' }))?.level).toBe(name);
  });

  test('an unknown level with a message is logged at info', () => {
    expect(parseJsonLogLine('{"level":"verbose","msg":"m"}')).toEqual({ level: 'info', msg: 'm', fields: {} });
    expect(parseJsonLogLine('{"level":35,"msg":"m"}')).toEqual({ level: 'info', msg: 'm', fields: {} });
  });

  test('a message without a level is logged at info; a non-string message is stringified', () => {
    expect(parseJsonLogLine('{"msg":"m","a":1}')).toEqual({ level: 'info', msg: 'm', fields: { a: 1 } });
    expect(parseJsonLogLine('{"level":30,"msg":42}')).toEqual({ level: 'info', msg: '42', fields: {} });
    expect(parseJsonLogLine('{"level":30,"msg":{"x":1}}')).toEqual({ level: 'info', msg: '{"x":1}', fields: {} });
  });

  test('a level without a message gives an empty message', () => {
    expect(parseJsonLogLine('{"level":30,"a":1}')).toEqual({ level: 'info', msg: '', fields: { a: 1 } });
  });

  test.each([
    ['plain text', 'listening on 127.0.0.1:4000'],
    ['empty', ''],
    ['a JSON array', '[{"level":30,"msg":"m"}]'],
    ['a JSON string', '"level 30"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['JSON with leading space', ' {"level":30,"msg":"m"}'],
    ['an object without level or msg', '{"a":1,"b":"two"}'],
    ['an object with an unknown level and no msg', '{"level":"verbose"}'],
    ['an empty object', '{}'],
    ['broken JSON', '{"level":30,"msg":"cut'],
    ['a brace that is not JSON', '{ this is not json }'],
  ])('%s → null', (_name, line) => {
    expect(parseJsonLogLine(line)).toBeNull();
  });
});

/** A real pino logger whose raw output lines are collected. */
const createCapture = (): { log: Logger; raw: string[]; records: () => Record<string, unknown>[] } => {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      raw.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const log = createLogger({ level: 'trace', destination });
  return { log, raw, records: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

const occurrences = (text: string, word: string): number => text.split(word).length - 1;

describe('logPluginLine', () => {
  test('merges a pino JSON line into our record, one level deep, with plugin and stream', () => {
    const { log, raw, records } = createCapture();
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 4242,
      hostname: 'box',
      plugin: 'impostor',
      msg: 'cache cold',
      key: 'user:1',
      nested: { a: 1 },
    });
    logPluginLine(log.child({ plugin: 'greeter' }), 'stderr', line, false);
    expect(raw).toHaveLength(1);
    const [record] = records();
    expect(record).toMatchObject({
      level: 'warn',
      msg: 'cache cold',
      plugin: 'greeter',
      stream: 'stderr',
      key: 'user:1',
      nested: { a: 1 },
      pid: process.pid,
    });
    expect(record).not.toHaveProperty('hostname');
    expect(typeof record?.time).toBe('string');
    // Merged, not a string holding the plugin's JSON.
    expect(raw[0]).not.toContain('\\"');
    expect(occurrences(raw[0] ?? '', '"plugin"')).toBe(1);
    expect(occurrences(raw[0] ?? '', '"pid"')).toBe(1);
    expect(occurrences(raw[0] ?? '', '"level"')).toBe(1);
  });

  test('merges an hclog line at its level', () => {
    const { log, raw, records } = createCapture();
    const line = JSON.stringify({ '@level': 'error', '@message': 'db down', '@module': 'plugin.greeter', '@timestamp': 't' });
    logPluginLine(log.child({ plugin: 'greeter' }), 'stdout', line, false);
    expect(records()).toEqual([
      expect.objectContaining({ level: 'error', msg: 'db down', module: 'plugin.greeter', plugin: 'greeter', stream: 'stdout' }),
    ]);
    expect(records()[0]).not.toHaveProperty('timestamp');
    expect(occurrences(raw[0] ?? '', '"plugin"')).toBe(1);
  });

  test.each(pinoLevels)('a plugin line at pino level %d is logged at %s', (level, name) => {
    const { log, records } = createCapture();
    logPluginLine(log, 'stdout', JSON.stringify({ level, msg: 'm' }), false);
    expect(records()).toEqual([expect.objectContaining({ level: name, msg: 'm' })]);
  });

  test('a plugin field named stream cannot override ours', () => {
    const { log, raw, records } = createCapture();
    logPluginLine(log, 'stderr', '{"level":30,"msg":"m","stream":"stdout","@stream":"other"}', false);
    expect(records()[0]?.stream).toBe('stderr');
    expect(occurrences(raw[0] ?? '', '"stream"')).toBe(1);
  });

  test('a plain line is logged at info as text with its stream', () => {
    const { log, raw, records } = createCapture();
    logPluginLine(log.child({ plugin: 'greeter' }), 'stdout', 'listening on "127.0.0.1:4000" 100%s done', false);
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'listening on "127.0.0.1:4000" 100%s done', plugin: 'greeter', stream: 'stdout' }),
    ]);
    expect(records()[0]).not.toHaveProperty('truncated');
    expect(occurrences(raw[0] ?? '', '"plugin"')).toBe(1);
  });

  test('a truncated line is not parsed as JSON and is marked truncated', () => {
    const { log, raw, records } = createCapture();
    const cut = '{"level":50,"msg":"boom"}';
    logPluginLine(log.child({ plugin: 'greeter' }), 'stderr', cut, true);
    expect(records()).toEqual([expect.objectContaining({ level: 'info', msg: cut, truncated: true, plugin: 'greeter', stream: 'stderr' })]);
    expect(occurrences(raw[0] ?? '', '"plugin"')).toBe(1);
  });

  test('a plugin field @plugin cannot add a second plugin key', () => {
    const { log, raw, records } = createCapture();
    logPluginLine(log.child({ plugin: 'greeter' }), 'stdout', '{"@level":"info","@message":"m","@plugin":"impostor"}', false);
    expect(occurrences(raw[0] ?? '', '"plugin"')).toBe(1);
    expect(records()[0]?.plugin).toBe('greeter');
  });
});
