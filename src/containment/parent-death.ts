import { resolveCommand } from '../process/resolve-command.js';
import { runCommand } from '../process/run-process.js';

/**
 * Where util-linux setpriv is, on Linux: it sets a parent-death signal and
 * then execs the plugin, so the kernel signals the plugin the moment the
 * supervisor dies, however it died. Null elsewhere.
 *
 * @example
 * findSetpriv('linux', process.env.PATH); // '/usr/bin/setpriv'
 */
export const findSetpriv = (platform: NodeJS.Platform, searchPath: string | undefined): string | null => {
  if (platform !== 'linux') return null;
  const found = resolveCommand('setpriv', { cwd: '/', path: [searchPath, '/usr/bin', '/bin'].filter(Boolean).join(':') });
  return found.ok ? found.path : null;
};

/**
 * True when `setpriv --help` lists --pdeathsig (util-linux 2.33 and later).
 *
 * @example
 * supportsPdeathsig(' --pdeathsig keep|clear|<signame>  set or clear parent death signal'); // true
 */
export const supportsPdeathsig = (helpText: string): boolean => /--pdeathsig\b/.test(helpText);

/**
 * The command line that runs `command` with SIGTERM as its parent-death
 * signal (and the `identity` options, such as --reuid). setpriv execs the
 * command, so the pid stays the plugin's own.
 *
 * @example
 * withParentDeath('/usr/bin/setpriv', '/usr/bin/node', ['main.js']);
 * // { command: '/usr/bin/setpriv', args: ['--pdeathsig', 'TERM', '--', '/usr/bin/node', 'main.js'] }
 */
export const withParentDeath = (
  setpriv: string,
  command: string,
  args: readonly string[],
  identity: readonly string[] = [],
): { command: string; args: string[] } => ({
  command: setpriv,
  args: ['--pdeathsig', 'TERM', ...identity, '--', command, ...args],
});

let setprivLookup: Promise<string | null> | undefined;

/**
 * The setpriv that knows --pdeathsig, looked for once per supervisor; null
 * where there is none.
 *
 * @example
 * const setpriv = await findParentDeathLauncher(); // '/usr/bin/setpriv'
 * if (setpriv !== null) withParentDeath(setpriv, '/usr/bin/node', ['main.js']);
 */
export const findParentDeathLauncher = (): Promise<string | null> => {
  setprivLookup ??= (async () => {
    const setpriv = findSetpriv(process.platform, process.env.PATH);
    if (setpriv === null) return null;
    const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const help = await runCommand({ command: setpriv, args: ['--help'], cwd: '/', env, timeoutMs: 2_000, maxOutputBytes: 65_536 });
    return help.ok && help.code === 0 && supportsPdeathsig(help.stdout) ? setpriv : null;
  })();
  return setprivLookup;
};
