// `npm test`: provision the test servers, build, then run both vitest phases whatever the first one gives,
// and say how each went. Phase 2 holds the tests that drive chromium, the demo and federation: they run
// after the rest, so their load does not skew phase 1's memory tests. Extra arguments (`npm test -- --bail=1`)
// go to both phases.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir, provisionTestServers, repoRoot } from './provision-test-servers.mjs';

const phase2Files = ['test/browser', 'test/integration/demo-config.test.ts', 'test/integration/nats-federation.test.ts'];
const phases = [
  {
    name: 'phase 1 (unit and integration)',
    args: ['--exclude', 'test/browser/**', ...phase2Files.slice(1).flatMap((file) => ['--exclude', file])],
  },
  { name: 'phase 2 (browser, demo, federation)', args: phase2Files },
];
const extraArgs = process.argv.slice(2);
const resultsDir = join(repoRoot, '.cache', 'test-results');
const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

const say = (line) => process.stdout.write(`${line}\n`);

const provisioned = provisionTestServers({ cacheDir: defaultCacheDir });
if (!provisioned.ok) {
  process.stderr.write(`${provisioned.message}\n`);
  process.exit(1);
}
const serversLine = Object.entries(provisioned.servers)
  .map(([key, server]) => `${key} ${server.path} (${server.source})`)
  .join(', ');
say(`test servers: ${serversLine}`);

const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`npm test: the build failed (exit ${build.status ?? build.signal}); no test ran\n`);
  process.exit(1);
}

/** Counts from vitest's JSON report, or null when it wrote none (it crashed, or found no file). */
const readCounts = (file) => {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const failedFiles = report.testResults
      .filter((result) => result.status === 'failed')
      .map((result) => result.name.replace(repoRoot, ''));
    return {
      total: report.numTotalTests,
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
      files: report.testResults.length,
      failedFiles,
    };
  } catch {
    return null;
  }
};

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const outcomes = phases.map((phase, index) => {
  const report = join(resultsDir, `phase-${index + 1}.json`);
  say(`\n== npm test: ${phase.name}`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [vitest, 'run', ...phase.args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  return {
    phase,
    code: run.status ?? 1,
    signal: run.signal,
    seconds: Math.round((Date.now() - started) / 1000),
    counts: readCounts(report),
  };
});

say('\n== npm test: summary');
say(`  test servers: ${serversLine}`);
for (const { phase, code, signal, seconds, counts } of outcomes) {
  const verdict = code === 0 ? 'passed' : `FAILED (exit ${signal ?? code})`;
  const detail =
    counts === null
      ? 'no report'
      : `${counts.passed}/${counts.total} tests passed, ${counts.failed} failed, ${counts.skipped} skipped, in ${counts.files} files`;
  say(`  ${phase.name}: ${verdict}: ${detail}, ${seconds} s`);
  for (const file of counts?.failedFiles ?? []) say(`    failed: ${file}`);
}
process.exit(outcomes.every((outcome) => outcome.code === 0) ? 0 : 1);
