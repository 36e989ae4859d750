#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runCommand } from './commands/run.js';
import { usage } from './commands/usage.js';
import { validateCommand } from './commands/validate.js';
import { version } from './version.js';

/** Exit codes: 0 done, 1 failed while running, 2 bad usage or config. */
const main = async (argv: string[]): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: 'supervisor.yaml' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`hale: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const [command = 'run', ...rest] = positionals;
  if (rest.length > 0) {
    process.stderr.write(`hale: unexpected argument "${rest[0]}"\n\n${usage}`);
    return 2;
  }
  switch (command) {
    case 'run':
      return runCommand({ configFile: values.config });
    case 'validate':
      return validateCommand({ configFile: values.config });
    default:
      process.stderr.write(`hale: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
};

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever still holds the loop open after a clean stop must not keep hale from exiting.
setTimeout(() => process.exit(code), 2_000).unref();
