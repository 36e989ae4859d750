import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Env } from './interpolate.js';
import { formatConfigPath, sortConfigIssues, type ConfigIssue, type ConfigPath } from './issues.js';
import { locateOffset } from './locate.js';
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
}

const isLabel = (file: string): boolean => /^<.+>$/.test(file);

/**
 * Reads a config from YAML text: syntax, interpolation and schema problems
 * all come back at once, in file order, each with its line and column.
 *
 * @example
 * const result = parseConfigText('plugins: []', { file: 'supervisor.yaml' });
 * if (!result.ok) result.issues.forEach((issue) => console.error(formatConfigIssue(issue)));
 */
export const parseConfigText = (text: string, { file, env = process.env, baseDir }: ParseConfigOptions): ConfigResult => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const issueAt = (offset: number, path: ConfigPath, message: string): ConfigIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: formatConfigPath(path), message };
  };

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
  const schema = createConfigSchema({ source, baseDir: baseDir ?? dirname(resolve(file)), env });
  const parsed = schema.safeParse(tree.value, { error: describeZodIssue });
  // A value whose interpolation failed has been reported; the schema's view of its raw text would repeat it.
  const reported = new Set(tree.issues.filter((issue) => issue.valueFailed).map((issue) => pathKey(issue.path)));
  const issues = [...treeIssues];
  for (const issue of parsed.error?.issues ?? []) {
    if (reported.has(pathKey(issue.path))) continue;
    const aboutKey = issue.code === 'invalid_key' || (issue.code === 'custom' && issue.params?.['at'] === 'key');
    const at = aboutKey ? 'key' : 'value';
    issues.push(issueAt(locateOffset(tree.positions, issue.path, at), issue.path, issue.message));
  }
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: sortConfigIssues(issues) };
  return { ok: true, config: parsed.data };
};

const describeReadError = (error: unknown): string => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'cannot read the config: no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the config: permission denied';
  if (code === 'EISDIR') return 'cannot read the config: it is a directory, not a file';
  return `cannot read the config: ${error instanceof Error ? error.message : String(error)}`;
};

/**
 * Reads and checks a config file. An unreadable file is an issue too (at 1:1),
 * never a throw, so callers print every outcome the same way.
 *
 * @example
 * const result = await loadConfig('supervisor.yaml');
 * if (result.ok) startEverything(result.config);
 */
export const loadConfig = async (file: string, env: Env = process.env): Promise<ConfigResult> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message: describeReadError(error) }] };
  }
  return parseConfigText(text, { file, env });
};
