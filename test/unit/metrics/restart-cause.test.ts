import { describe, expect, test } from 'vitest';
import type { PluginState } from '../../../src/model/plugin-state.js';
import { initialRestartMemory, observeRestartEvent, type RestartCause, type RestartMemory } from '../../../src/metrics/restart-cause.js';
import type { SupervisorEvent } from '../../../src/model/events.js';

const plugin = 'greeter';

const transition = (from: PluginState, to: PluginState, restarts: number): SupervisorEvent => ({
  type: 'transition',
  plugin,
  from,
  to,
  reason: `${from} → ${to}`,
  at: 0,
  restarts,
  restartCount: restarts,
});

const exited = (expected: boolean): SupervisorEvent => ({
  type: 'exited',
  plugin,
  generation: 1,
  pid: 10,
  code: expected ? 0 : 1,
  signal: null,
  expected,
  stderr: '',
  at: 0,
});

const startFailed: SupervisorEvent = { type: 'startFailed', plugin, generation: 2, reason: 'handshake timed out', at: 0 };

const failedCheck: SupervisorEvent = {
  type: 'check',
  plugin,
  generation: 1,
  check: { at: 0, outcome: 'fail', failure: 'deadline', status: 'unknown', latencyMs: 10_000, message: 'deadline exceeded' },
};

const scheduled: SupervisorEvent = { type: 'restartScheduled', plugin, delayMs: 0, at: 0 };

/** The restart causes a sequence of events gives, in order. */
const restartsOf = (events: SupervisorEvent[], start: RestartMemory = initialRestartMemory): RestartCause[] => {
  const causes: RestartCause[] = [];
  let memory = start;
  for (const event of events) {
    const observed = observeRestartEvent(memory, event);
    memory = observed.memory;
    if (observed.restart !== null) causes.push(observed.restart);
  }
  return causes;
};

describe('observeRestartEvent', () => {
  test('an exit for passing memoryMax makes its automatic restart of cause memory, not crash', () => {
    const pastMemory: SupervisorEvent = { ...exited(false), memory: { bytes: 200, limit: 100, by: 'sampled' } } as SupervisorEvent;
    expect(restartsOf([pastMemory, transition('healthy', 'unhealthy', 0), transition('unhealthy', 'restarting', 1)])).toEqual(['memory']);
    expect(
      restartsOf([pastMemory, transition('healthy', 'unhealthy', 0), exited(false), transition('unhealthy', 'restarting', 1)]),
    ).toEqual(['memory']);
  });

  test('an unasked exit that took the plugin down makes its automatic restart a crash', () => {
    expect(restartsOf([exited(false), transition('healthy', 'unhealthy', 0), scheduled, transition('unhealthy', 'restarting', 1)])).toEqual(
      ['crash'],
    );
  });

  test('failed checks that took the plugin down make its restart unhealthy', () => {
    expect(
      restartsOf([failedCheck, failedCheck, failedCheck, transition('healthy', 'unhealthy', 0), transition('unhealthy', 'restarting', 1)]),
    ).toEqual(['unhealthy']);
  });

  test('a failed start makes the next restart start_failed, even when the killed process exits after it', () => {
    const events = [
      transition('unhealthy', 'restarting', 1),
      startFailed,
      transition('restarting', 'unhealthy', 1),
      // The launch kills the process that never shook hands; hale did not "stop" it, so expected is false.
      exited(false),
      transition('unhealthy', 'restarting', 2),
    ];
    expect(restartsOf(events)).toEqual(['unhealthy', 'start_failed']);
  });

  test('an exit hale asked for is not a crash', () => {
    expect(
      restartsOf([exited(true), failedCheck, transition('degraded', 'unhealthy', 0), transition('unhealthy', 'restarting', 1)]),
    ).toEqual(['unhealthy']);
  });

  test('a crash hint that a check came after does not explain the transition', () => {
    expect(
      restartsOf([exited(false), failedCheck, transition('healthy', 'unhealthy', 0), transition('unhealthy', 'restarting', 1)]),
    ).toEqual(['unhealthy']);
  });

  test('a hint left over from before a transition does not carry to the next one', () => {
    const events = [
      startFailed,
      transition('restarting', 'unhealthy', 1),
      exited(false),
      transition('unhealthy', 'restarting', 2),
      transition('restarting', 'unknown', 2),
      failedCheck,
      transition('unknown', 'unhealthy', 2),
      transition('unhealthy', 'restarting', 3),
    ];
    expect(restartsOf(events)).toEqual(['start_failed', 'unhealthy']);
  });

  test.each<[string, SupervisorEvent[]]>([
    ['from healthy', [transition('healthy', 'restarting', 0)]],
    ['from degraded', [transition('degraded', 'restarting', 2)]],
    ['from failed (restarts start afresh)', [transition('unhealthy', 'failed', 5), transition('failed', 'restarting', 0)]],
    ['while restarting', [transition('unhealthy', 'restarting', 1), transition('restarting', 'restarting', 1)]],
  ])('a restart %s is manual', (_name, events) => {
    expect(restartsOf(events).at(-1)).toBe('manual');
  });

  test('a restart by hand of an unhealthy plugin (the automatic count unchanged) is manual', () => {
    expect(restartsOf([exited(false), transition('healthy', 'unhealthy', 2), transition('unhealthy', 'restarting', 2)])).toEqual([
      'manual',
    ]);
  });

  test('a restart from unhealthy with nothing seen before counts as automatic, for the failed checks', () => {
    expect(restartsOf([transition('unhealthy', 'restarting', 1)])).toEqual(['unhealthy']);
  });

  test('events that are not a restart give none, and a plugin going to failed is not restarted', () => {
    const events = [
      exited(false),
      transition('healthy', 'unhealthy', 5),
      scheduled,
      transition('unhealthy', 'failed', 5),
      transition('failed', 'stopped', 5),
      transition('stopped', 'unknown', 5),
      transition('unknown', 'healthy', 5),
    ];
    expect(restartsOf(events)).toEqual([]);
  });

  test('the memory is a value: observing never changes the memory passed in', () => {
    const before: RestartMemory = { ...initialRestartMemory };
    observeRestartEvent(before, exited(false));
    observeRestartEvent(before, transition('healthy', 'unhealthy', 0));
    expect(before).toEqual(initialRestartMemory);
  });
});
