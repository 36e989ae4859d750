import { parseArgs } from 'node:util';
import { commandUsage, usage } from './usage.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

const help = { help: { type: 'boolean', short: 'h' } } as const satisfies Record<string, OptionSpec>;
const target = {
  url: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string', short: 'c' },
} as const satisfies Record<string, OptionSpec>;
const control = { ...target, detach: { type: 'boolean' }, timeout: { type: 'string' }, all: { type: 'boolean' } } as const satisfies Record<
  string,
  OptionSpec
>;
const status = { ...target, json: { type: 'boolean' } } as const satisfies Record<string, OptionSpec>;

/** The commands hale knows. */
export type CommandName =
  'run' | 'validate' | 'status' | 'ls' | 'top' | 'restart' | 'stop' | 'start' | 'signal' | 'logs' | 'healthcheck' | 'reload' | 'init';

interface CommandSpec {
  options: Record<string, OptionSpec>;
  /** How many arguments it takes, at least and at most. */
  args: readonly [number, number];
}

/** Each command with the options it takes; anything else is refused with its usage. */
const commands: Record<CommandName, CommandSpec> = {
  run: { options: { config: target.config, port: { type: 'string' } }, args: [0, 0] },
  validate: { options: { config: target.config }, args: [0, 0] },
  status: { options: status, args: [0, 1] },
  ls: { options: status, args: [0, 1] },
  top: { options: { ...target, once: { type: 'boolean' } }, args: [0, 0] },
  restart: { options: control, args: [0, 1] },
  stop: { options: control, args: [0, 1] },
  start: { options: control, args: [0, 1] },
  signal: { options: target, args: [2, 2] },
  logs: { options: { ...target, tail: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } }, args: [1, 1] },
  healthcheck: { options: { ...target, readiness: { type: 'boolean' } }, args: [0, 0] },
  reload: { options: { ...target, json: { type: 'boolean' } }, args: [0, 0] },
  init: { options: { name: { type: 'string' } }, args: [0, 1] },
};

const isCommand = (word: string): word is CommandName => Object.hasOwn(commands, word);

// Every option any command takes: enough to tell an option's value from the command's name.
const everyOption: Record<string, OptionSpec> = Object.fromEntries([
  ['version', { type: 'boolean', short: 'v' }],
  ...Object.entries(help),
  ...Object.values(commands).flatMap((c) => Object.entries(c.options)),
]);

/** Option values as parseArgs gives them. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** What the command line asks for, or why it cannot be done; never a throw. */
export type CommandLine =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'refused'; message: string; help: string }
  | { kind: 'command'; command: CommandName; args: string[]; values: OptionValues };

const countWords = (n: number): string => (n === 0 ? 'no argument' : n === 1 ? 'one argument' : `${n} arguments`);

/** The option (as written) that `command` does not take, said in words; null when none is. */
const describeStrayOption = (args: string[], command: CommandName, options: Record<string, OptionSpec>): string | null => {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(options, token.name)) continue;
    // Unknown to this command's table, a short option keeps its letter as its name.
    const known = Object.entries(everyOption).some(
      ([long, spec]) => long !== 'version' && (long === token.name || spec.short === token.name),
    );
    return known ? `${command} does not take ${token.rawName}` : `unknown option ${token.rawName}`;
  }
  return null;
};

/**
 * Reads hale's command line: the command (`run` when none is named), then
 * only the options that command takes. An option it does not take, or a
 * wrong number of arguments, is refused with that command's usage.
 *
 * @example
 * readCommandLine(['status', '--json']); // { kind: 'command', command: 'status', args: [], values: { json: true } }
 * readCommandLine(['validate', '--json']).kind; // 'refused'
 */
export const readCommandLine = (argv: string[]): CommandLine => {
  const { tokens } = parseArgs({ args: argv, options: everyOption, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional' || token.kind === 'option-terminator');
  const named = first?.kind === 'positional' ? first : undefined;
  if (named !== undefined && !isCommand(named.value)) return { kind: 'refused', message: `unknown command "${named.value}"`, help: usage };
  const command: CommandName = named === undefined ? 'run' : (named.value as CommandName);
  const spec = commands[command];
  // With no command named, `hale -v` and `hale --help` are about hale itself.
  const options: Record<string, OptionSpec> =
    named === undefined ? { ...spec.options, ...help, version: { type: 'boolean', short: 'v' } } : { ...spec.options, ...help };
  const rest = named === undefined ? argv : [...argv.slice(0, named.index), ...argv.slice(named.index + 1)];
  const helpText = commandUsage[command] ?? usage;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = describeStrayOption(rest, command, options) ?? (error instanceof Error ? error.message : String(error));
    return { kind: 'refused', message, help: named === undefined ? usage : helpText };
  }
  const values = parsed.values;
  if (values['version'] === true) return { kind: 'version' };
  if (values['help'] === true) return { kind: 'help', text: named === undefined ? usage : helpText };
  const args = parsed.positionals;
  const [least, most] = spec.args;
  if (args.length < least || args.length > most) {
    const takes = least === most ? countWords(least) : `at most ${countWords(most)}`;
    return { kind: 'refused', message: `${command} takes ${takes}, not ${args.length}`, help: helpText };
  }
  return { kind: 'command', command, args, values };
};
