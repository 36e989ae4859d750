import { describe, expect, test } from 'vitest';
import { settleUnlessAborted, settleWithin } from '../../../src/util/settle.js';

const never = new Promise<never>(() => {});

describe('settleWithin', () => {
  test('gives the work when it settles first', async () => {
    await expect(settleWithin(Promise.resolve('done'), 5_000, 'late')).resolves.toBe('done');
  });

  test('gives `late` when the time is up first', async () => {
    await expect(settleWithin(never, 10, 'late')).resolves.toBe('late');
  });

  test('passes a failure of the work on', async () => {
    await expect(settleWithin(Promise.reject(new Error('boom')), 5_000, 'late')).rejects.toThrow('boom');
  });

  test('leaves no timer behind once the work is done', async () => {
    const before = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    await settleWithin(Promise.resolve(1), 60_000, 0);
    const after = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    expect(after).toBe(before);
  });
});

describe('settleUnlessAborted', () => {
  test('gives the work when it settles first, and stops listening to the signal', async () => {
    const controller = new AbortController();
    await expect(settleUnlessAborted(Promise.resolve('done'), controller.signal, () => 'cancelled')).resolves.toBe('done');
    controller.abort();
  });

  test('gives what onAbort says as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const settled = settleUnlessAborted(never, controller.signal, () => 'cancelled');
    controller.abort();
    await expect(settled).resolves.toBe('cancelled');
  });

  test('a signal aborted already ends the wait at once, and a later failure of the work is no unhandled rejection', async () => {
    let fail: (error: Error) => void = () => {};
    const work = new Promise<string>((_, reject) => {
      fail = reject;
    });
    await expect(settleUnlessAborted(work, AbortSignal.abort(), () => 'cancelled')).resolves.toBe('cancelled');
    fail(new Error('too late to matter'));
  });

  test('with AbortSignal.timeout in AbortSignal.any, onAbort tells a deadline from a cancel', async () => {
    const controller = new AbortController();
    const settled = await settleUnlessAborted(never, AbortSignal.any([controller.signal, AbortSignal.timeout(10)]), () =>
      controller.signal.aborted ? 'cancelled' : 'late',
    );
    expect(settled).toBe('late');
  });
});
