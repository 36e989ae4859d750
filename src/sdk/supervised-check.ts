import { basename, relative } from 'node:path';
import { defaultCookie } from '../protocol.js';

export interface Cookie {
  key: string;
  value: string;
}

export type CookieCheck = { ok: true } | { ok: false; why: string };

/**
 * Whether the environment carries the supervisor's magic cookie. The cookie
 * is not a secret; it tells a program that a supervisor, not a person, started it.
 *
 * @example
 * checkCookie({ HALE_PLUGIN_MAGIC_COOKIE: 'x' }, defaultCookie); // { ok: false, why: '... has the wrong value ...' }
 */
export const checkCookie = (env: NodeJS.ProcessEnv, cookie: Cookie): CookieCheck => {
  const value = env[cookie.key];
  if (value === undefined || value === '') return { ok: false, why: `${cookie.key} is not set` };
  if (value !== cookie.value) {
    return { ok: false, why: `${cookie.key} has the wrong value (this plugin expects a different supervisor's cookie)` };
  }
  return { ok: true };
};

// The script as a config in the current directory would name it.
const scriptPath = (script: string | undefined): string => {
  if (script === undefined || script === '') return 'path/to/main.js';
  const fromHere = relative(process.cwd(), script);
  return fromHere === '' || fromHere.startsWith('..') ? script : fromHere;
};

/** The words for a person who ran a plugin by hand. */
export const notSupervisedMessage = (name: string, why: string): string => {
  const script = scriptPath(process.argv[1]);
  return [
    `${name} is a hale plugin: it is meant to be started by a hale supervisor, not run by hand (${why}).`,
    'To run it, add it to the plugins in supervisor.yaml, for example:',
    '  plugins:',
    `    - name: ${name}`,
    `      command: ${basename(process.execPath)}`,
    `      args: [${script}]`,
    'then run `hale run` (or `hale run -c supervisor.yaml`).',
    '',
  ].join('\n');
};

/**
 * Exits with code 1 and a message on stderr unless a supervisor started this
 * process (the magic cookie is in the environment). `servePlugin` calls it first.
 *
 * @example
 * exitUnlessSupervised({ name: 'greeter' });
 */
export const exitUnlessSupervised = (options: { name: string; cookie?: Cookie }): void => {
  const check = checkCookie(process.env, options.cookie ?? defaultCookie);
  if (check.ok) return;
  process.stderr.write(notSupervisedMessage(options.name, check.why));
  process.exit(1);
};
