import { formatConfigIssue, loadConfig } from '../config/load.js';

/**
 * `hale validate -c FILE`: 0 and a one-line summary when the config is valid,
 * 2 and every error (file:line:col: field: message) when it is not.
 */
export const validateCommand = async ({ configFile }: { configFile: string }): Promise<number> => {
  const result = await loadConfig(configFile);
  if (!result.ok) {
    for (const issue of result.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`${configFile}: ${result.issues.length} error${result.issues.length === 1 ? '' : 's'}\n`);
    return 2;
  }
  const names = result.config.plugins.map((plugin) => plugin.name).join(', ');
  process.stdout.write(`${configFile}: valid, ${result.config.plugins.length} plugins${names ? ` (${names})` : ''}\n`);
  return 0;
};
