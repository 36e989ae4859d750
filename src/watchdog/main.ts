// The watchdog: guards hale's plugin process groups from outside hale. When
// its stdin (a pipe only hale holds) ends, hale is gone, however it died: it
// ends every group it still guards and exits. See src/state/watchdog.ts.
import { createInterface } from 'node:readline';
import { endGroups } from '../state/end-groups.js';
import type { GroupRecord } from '../state/group-records.js';
import { parseWatchdogMessage } from '../state/watchdog-protocol.js';

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

const report = (fields: Record<string, unknown>, msg: string): void => {
  process.stderr.write(`${JSON.stringify({ level: 40, time: new Date().toISOString(), pid: process.pid, name: 'hale-watchdog', ...fields, msg })}\n`);
};

const finish = async (): Promise<void> => {
  const records = [...guarded.values()];
  guarded.clear();
  const { ended, survivors } = await endGroups(records, { graceMs: 400, killWaitMs: 1_000, pollMs: 10 });
  if (ended.length > 0) report({ pids: ended, survivors }, 'the supervisor is gone: ended the plugin processes it left');
  process.exit(0);
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const message = parseWatchdogMessage(line);
  if (message?.op === 'add') guarded.set(message.pid, { pid: message.pid, startTime: message.startTime });
  else if (message?.op === 'remove') guarded.delete(message.pid);
});
lines.once('close', () => void finish());
process.stdin.once('error', () => lines.close());
