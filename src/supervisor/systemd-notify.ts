import type { Logger } from '../log.js';
import { runCommand } from '../process/run-process.js';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import { readiness } from './overall.js';
import { createServingSource } from './serving-status.js';
import { supervisorService } from '../grpc/serving-source.js';
import type { SupervisorSnapshot } from '../model/status.js';

/** How far hale has told systemd about its start: nothing yet, READY=1, or STOPPING=1. */
type NotifiedPhase = 'starting' | 'ready' | 'stopping';

/** Follows the supervisor for systemd until it stops; `close` ends that early. */
export interface SystemdNotifier {
  close(): void;
}

export interface SystemdNotifyOptions {
  /** Where NOTIFY_SOCKET is read, and taken out of (so plugins do not inherit it); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** How long one systemd-notify may take before it is killed and the message given up. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 10_000;

/** Runs `systemd-notify ASSIGNMENTS…` through the one process wrapper: null when it succeeded, else why not. */
const runSystemdNotify = async (assignments: string[], env: Record<string, string>, timeoutMs: number): Promise<string | null> => {
  const result = await runCommand({ command: 'systemd-notify', args: assignments, cwd: '/', env, timeoutMs, maxOutputBytes: 4_096 });
  if (!result.ok) return result.message;
  if (result.timedOut) return `no answer within ${timeoutMs} ms`;
  if (result.code === 0) return null;
  return [`exit ${result.code ?? result.signal ?? '?'}`, result.stderr.trim()].filter((part) => part !== '').join(': ');
};

/**
 * Under systemd's `Type=notify` (NOTIFY_SOCKET set): tells systemd READY=1 once the supervisor is ready —
 * every plugin's first start tried and every critical plugin and check serving, as GET /health/readiness says —
 * and STOPPING=1 when it begins to stop. Node has no unix datagram socket, so it runs `systemd-notify`, which waits
 * until systemd has read the message (the unit needs `NotifyAccess=all`: the sender is hale's child). NOTIFY_SOCKET
 * is taken out of `env` so the plugins do not inherit it and cannot say READY=1 for hale. Returns null without
 * NOTIFY_SOCKET. A message that cannot be sent is a warn line; hale runs on.
 *
 * @example
 * const supervisor = createSupervisor(config, { log });
 * notifySystemd(supervisor, log); // before supervisor.start(): no change of readiness is missed
 */
export const notifySystemd = (
  supervisor: { events: EventBus<SupervisorEvent>; snapshot(): SupervisorSnapshot },
  log: Logger,
  options: SystemdNotifyOptions = {},
): SystemdNotifier | null => {
  const env = options.env ?? process.env;
  const socket = env['NOTIFY_SOCKET'];
  if (socket === undefined || socket === '') return null;
  delete env['NOTIFY_SOCKET'];
  const childEnv: Record<string, string> = { NOTIFY_SOCKET: socket };
  for (const [name, value] of Object.entries(env)) if (value !== undefined && name !== 'NOTIFY_SOCKET') childEnv[name] = value;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  let phase: NotifiedPhase = 'starting';
  // One at a time, in order: STOPPING=1 never overtakes READY=1.
  let sending: Promise<void> = Promise.resolve();
  const send = (assignments: string[], what: string): void => {
    sending = sending.then(async () => {
      const failure = await runSystemdNotify(assignments, childEnv, timeoutMs);
      if (failure === null) log.debug({ notifySocket: socket, sent: assignments }, `told systemd ${what}`);
      else
        log.warn({ notifySocket: socket, sent: assignments }, `could not tell systemd ${what} (systemd-notify: ${failure}); hale runs on`);
    });
  };

  const source = createServingSource(supervisor);
  const becomeReady = (): void => {
    if (phase !== 'starting') return;
    phase = 'ready';
    send(['READY=1', `STATUS=${readiness(supervisor.snapshot()).reason}`], 'hale is ready');
  };
  const unsubscribeServing = source.subscribe((changes) => {
    if (changes.some((change) => change.service === supervisorService && change.status === 'SERVING')) becomeReady();
  });
  const unsubscribeStop = supervisor.events.subscribe((event) => {
    if (event.type !== 'supervisor' || event.phase !== 'stopping' || phase === 'stopping') return;
    phase = 'stopping';
    send(['STOPPING=1', `STATUS=stopping: ${event.reason}`], 'hale is stopping');
    close();
  });
  const close = (): void => {
    unsubscribeServing();
    unsubscribeStop();
    source.close();
  };
  if (source.current().get(supervisorService) === 'SERVING') becomeReady();
  return { close };
};
