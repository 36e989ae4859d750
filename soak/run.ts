// `npm run soak`: hale under random faults for a set time, then a table of what held and what broke.
import { randomInt } from 'node:crypto';
import { parseSoakArgs, soakUsage } from './options.js';
import { formatReport } from './report.js';
import { runSoak } from './run-soak.js';

const parsed = parseSoakArgs(process.argv.slice(2), randomInt(0, 2 ** 31));
if (!parsed.ok) {
  process.stderr.write(`soak: ${parsed.message}\n${soakUsage}\n`);
  process.exit(2);
}
if ('help' in parsed) {
  process.stdout.write(`${soakUsage}\n`);
  process.exit(0);
}
const { options } = parsed;
const say = (line: string): void => void process.stderr.write(`soak: ${line}\n`);
// A soak that could not run (hale did not start, say) is a failure with a reason, not a stack trace.
const report = await runSoak(options, {
  progress: say,
  ...(options.verbose
    ? {
        onFault: (f) =>
          say(
            `${(f.atMs / 1000).toFixed(1)}s ${f.plugin} ${f.kind}: ${f.actual ?? 'unsettled'} restarts (expected ${f.expected.min}${f.expected.max === f.expected.min ? '' : `–${f.expected.max}`}), settled in ${f.settleMs ?? '—'} ms`,
          ),
      }
    : {}),
}).catch((error: unknown) => {
  say(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  return null;
});
if (report === null) {
  process.exitCode = 1;
} else {
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}
