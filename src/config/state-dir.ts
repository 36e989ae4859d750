import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Where a config's state lives unless `stateDir:` says: under
 * $XDG_STATE_HOME (~/.local/state) in hale/, one folder per config file, so
 * two configs never share a lock and the same config always finds its own.
 *
 * @example
 * defaultStateDir('/srv/app/supervisor.yaml'); // ~/.local/state/hale/app-3f2a9c1e04b7
 */
export const defaultStateDir = (source: string, env: NodeJS.ProcessEnv = process.env): string => {
  const root = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  const label = basename(dirname(source)).replace(/[^A-Za-z0-9._-]/g, '') || 'config';
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return join(root, 'hale', `${label}-${hash}`);
};
