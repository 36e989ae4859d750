#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { controlCommand, signalCommand } from './commands/control.js';
import { exitCodes } from './commands/exit-codes.js';
import { healthcheckCommand } from './commands/healthcheck.js';
import { initCommand } from './commands/init.js';
import { logsCommand } from './commands/logs.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { commandUsage, usage } from './commands/usage.js';
import { validateCommand } from './commands/validate.js';
import { parseDuration } from './config/duration.js';
import { version } from './version.js';

const options = {
  config: { type: 'string', short: 'c' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  detach: { type: 'boolean' },
  timeout: { type: 'string' },
  tail: { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  readiness: { type: 'boolean' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Each command and the positional arguments it takes. */
const arities: Record<string, number> = { run: 0, validate: 0, status: 0, restart: 1, stop: 1, start: 1, signal: 2, logs: 1, healthcheck: 0, init: -1 };

const refuse = (message: string, help = usage): number => {
  process.stderr.write(`hale: ${message}\n\n${help}`);
  return exitCodes.usage;
};

/** Exit codes: 0 done, 1 failed, 2 bad usage or config, 3 unreachable, 4 token refused, 5 not found. */
const main = async (argv: string[]): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    process.stdout.write(`${version}\n`);
    return exitCodes.ok;
  }
  const [command = 'run', ...rest] = positionals;
  const arity = arities[command];
  if (arity === undefined) return refuse(`unknown command "${command}"`);
  const help = commandUsage[command] ?? usage;
  if (values.help === true) {
    process.stdout.write(positionals.length === 0 ? usage : help);
    return exitCodes.ok;
  }
  if (arity >= 0 && rest.length !== arity) return refuse(`${command} takes ${arity === 0 ? 'no argument' : arity === 1 ? 'one argument' : `${arity} arguments`}, not ${rest.length}`, help);
  if (arity < 0 && rest.length > 1) return refuse(`${command} takes at most one argument`, help);
  const target = { url: values.url, token: values.token, config: values.config };
  const timeout = values.timeout === undefined ? { ok: true as const, ms: undefined } : parseDuration(values.timeout);
  if (!timeout.ok) return refuse(`--timeout: ${timeout.message}`, help);
  const tail = values.tail === undefined ? undefined : Number(values.tail);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 1 && tail <= 1_000)) return refuse('--tail takes a whole number from 1 to 1000', help);
  const [first = '', second = ''] = rest;
  switch (command) {
    case 'run':
      return runCommand({ configFile: values.config ?? 'supervisor.yaml' });
    case 'validate':
      return validateCommand({ configFile: values.config ?? 'supervisor.yaml' });
    case 'status':
      return statusCommand({ ...target, json: values.json });
    case 'restart':
    case 'stop':
    case 'start':
      return controlCommand(command, first, { ...target, detach: values.detach, timeoutMs: timeout.ms });
    case 'signal':
      return signalCommand(first, second, target);
    case 'logs':
      return logsCommand(first, { ...target, tail, follow: values.follow });
    case 'healthcheck':
      return healthcheckCommand({ ...target, readiness: values.readiness });
    default:
      return initCommand(rest[0], { name: values.name });
  }
};

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever still holds the loop open after a clean stop must not keep hale from exiting.
setTimeout(() => process.exit(code), 2_000).unref();
