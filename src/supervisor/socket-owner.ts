import { chmod, chown, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunAsConfig } from '../config/types.js';

/**
 * Gives a plugin's socket folder to the user and group it runs as, and lets
 * that user pass through the supervisor's socket root (0711: it may reach
 * its own folder, never list the others). A plugin run as hale's own user
 * gets the folder back as hale's, should a reload have taken its user away.
 *
 * @example
 * await ownSocketDir('/tmp/hale-Zx81Qa/cache', { uid: 65534, gid: 65534, user: 'nobody', group: null });
 */
export const ownSocketDir = async (path: string, runAs: RunAsConfig | null): Promise<void> => {
  const ownUid = process.getuid?.();
  const ownGid = process.getgid?.();
  if (ownUid === undefined || ownGid === undefined) return;
  const uid = runAs?.uid ?? ownUid;
  const gid = runAs?.gid ?? ownGid;
  const found = await stat(path);
  if (found.uid !== uid || found.gid !== gid) await chown(path, uid, gid);
  if (runAs !== null) await chmod(dirname(path), 0o711);
};
