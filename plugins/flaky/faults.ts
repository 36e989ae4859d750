import { parseDuration } from './duration.js';

/** The faults this run of flaky shows; times count from when it started serving. */
export interface Faults {
  crashAfterMs: number | null;
  crashCode: number;
  hangAfterMs: number | null;
  unhealthyAfterMs: number | null;
  degradeAfterMs: number | null;
  /** Delay before each HealthCheck answer; 0 for none. */
  slowMs: number;
  badHandshake: boolean;
  /** Exit with this code before the handshake; null to start normally. */
  exitAtOnce: number | null;
  /** Exit with code 1 before the handshake while this file exists: a fault fixed by deleting it. */
  exitWhileFile: string | null;
  /** A folder of one-shot faults for the next start: each file found there is deleted and its fault shown once. */
  faultDir: string | null;
  /** After SIGUSR2, each HealthCheck answers after this many milliseconds ... */
  usr2SlowMs: number;
  /** ... for this long. */
  usr2ForMs: number;
}

export type FaultsParse = { ok: true; faults: Faults } | { ok: true; help: true } | { ok: false; message: string };

type Kind = 'duration' | 'ms' | 'code' | 'switch' | 'optional-code' | 'path';

interface Option {
  flag: string;
  env: string;
  kind: Kind;
  key: keyof Faults;
  help: string;
}

const options: Option[] = [
  { flag: '--crash-after', env: 'FLAKY_CRASH_AFTER', kind: 'duration', key: 'crashAfterMs', help: 'exit after DUR' },
  { flag: '--crash-code', env: 'FLAKY_CRASH_CODE', kind: 'code', key: 'crashCode', help: 'exit code of the crash (default 1)' },
  {
    flag: '--hang-after',
    env: 'FLAKY_HANG_AFTER',
    kind: 'duration',
    key: 'hangAfterMs',
    help: 'stop answering anything, SIGTERM included, after DUR',
  },
  {
    flag: '--unhealthy-after',
    env: 'FLAKY_UNHEALTHY_AFTER',
    kind: 'duration',
    key: 'unhealthyAfterMs',
    help: 'report UNHEALTHY from DUR on',
  },
  { flag: '--degrade-after', env: 'FLAKY_DEGRADE_AFTER', kind: 'duration', key: 'degradeAfterMs', help: 'report DEGRADED from DUR on' },
  { flag: '--slow', env: 'FLAKY_SLOW_MS', kind: 'ms', key: 'slowMs', help: 'answer HealthCheck after MS milliseconds' },
  {
    flag: '--bad-handshake',
    env: 'FLAKY_BAD_HANDSHAKE',
    kind: 'switch',
    key: 'badHandshake',
    help: 'print a malformed handshake line and wait',
  },
  {
    flag: '--exit-at-once',
    env: 'FLAKY_EXIT_AT_ONCE',
    kind: 'optional-code',
    key: 'exitAtOnce',
    help: 'exit with CODE (default 1) before the handshake',
  },
  {
    flag: '--exit-while-file',
    env: 'FLAKY_EXIT_WHILE_FILE',
    kind: 'path',
    key: 'exitWhileFile',
    help: 'exit with code 1 before the handshake while PATH exists',
  },
  {
    flag: '--fault-dir',
    env: 'FLAKY_FAULT_DIR',
    kind: 'path',
    key: 'faultDir',
    help: 'at start, if PATH/bad-handshake exists: delete it and act as --bad-handshake (once)',
  },
  {
    flag: '--usr2-slow',
    env: 'FLAKY_USR2_SLOW_MS',
    kind: 'ms',
    key: 'usr2SlowMs',
    help: 'on SIGUSR2, answer HealthCheck after MS milliseconds (default 150) ...',
  },
  {
    flag: '--usr2-for',
    env: 'FLAKY_USR2_FOR',
    kind: 'duration',
    key: 'usr2ForMs',
    help: '... for DUR (default 2s), then at full speed again',
  },
];

const valueHint = (kind: Kind): string =>
  ({ duration: ' DUR', ms: ' MS', code: ' CODE', switch: '', 'optional-code': ' [CODE]', path: ' PATH' })[kind];

