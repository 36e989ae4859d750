import { resolve } from 'node:path';
import { z } from 'zod';
import { resolveRunAs, type AccountSource } from './account.js';
import { customField, type FieldResult } from './fields.js';
import type { EnvFileRead } from './env-file.js';
import { formatBytes, minMemoryMax, readSize } from './size.js';
import type { PluginConfig } from './types.js';

/**
 * `memoryMax`: a size (README, Config reference), or null for no limit (to
 * lift one that `defaults:` set).
 *
 * @example
 * memoryMaxField.parse('150MiB'); // 157286400
 */
export const memoryMaxField = customField((input): FieldResult<number | null> => {
  if (input === null) return { ok: true, value: null };
  const read = readSize(input);
  if (read.ok && read.value < minMemoryMax)
    return { ok: false, message: `memoryMax must be at least ${formatBytes(minMemoryMax)}, got ${formatBytes(read.value)}` };
  return read;
});

/** The plugin keys of its process's resources and identity, besides `memoryMax` (a policy key, so `defaults:` may set it). */
export const resourceShape = {
  envFile: z.string().min(1).optional(),
  // A name or an id: read in resolveResourceParts, where the account files are.
  user: z.unknown().optional(),
  group: z.unknown().optional(),
};

export type ResourceParts = Pick<PluginConfig, 'envFile' | 'runAs' | 'env'>;

/** What resolving a plugin's resource keys needs from outside the document. */
export interface ResourceContext {
  baseDir: string;
  accounts: AccountSource;
  /** Env files read already, by absolute path; absent, envFile is only resolved (loadConfig reads them, then checks again). */
  envFiles?: ReadonlyMap<string, EnvFileRead> | undefined;
}

/**
 * A plugin's envFile (resolved against the config's folder, its variables
 * under the plugin's own `env:`, which wins), and its user and group as ids.
 *
 * @example
 * resolveResourceParts({ env: {}, envFile: 'app.env' }, { baseDir: '/etc/hale', accounts: systemAccounts }, report);
 * // { envFile: '/etc/hale/app.env', runAs: null, env: {} }
 */
export const resolveResourceParts = (
  plugin: { env: Record<string, string>; envFile?: string | undefined; user?: unknown; group?: unknown },
  context: ResourceContext,
  report: (path: PropertyKey[], message: string) => void,
): ResourceParts | null => {
  const envFile = plugin.envFile === undefined ? null : resolve(context.baseDir, plugin.envFile);
  const runAs = resolveRunAs(plugin, context.accounts);
  if (!runAs.ok) for (const issue of runAs.issues) report([issue.key], issue.message);
  const read = envFile === null ? undefined : context.envFiles?.get(envFile);
  if (read !== undefined && !read.ok) report(['envFile'], `${envFile}${read.line === null ? '' : `:${read.line}`}: ${read.message}`);
  if (!runAs.ok || (read !== undefined && !read.ok)) return null;
  return { envFile, runAs: runAs.runAs, env: read === undefined ? plugin.env : { ...read.env, ...plugin.env } };
};
