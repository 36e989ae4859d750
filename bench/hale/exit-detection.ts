import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../src/log.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { createSupervisor, type Supervisor } from '../../src/supervisor/supervisor.js';
import { greeterMain } from '../../test/helpers/paths.js';
import { pluginConfig, supervisorConfig } from '../../test/helpers/supervised.js';

export interface ExitDetector {
  /** SIGKILLs the greeter and times (ms, sub-millisecond) until the supervisor publishes its unhealthy transition; resolves once it is healthy again. */
  trial(): Promise<number>;
  stop(): Promise<void>;
}

const isTransition = (to: string) => (event: SupervisorEvent) =>
  event.type === 'transition' && event.plugin === 'greeter' && event.to === to;

const nextEvent = (supervisor: Supervisor, match: (event: SupervisorEvent) => boolean, timeoutMs = 30_000): Promise<number> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = supervisor.events.subscribe((event) => {
      if (!match(event)) return;
      // Taken in the publish itself: the moment the supervisor knows.
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });

/**
 * Exit detection as the supervisor itself sees it, with a clock finer than
 * its log's milliseconds: hale's own Supervisor (the library) runs in this
 * process, supervising the greeter, logging at info to nowhere; each trial
 * SIGKILLs the plugin and waits for the `unhealthy` transition event.
 *
 * @example
 * const detector = await startExitDetector();
 * const ms = await detector.trial(); // 4.6
 * await detector.stop();
 */
export const startExitDetector = async (): Promise<ExitDetector> => {
  const nowhere = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const config = supervisorConfig([
    pluginConfig('greeter', [greeterMain], { checkInterval: 1_000, checkTimeout: 1_000, restartBackoff: 0, maxRestarts: 1_000 }),
  ]);
  const supervisor = createSupervisor(config, { log: createLogger({ level: 'info', destination: nowhere }) });
  const healthy = nextEvent(supervisor, isTransition('healthy'));
  await supervisor.start();
  await healthy;
  return {
    trial: async () => {
      const pid = supervisor.plugin('greeter')?.pid;
      if (pid === null || pid === undefined) throw new Error('the greeter runs no process');
      const unhealthy = nextEvent(supervisor, isTransition('unhealthy'));
      const back = nextEvent(supervisor, isTransition('healthy'));
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      const detectedAt = await unhealthy;
      await back;
      return detectedAt - killedAt;
    },
    stop: () => supervisor.stop('bench over'),
  };
};