/** What `flaky --help` prints, and what follows a bad option. */
export const usage = [
  'usage: flaky [options]   (each option may also come from its environment variable; flags win)',
  ...options.map((o) => `  ${`${o.flag}${valueHint(o.kind)}`.padEnd(26)} ${o.env.padEnd(22)} ${o.help}`),
  'DUR is like 250ms, 2s, 1m.',
  'Signals: SIGUSR1 makes it report UNHEALTHY until it is restarted; SIGUSR2 slows its answers (--usr2-slow, --usr2-for).',
].join('\n');

type Value = { ok: true; value: number | boolean | string } | { ok: false; message: string };

const parseCode = (text: string): Value => {
  const code = Number(text);
  return /^\d+$/.test(text) && code <= 255
    ? { ok: true, value: code }
    : { ok: false, message: `${JSON.stringify(text)} is not an exit code (0-255)` };
};

const parseValue = (kind: Kind, text: string): Value => {
  switch (kind) {
    case 'duration': {
      const parsed = parseDuration(text);
      return parsed.ok ? { ok: true, value: parsed.ms } : parsed;
    }
    case 'ms': {
      if (/^\d+$/.test(text)) return { ok: true, value: Number(text) };
      const parsed = parseDuration(text);
      return parsed.ok ? { ok: true, value: parsed.ms } : { ok: false, message: `${JSON.stringify(text)} is not a number of milliseconds` };
    }
    case 'code':
    case 'optional-code':
      return parseCode(text);
    case 'path':
      return { ok: true, value: text };
    case 'switch':
      if (/^(1|true|yes|on)$/i.test(text)) return { ok: true, value: true };
      if (/^(0|false|no|off)$/i.test(text)) return { ok: true, value: false };
      return { ok: false, message: `${JSON.stringify(text)} is not 1 or 0` };
  }
};

const defaults = (): Faults => ({
  crashAfterMs: null,
  crashCode: 1,
  hangAfterMs: null,
  unhealthyAfterMs: null,
  degradeAfterMs: null,
  slowMs: 0,
  badHandshake: false,
  exitAtOnce: null,
  exitWhileFile: null,
  faultDir: null,
  usr2SlowMs: 150,
  usr2ForMs: 2_000,
});

const set = (faults: Faults, key: keyof Faults, value: number | boolean | string): Faults => ({ ...faults, [key]: value });

/**
 * flaky's faults from its flags and environment (flags win over variables).
 * Any option it does not understand is an error that names it.
 *
 * @example
 * parseFaults(['--crash-after', '2s'], { FLAKY_CRASH_CODE: '3' });
 * // { ok: true, faults: { crashAfterMs: 2000, crashCode: 3, ... } }
 */
export const parseFaults = (argv: string[], env: NodeJS.ProcessEnv): FaultsParse => {
  let faults = defaults();
  for (const option of options) {
    const text = env[option.env];
    if (text === undefined || text === '') continue;
    const parsed = parseValue(option.kind, text);
    if (!parsed.ok) return { ok: false, message: `${option.env}: ${parsed.message}` };
    faults = set(faults, option.key, parsed.value);
  }
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') return { ok: true, help: true };
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const option = options.find((o) => o.flag === flag);
    if (option === undefined) return { ok: false, message: `unknown option ${JSON.stringify(arg)}` };
    let text = inline;
    if (text === undefined && option.kind === 'switch') text = 'true';
    if (text === undefined && option.kind === 'optional-code') {
      const next = argv[index + 1];
      text = next !== undefined && /^\d+$/.test(next) ? next : '1';
      if (text === next) index += 1;
    }
    if (text === undefined) {
      text = argv[index + 1];
      index += 1;
      if (text === undefined) return { ok: false, message: `${option.flag} needs a value${valueHint(option.kind)}` };
    }
    const parsed = parseValue(option.kind, text);
    if (!parsed.ok) return { ok: false, message: `${option.flag}: ${parsed.message}` };
    faults = set(faults, option.key, parsed.value);
  }
  return { ok: true, faults };
};
