import { describe, expect, test } from 'vitest';
import { createTurnQueue } from '../../../src/util/turn-queue.js';
import { countTurns } from '../../helpers/count-turns.js';

describe('createTurnQueue', () => {
  test('tasks queued in one turn run in order, each in a turn of its own', async () => {
    const queue = createTurnQueue();
    const turns = countTurns();
    const ran: Array<{ task: number; turn: number }> = [];
    await Promise.all([0, 1, 2, 3].map((task) => queue.run(() => ran.push({ task, turn: turns.now() }))));
    turns.stop();
    expect(ran.map((r) => r.task)).toEqual([0, 1, 2, 3]);
    expect(new Set(ran.map((r) => r.turn)).size).toBe(4);
  });

  test('a task waits until the one before it has settled, and a failure does not stop the queue', async () => {
    const queue = createTurnQueue();
    let release = (): void => undefined;
    const first = queue.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    const failing = queue.run((): string => {
      throw new Error('boom');
    });
    let third = false;
    const last = queue.run(() => (third = true));
    // Many turns go by while the first task is unsettled; nothing behind it runs.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    expect(queue.pending).toBe(3);
    release();
    await expect(first).resolves.toBe('first');
    await expect(failing).rejects.toThrow('boom');
    await expect(last).resolves.toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.pending).toBe(0);
  });
});
