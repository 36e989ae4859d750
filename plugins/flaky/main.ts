// flaky: a hale plugin whose faults are chosen by flags or FLAKY_* variables, for tests and demos.
import { existsSync } from 'node:fs';
import { createPluginLogger, exitUnlessSupervised, servePlugin, watchStdinClose } from 'hale/sdk';
import { parseFaults, usage } from './faults.js';
import { createFlakyHealth } from './flaky-health.js';
import { hangForever } from './hang.js';
import { listenForTriggers, takeOneShot } from './triggers.js';

// EX_CONFIG from sysexits.h: the supervisor's config gave flaky options it cannot use.
const exitBadOptions = 78;

// Read first: a hang checks against it, and the parent may be gone before the hang begins.
const parentPid = process.ppid;
const parsed = parseFaults(process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`flaky: ${parsed.message}\n${usage}\n`);
  process.exit(exitBadOptions);
}
if ('help' in parsed) {
  process.stderr.write(`${usage}\n`);
  process.exit(0);
}
const { faults } = parsed;
const log = createPluginLogger();
exitUnlessSupervised({ name: 'flaky' });

if (faults.exitAtOnce !== null) {
  log.error(`fault: exiting at once with code ${faults.exitAtOnce}, before the handshake (--exit-at-once)`);
  process.exit(faults.exitAtOnce);
}

if (faults.exitWhileFile !== null && existsSync(faults.exitWhileFile)) {
  log.error(`fault: exiting at once with code 1 while ${faults.exitWhileFile} exists (--exit-while-file)`);
  process.exit(1);
}

const flaky = createFlakyHealth(faults, log);
// Early: until a listener exists, a SIGUSR1 would open Node's inspector instead.
listenForTriggers(flaky, faults);

const badHandshakeFlag = faults.badHandshake ? '--bad-handshake' : takeOneShot(faults.faultDir, 'bad-handshake') ? '--fault-dir' : null;
if (badHandshakeFlag !== null) {
  log.error(`fault: printing a bad handshake line and waiting (${badHandshakeFlag})`);
  process.stdout.write('1|1|carrier-pigeon|nowhere|grpc\n');
  // Wait to be stopped; still leave when the supervisor is gone.
  setInterval(() => {}, 60_000);
  watchStdinClose(() => process.exit(0));
} else {
  await servePlugin({
    name: 'flaky',
    version: '1.0.0',
    description: 'A plugin with faults on demand: crash, hang, unhealthy, degraded, slow, bad handshake.',
    health: flaky.health,
  });
  flaky.start();
  const { crashAfterMs, hangAfterMs } = faults;
  if (crashAfterMs !== null) {
    setTimeout(() => {
      log.error(`fault: crashing with exit code ${faults.crashCode} (--crash-after ${crashAfterMs}ms)`);
      process.exit(faults.crashCode);
    }, crashAfterMs);
  }
  if (hangAfterMs !== null) {
    setTimeout(() => {
      log.error(`fault: hanging; only SIGKILL ends this now (--hang-after ${hangAfterMs}ms)`);
      hangForever(parentPid, log);
    }, hangAfterMs);
  }
}
