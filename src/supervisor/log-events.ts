import type { Logger } from '../log.js';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';

const worse = new Set(['unhealthy', 'failed']);

/**
 * Writes every supervisor event as one pino line with `plugin` and `event`;
 * failures at warn or error, routine at info, passing checks at debug.
 * `pid` is hale's own (pino's base field); a plugin's process is `pluginPid`.
 *
 * @example
 * const off = logEvents(supervisor.events, log);
 */
export const logEvents = (bus: EventBus<SupervisorEvent>, log: Logger): (() => void) =>
  bus.subscribe((event) => {
    // pino stamps its own time; `at` would say it twice.
    const { type, plugin, at: _at, pid, ...fields } = event as SupervisorEvent & { at?: number; pid?: number };
    const line = { plugin, event: type, ...fields, ...(pid === undefined ? {} : { pluginPid: pid }) };
    switch (event.type) {
      case 'transition':
        log[event.to === 'failed' ? 'error' : worse.has(event.to) ? 'warn' : 'info'](
          line,
          `${plugin}: ${event.from} → ${event.to} (${event.reason})`,
        );
        return;
      case 'check':
        log[event.check.outcome === 'fail' ? 'warn' : 'debug'](line, `${plugin}: health check ${event.check.outcome}`);
        return;
      case 'startFailed':
        log.warn(line, `${plugin}: start failed: ${event.reason}`);
        return;
      case 'exited':
        log[event.expected ? 'info' : 'warn'](
          line,
          `${plugin}: process ${event.pid} exited${event.expected ? '' : ' unexpectedly'}${event.memory === undefined ? '' : ' (memory: past memoryMax)'}`,
        );
        return;
      case 'spawned':
        log.info(line, `${plugin}: spawned pid ${event.pid}`);
        return;
      case 'ready':
        log.info(
          line,
          event.address === null
            ? `${plugin}: up in ${event.startMs} ms (its health check passed)`
            : `${plugin}: connected at ${event.address} in ${event.startMs} ms`,
        );
        return;
      case 'stopped':
        log.info(line, `${plugin}: stopped pid ${event.pid} (${event.stage}, ${event.durationMs} ms)`);
        return;
      case 'restartScheduled':
        log.info(line, `${plugin}: restart in ${event.delayMs} ms`);
        return;
      case 'waiting':
        log.info(line, `${plugin}: ${event.reason}`);
        return;
      case 'operation': {
        const { action, status, outcome, id } = event.operation;
        const words = status === 'pending' ? `${action} requested (${event.operation.reason})` : `${action} ${status}: ${outcome ?? ''}`;
        log[status === 'failed' ? 'warn' : 'info']({ plugin, event: type, operation: id, action, status }, `${plugin}: ${words}`);
        return;
      }
      case 'dependencyCheck':
        log[event.check.outcome === 'fail' ? 'warn' : 'debug'](
          { event: type, dependency: event.dependency, check: event.check },
          `check ${event.dependency}: ${event.check.outcome}${event.check.outcome === 'fail' ? ` (${event.check.message})` : ''}`,
        );
        return;
      case 'readiness':
        log[event.to === 'failing' ? 'warn' : 'info'](line, `${plugin}: readiness ${event.from} → ${event.to} (${event.reason})`);
        return;
      case 'dependencyTransition':
        log[event.to === 'unhealthy' ? (event.critical ? 'error' : 'warn') : 'info'](
          line,
          `check ${event.dependency}: ${event.from} → ${event.to} (${event.reason})`,
        );
        return;
      case 'supervisor':
        // The run command says so in its own words; the event is for readers of the stream.
        log.debug(line, `supervisor ${event.phase}: ${event.reason}`);
        return;
      case 'reloaded': {
        const counts = (['added', 'removed', 'changed', 'unchanged'] as const).map((k) => `${event[k].length} ${k}`).join(', ');
        log.info(line, `config reloaded: ${counts}`);
        if (event.ignored.length > 0)
          log.warn(
            { event: type, ignored: event.ignored },
            `config reloaded, but these take effect only when hale restarts: ${event.ignored.join(', ')}`,
          );
        return;
      }
    }
  });
