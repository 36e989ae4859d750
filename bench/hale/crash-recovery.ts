import { sayHello } from './greeter-client.js';
import type { HaleBench } from './hale-bench.js';
import { isTransition, logTimeMs, nextLine } from './log-lines.js';
import { readPluginPid } from './plugin-api.js';

/** One crash of the greeter, every time in ms from the SIGKILL. */
export interface CrashTrial {
  /** hale saw the process exit (its 'exited' log line). */
  exitedMs: number;
  /** hale declared the plugin unhealthy: exit detection. */
  unhealthyMs: number;
  /** The new process was connected and had answered GetInfo (the 'ready' line). */
  readyMs: number;
  /** hale declared the new process healthy: crash → healthy. */
  healthyMs: number;
  /** The new process answered its own SayHello, called by a client that learned its address from the 'ready' line. */
  rpcMs: number;
}

/**
 * SIGKILLs the running greeter `name` under `bench` and times its way back:
 * hale's log lines (their `time`) for exit, unhealthy, ready and healthy, and
 * a SayHello to the new process for when its own service answers again.
 * Resolves once the plugin is healthy again, ready for the next trial. The
 * bench should run it with restartBackoff 0 and successThreshold 1 (the
 * bench defaults).
 *
 * @example
 * const bench = await startHaleBench({ plugins: [greeterPlugin()] });
 * await bench.hale.line(isTransition('greeter', 'healthy'));
 * const trial = await measureCrashRecovery(bench, 'greeter'); // { exitedMs: 1, unhealthyMs: 1, readyMs: 118, healthyMs: 121, rpcMs: 124 }
 */
export const measureCrashRecovery = async (bench: HaleBench, name = 'greeter'): Promise<CrashTrial> => {
  const { hale } = bench;
  const pid = await readPluginPid(bench.url, name);
  const exited = nextLine(hale, (l) => l.event === 'exited' && l.plugin === name && l.pluginPid === pid);
  const unhealthy = nextLine(hale, isTransition(name, 'unhealthy'));
  const ready = nextLine(hale, (l) => l.event === 'ready' && l.plugin === name);
  const healthy = nextLine(hale, isTransition(name, 'healthy'));
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const answered = ready.then(async (line) => {
    const answer = await sayHello(String(line.address), 5_000);
    if (!answer.ok) throw new Error(`the restarted ${name} did not answer SayHello: ${answer.message}`);
    return Date.now();
  });
  // All at once, so that one that fails leaves none of the others unhandled.
  const [exitedLine, unhealthyLine, readyLine, healthyLine, answeredAt] = await Promise.all([exited, unhealthy, ready, healthy, answered]);
  return {
    exitedMs: logTimeMs(exitedLine) - killedAt,
    unhealthyMs: logTimeMs(unhealthyLine) - killedAt,
    readyMs: logTimeMs(readyLine) - killedAt,
    healthyMs: logTimeMs(healthyLine) - killedAt,
    rpcMs: answeredAt - killedAt,
  };
};
