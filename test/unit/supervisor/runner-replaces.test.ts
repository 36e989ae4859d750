import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ProcessGuard } from '../../../src/containment/process-guard.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import type { RunnerDeps } from '../../../src/supervisor/runner-deps.js';
import { PluginRunner } from '../../../src/supervisor/runner.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';
import { pluginConfig } from '../../helpers/supervised.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// A runner made stopped by hand never spawns, so the guard is never asked for anything.
const unusedGuard = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error('the guard was used');
    },
  },
) as ProcessGuard;

describe('a runner that replaces another (a reload of a changed plugin)', () => {
  it('goes on counting generations from the one it replaced, and keeps no hold on it: reload after reload, the old runners are freed', async () => {
    const { log } = createMemoryLogger('silent');
    const deps: RunnerDeps = { bus: createEventBus<SupervisorEvent>(), log, socketRoot: '/nonexistent', guard: unusedGuard };
    const config = pluginConfig('echo', []);
    let current = new PluginRunner(config, deps, 'stopped by hand');
    const first = new WeakRef(current);
    const replaced: Array<WeakRef<PluginRunner>> = [];
    for (let reload = 0; reload < 20; reload++) {
      replaced.push(new WeakRef(current));
      current = new PluginRunner(config, { ...deps, replaces: current }, 'stopped by hand');
    }
    expect(current.status().generation).toBe(0);
    // Each replaced runner's stop settles before it can be let go.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(first.deref()).toBeUndefined();
    expect(replaced.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(current.name).toBe('echo');
  });
});
