import { resolveCommand } from './resolve-command.js';

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
 * signal. setpriv execs the command, so the pid stays the plugin's own.
 *
 * @example
 * withParentDeath('/usr/bin/setpriv', '/usr/bin/node', ['main.js']);
 * // { command: '/usr/bin/setpriv', args: ['--pdeathsig', 'TERM', '--', '/usr/bin/node', 'main.js'] }
 */
export const withParentDeath = (setpriv: string, command: string, args: readonly string[]): { command: string; args: string[] } => ({
  command: setpriv,
  args: ['--pdeathsig', 'TERM', '--', command, ...args],
});
