#!/usr/bin/env -S node --max-semi-space-size=1 --no-sparkplug
// The flags: a small young generation and no baseline code, for a smaller RSS; what they save and cost is measured by npm run bench (README, "Benchmarks").
import { readCommandLine, type OptionValues } from './commands/command-line.js';
import { exitCodes } from './commands/exit-codes.js';
import { commandUsage } from './commands/usage.js';
import { parseDuration } from './config/duration.js';
import { version } from './version.js';

const refuse = (message: string, help: string): number => {
  process.stderr.write(`hale: ${message}\n\n${help}`);
  return exitCodes.usage;
};

const text = (values: OptionValues, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};
const flag = (values: OptionValues, name: string): boolean | undefined => (values[name] === true ? true : undefined);

/** A whole number from `min` to `max` written in decimal digits; undefined for anything else. */
const readWhole = (raw: string, min: number, max: number): number | undefined => {
  const n = /^[0-9]{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  return n >= min && n <= max ? n : undefined;
};

// Each command is imported when it runs: `hale run` holds none of the clients' code, `hale status` none of the supervisor's.
/** Exit codes: 0 done, 1 failed, 2 bad usage or config, 3 unreachable, 4 token refused, 5 not found. */
const main = async (argv: string[]): Promise<number> => {
  const line = readCommandLine(argv);
  if (line.kind === 'refused') return refuse(line.message, line.help);
  if (line.kind === 'version') {
    process.stdout.write(`${version}\n`);
    return exitCodes.ok;
  }
  if (line.kind === 'help') {
    process.stdout.write(line.text);
    return exitCodes.ok;
  }
  const { command, args, values } = line;
  const help = commandUsage[command] ?? '';
  const target = { url: text(values, 'url'), token: text(values, 'token'), config: text(values, 'config') };
  const [first = '', second = ''] = args;
  switch (command) {
    case 'run': {
      const rawPort = text(values, 'port');
      const apiPort = rawPort === undefined ? undefined : readWhole(rawPort, 0, 65_535);
      if (rawPort !== undefined && apiPort === undefined)
        return refuse(`--port takes a whole number from 0 to 65535, not "${rawPort}"`, help);
      return (await import('./commands/run.js')).runCommand({
        configFile: target.config ?? 'supervisor.yaml',
        ...(apiPort === undefined ? {} : { apiPort }),
      });
    }
    case 'validate':
      return (await import('./commands/validate.js')).validateCommand({ configFile: target.config ?? 'supervisor.yaml' });
    case 'status':
    case 'ls':
      return (await import('./commands/status.js')).statusCommand(args[0], { ...target, json: flag(values, 'json') });
    case 'top':
      return (await import('./commands/top.js')).topCommand({ ...target, once: flag(values, 'once') });
    case 'restart':
    case 'stop':
    case 'start': {
      const rawTimeout = text(values, 'timeout');
      const timeout = rawTimeout === undefined ? { ok: true as const, ms: undefined } : parseDuration(rawTimeout);
      if (!timeout.ok) return refuse(`--timeout: ${timeout.message}`, help);
      const all = flag(values, 'all') === true;
      if (all === (args.length === 1)) return refuse(`${command} takes either NAME or --all`, help);
      const flags = { ...target, detach: flag(values, 'detach'), timeoutMs: timeout.ms };
      const { controlAllCommand, controlCommand } = await import('./commands/control.js');
      return all ? controlAllCommand(command, flags) : controlCommand(command, first, flags);
    }
    case 'signal':
      return (await import('./commands/control.js')).signalCommand(first, second, target);
    case 'logs': {
      const rawTail = text(values, 'tail');
      const tail = rawTail === undefined ? undefined : readWhole(rawTail, 1, 1_000);
      if (rawTail !== undefined && tail === undefined) return refuse('--tail takes a whole number from 1 to 1000', help);
      return (await import('./commands/logs.js')).logsCommand(first, { ...target, tail, follow: flag(values, 'follow') });
    }
    case 'healthcheck':
      return (await import('./commands/healthcheck.js')).healthcheckCommand({ ...target, readiness: flag(values, 'readiness') });
    case 'reload':
      return (await import('./commands/reload.js')).reloadCommand({ ...target, json: flag(values, 'json') });
    case 'init':
      return (await import('./commands/init.js')).initCommand(args[0], { name: text(values, 'name') });
  }
};

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever still holds the loop open after a clean stop must not keep hale from exiting.
setTimeout(() => process.exit(code), 2_000).unref();
