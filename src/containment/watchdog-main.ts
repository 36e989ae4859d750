// The watchdog's cleanup: it reads the guard's lines on stdin, and when they end
// it ends every group still guarded and exits. It runs once hale is gone, fed
// the live lines by the sh loop that idled meanwhile (hale-watchdog.sh); or,
// where there is no /bin/sh, it is itself the watchdog, its stdin the pipe
// only hale holds. See src/containment/watchdog.ts.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { removeCgroup } from './cgroup.js';
import { endGroups } from './end-groups.js';
import type { GroupRecord } from './group-records.js';
import { removeRunCgroups } from './recorded-cgroups.js';
import { parseWatchdogMessage } from './watchdog-protocol.js';

// A Ctrl-C, a hangup or a SIGTERM to the whole service (systemd stops a cgroup so) is for hale,
// which stops its plugins itself and then closes our stdin: we outlive it to clean up after it.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => undefined);
// `ps` names it; and the name says the handlers above are in place (node catches SIGTERM itself until then, and dies of it).
process.title = 'hale-watchdog';
// Whoever read our stderr may be gone with hale.
process.stderr.on('error', () => undefined);

const guarded = new Map<number, GroupRecord>();
// The supervisor's start time, which it tells us (our parent may be the sh, or nobody by now):
// every plugin of its run started after it did. All marked processes of the run when not told.
let supervisorStart: string | null = null;
// When the sh loop sent the first SIGTERM to the proven groups (seconds since boot), if it did.
let termedAt: number | null = null;
// A SIGTERM gets this long before SIGKILL; counted from the sh loop's, at least graceFloorMs from ours.
const graceMs = 400;
const graceFloorMs = 100;

const readUptime = (): number | null => {
  try {
    return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
};

/** The grace left of the one that began with the sh loop's SIGTERM: node took part of it to start. */
const graceLeftMs = (): number => {
  const now = readUptime();
  if (termedAt === null || now === null || !Number.isFinite(now)) return graceMs;
  return Math.max(graceFloorMs, Math.min(graceMs, Math.round(graceMs - (now - termedAt) * 1_000)));
};
// The run: every process with its mark, and everything in its cgroup, is the supervisor's.
let run: { runId: string; cgroup: string | null } | null = null;

const report = (fields: Record<string, unknown>, msg: string): void => {
  process.stderr.write(
    `${JSON.stringify({ level: 40, time: new Date().toISOString(), pid: process.pid, name: 'hale-watchdog', ...fields, msg })}\n`,
  );
};

const finish = async (): Promise<void> => {
  const began = Date.now();
  const records = [...guarded.values()];
  guarded.clear();
  const pluginCgroups = records.flatMap((record) => (record.cgroup === undefined ? [] : [record.cgroup]));
  const cgroups = run?.cgroup == null ? pluginCgroups : [run.cgroup];
  const { ended, survivors } = await endGroups(records, {
    graceMs: graceLeftMs(),
    killWaitMs: 1_000,
    pollMs: 10,
    runIds: run === null ? [] : [run.runId],
    cgroups,
    markedSince: supervisorStart,
  });
  if (ended.length > 0)
    report({ pids: ended, survivors, ms: Date.now() - began }, 'the supervisor is gone: ended the plugin processes it left');
  // The run's cgroup, and every plugin's in it, once empty (a moment after the last exit).
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const left = removeRunCgroups(pluginCgroups).length + (run?.cgroup == null || removeCgroup(run.cgroup) ? 0 : 1);
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.exit(0);
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const message = parseWatchdogMessage(line);
  if (message?.op === 'add') {
    const { pid, startTime, runId, cgroup } = message;
    guarded.set(pid, { pid, startTime, runId, cgroup });
  } else if (message?.op === 'remove') guarded.delete(message.pid);
  else if (message?.op === 'run') run = { runId: message.runId, cgroup: message.cgroup };
  else if (message?.op === 'since') supervisorStart = message.startTime;
  else if (message?.op === 'termed') termedAt = Number(message.uptime);
});
lines.once('close', () => void finish());
process.stdin.once('error', () => lines.close());
