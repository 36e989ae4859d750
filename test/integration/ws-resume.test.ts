import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openEventStream } from '../helpers/event-stream.js';
import { freePort } from '../helpers/free-port.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';
import { mustOpenWs, type WsMessage } from '../helpers/ws-client.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-ws-resume-'));
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

const becomes = (to: string, restartCount: number) => (line: LogLine) =>
  line.event === 'transition' && line.plugin === 'greeter' && line.to === to && line.restartCount === restartCount;

const stopHale = async (hale: HaleProcess): Promise<void> => {
  hale.child.kill('SIGTERM');
  expect((await hale.exited).code).toBe(0);
};

const pathOf = (messages: readonly WsMessage[]): string[] =>
  messages.filter((m) => m.type === 'transition').map((m) => `${String(m.from)}→${String(m.to)}`);

const idsOf = (messages: readonly WsMessage[]): number[] => messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));

describe('GET /ws/health across a restart of hale', () => {
  test('a client away while a plugin crashed and hale restarted gets every transition it missed, from the journal and the new run, none twice', async () => {
    const port = await freePort();
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(
      file,
      [
        `api: { host: 127.0.0.1, port: ${port} }`,
        'grpc: { enabled: false }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 300ms, checkTimeout: 2s, startInterval: 50ms, successThreshold: 1, restartBackoff: 100ms, stopTimeout: 2s }',
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        '',
      ].join('\n'),
    );
    const url = `ws://127.0.0.1:${port}/ws/health?types=transition`;
    const first = startHale(['run', '-c', file]);
    await first.line(becomes('healthy', 0), 30_000);

    // One client stays through the stop; the other leaves before the crash.
    const stays = await mustOpenWs(url.replace('?', '?lastEventId=0&'));
    const leaves = await mustOpenWs(url.replace('?', '?lastEventId=0&'));
    await Promise.all([stays, leaves].map((reader) => reader.first((m) => m.type === 'transition' && m.to === 'healthy')));
    leaves.close();
    await leaves.closed;
    const leftAt = idsOf(leaves.messages).at(-1) ?? 0;
    expect(pathOf(leaves.messages)).toEqual(['stopped→unknown', 'unknown→healthy']);

    // While it is away: a crash and a recovery, then hale stops, with the plugin.
    const pid = ((await (await fetch(`http://127.0.0.1:${port}/health/greeter`)).json()) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    await first.line(becomes('healthy', 1), 30_000);
    await stopHale(first);
    // The one that stayed saw everything, the stop too, and was told hale is going away.
    expect(await stays.closed).toEqual({ code: 1001, reason: 'hale is stopping' });
    const runOne = pathOf(stays.messages);
    expect(runOne.slice(2)).toEqual([
      'healthy→unhealthy',
      'unhealthy→restarting',
      'restarting→unknown',
      'unknown→healthy',
      'healthy→stopped',
    ]);

    const second = startHale(['run', '-c', file]);
    await second.line(becomes('healthy', 0), 30_000);
    const back = await mustOpenWs(`${url}&lastEventId=${leftAt}`);
    const stayedAt = idsOf(stays.messages).at(-1) ?? 0;
    const stayedBack = await mustOpenWs(`${url}&lastEventId=${stayedAt}`);
    for (const reader of [back, stayedBack])
      await reader.first((m) => m.type === 'transition' && m.from === 'unknown' && m.to === 'healthy');

    // What the first run did while it was away (from the journal), then the second run's start: nothing lost, no gap.
    expect(back.messages.map((m) => m.type).filter((type) => type === 'gap')).toEqual([]);
    expect(pathOf(back.messages)).toEqual([...runOne.slice(2), 'stopped→unknown', 'unknown→healthy']);
    expect(pathOf(stayedBack.messages)).toEqual(['stopped→unknown', 'unknown→healthy']);
    expect(stayedBack.messages.some((m) => m.type === 'gap')).toBe(false);
    // Ids grow, none repeats, and every one is after the id it resumed from.
    const ids = idsOf(back.messages);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.min(...ids)).toBeGreaterThan(leftAt);
    expect(ids.filter((id) => idsOf(stays.messages).includes(id))).toEqual(idsOf(stays.messages).filter((id) => id > leftAt));

    // GET /events resumes the same way, from the same journal.
    const sse = await openEventStream(`http://127.0.0.1:${port}/events?types=transition`, { 'Last-Event-ID': String(leftAt) });
    const sseIds: number[] = [];
    while (sseIds.length < ids.length) {
      const message = await sse.take((m) => m.event === 'transition' || m.event === 'gap', 10_000);
      expect(message.event).toBe('transition');
      sseIds.push(Number(message.id));
    }
    expect(sseIds).toEqual(ids);
    sse.close();

    // Live events follow the replay on the same socket.
    const pidTwo = ((await (await fetch(`http://127.0.0.1:${port}/health/greeter`)).json()) as { pid: number }).pid;
    process.kill(pidTwo, 'SIGKILL');
    await back.first((m) => m.type === 'transition' && m.to === 'unhealthy' && Number(m.id) > Math.max(...ids), 30_000);
    back.close();
    stayedBack.close();
    await stopHale(second);
  });
});
