import { dirname, resolve } from 'node:path';
import { LineCounter } from 'yaml';
import type { Env } from './interpolate.js';
import { formatConfigPath, sortConfigIssues, type ConfigIssue, type ConfigPath } from './issues.js';
import { formatMiB, maxConfigBytes, maxReportedIssues } from './limits.js';
import { locateOffset } from './locate.js';
import { parseYaml } from './parse-yaml.js';
import { readConfigFile } from './read-config-file.js';
import { readEnvFile, type EnvFileRead } from './env-file.js';
import { createConfigSchema } from './schema.js';
import type { SupervisorConfig } from './types.js';
import { pathKey, readYamlTree } from './yaml-tree.js';
import { yamlErrors } from './yaml-errors.js';
import { describeZodIssue } from './zod-messages.js';

export { formatConfigIssue, type ConfigIssue } from './issues.js';

/** A config ready to run, or everything that is wrong with it. */
export type ConfigResult = { ok: true; config: SupervisorConfig } | { ok: false; issues: ConfigIssue[] };

export interface ParseConfigOptions {
  /** Named in issues as given; made absolute for `config.source` unless it is a label such as "<inline>". */
  file: string;
  /** Read by `${VAR}`; defaults to process.env. */
  env?: Env;
  /** Relative plugin `cwd`s resolve against it; defaults to the file's directory. */
  baseDir?: string;
  /** Plugins' env files, read already; loadConfig reads them (readEnvFiles). */
  envFiles?: ReadonlyMap<string, EnvFileRead>;
}

const isLabel = (file: string): boolean => /^<.+>$/.test(file);

/**
 * Reads a config from YAML text: syntax, interpolation and schema problems
 * all come back at once, in file order, each with its line and column.
 * Never throws: text past the bounds of limits.ts (1 MiB, 64 levels, 4 MiB
 * expanded) is an issue too, found in time linear in the text.
 *
 * @example
 * const result = parseConfigText('plugins: []', { file: 'supervisor.yaml' });
 * if (!result.ok) result.issues.forEach((issue) => console.error(formatConfigIssue(issue)));
 */
export const parseConfigText = (text: string, options: ParseConfigOptions): ConfigResult => {
  const { file } = options;
  if (text.length > maxConfigBytes) return { ok: false, issues: [tooLargeIssue(file, Buffer.byteLength(text))] };
  let result: ConfigResult;
  try {
    result = checkConfigText(text, options);
  } catch (error) {
    // Every bound above is meant to make this unreachable; should one be missed, the answer is still an issue.
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message: `hale could not read the config: ${why}` }] };
  }
  return result.ok ? result : { ok: false, issues: capIssues(result.issues) };
};

const tooLargeIssue = (file: string, bytes: number): ConfigIssue => ({
  file,
  line: 1,
  column: 1,
  path: '',
  message: `the config is ${bytes} bytes; hale reads at most ${formatMiB(maxConfigBytes)} (a supervisor.yaml is a few KiB)`,
});

// A file of thousands of mistakes would otherwise make an answer, and a log line, as large as itself.
const capIssues = (issues: ConfigIssue[]): ConfigIssue[] => {
  const firstLeftOut = issues[maxReportedIssues];
  if (firstLeftOut === undefined) return issues;
  const more = issues.length - maxReportedIssues;
  return [...issues.slice(0, maxReportedIssues), { ...firstLeftOut, path: '', message: `and ${more} more issue${more === 1 ? '' : 's'}` }];
};

const checkConfigText = (text: string, { file, env = process.env, baseDir, envFiles }: ParseConfigOptions): ConfigResult => {
  const lineCounter = new LineCounter();
  const issueAt = (offset: number, path: ConfigPath, message: string): ConfigIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: formatConfigPath(path), message };
  };
  const parsed = parseYaml(text, lineCounter);
  if (!parsed.ok) return { ok: false, issues: [issueAt(parsed.offset, [], parsed.message)] };
  const { doc } = parsed;

  if (doc.errors.length > 0) {
    const issues = yamlErrors(doc.errors, text).map((error) => issueAt(error.offset, [], error.message));
    return { ok: false, issues: sortConfigIssues(issues) };
  }
  const tree = readYamlTree(doc, env);
  const treeIssues = tree.issues.map((issue) => issueAt(issue.offset, issue.path, issue.message));
  if (tree.truncated) return { ok: false, issues: sortConfigIssues(treeIssues) };
  if (tree.value === null) {
    return { ok: false, issues: [issueAt(0, [], 'the config is empty; it needs at least a "plugins:" list')] };
  }

  const source = isLabel(file) ? file : resolve(file);
  const schema = createConfigSchema({
    source,
    baseDir: baseDir ?? dirname(resolve(file)),
    env,
    ...(envFiles === undefined ? {} : { envFiles }),
  });
  const checked = schema.safeParse(tree.value, { error: describeZodIssue });
  // A value whose interpolation failed has been reported; the schema's view of its raw text would repeat it.
  const reported = new Set(tree.issues.filter((issue) => issue.valueFailed).map((issue) => pathKey(issue.path)));
  const issues = [...treeIssues];
  for (const issue of checked.error?.issues ?? []) {
    if (reported.has(pathKey(issue.path))) continue;
    const aboutKey = issue.code === 'invalid_key' || (issue.code === 'custom' && issue.params?.['at'] === 'key');
    const at = aboutKey ? 'key' : 'value';
    issues.push(issueAt(locateOffset(tree.positions, issue.path, at), issue.path, issue.message));
  }
  if (issues.length > 0 || !checked.success) return { ok: false, issues: sortConfigIssues(issues) };
  return { ok: true, config: checked.data };
};

/**
 * Reads and checks a config file. An unreadable file is an issue too (at 1:1),
 * never a throw, so callers print every outcome the same way. A file that is
 * not a regular file, or is larger than the bound, is refused unread.
 *
 * @example
 * const result = await loadConfig('supervisor.yaml');
 * if (result.ok) startEverything(result.config);
 */
export const loadConfig = async (file: string, env: Env = process.env): Promise<ConfigResult> => {
  const read = await readConfigFile(file, maxConfigBytes);
  if (read.ok) return withEnvFiles(parseConfigText(read.text, { file, env }), read.text, { file, env });
  if (read.reason === 'too_large') return { ok: false, issues: [tooLargeIssue(file, read.bytes)] };
  return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message: read.message }] };
};

// Env files are read once the config checks (their paths are known then), and the config is checked again with them,
// so an unreadable file or a bad line is an issue at its plugin's envFile: key, with the config's other issues.
const withEnvFiles = async (first: ConfigResult, text: string, options: ParseConfigOptions): Promise<ConfigResult> => {
  if (!first.ok) return first;
  const paths = [...new Set(first.config.plugins.flatMap((plugin) => (plugin.envFile === null ? [] : [plugin.envFile])))];
  if (paths.length === 0) return first;
  const envFiles = new Map(await Promise.all(paths.map(async (path) => [path, await readEnvFile(path)] as const)));
  return parseConfigText(text, { ...options, envFiles });
};
