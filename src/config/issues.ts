import { maxQuotedLength } from './limits.js';
import { quoteText } from './quote-text.js';

/** One thing wrong with a config file, where it is and what to do about it. */
export interface ConfigIssue {
  /** The file as the user named it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the config, e.g. `plugins[1].checkInterval`; empty for the file as a whole. */
  path: string;
  message: string;
}

/** A path into the config as zod and the YAML walker see it. */
export type ConfigPath = readonly PropertyKey[];

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Writes a config path the way a reader would type it: dots for keys, `[n]`
 * (0-based) for list items, quotes for keys that are not identifiers.
 *
 * @example
 * formatConfigPath(['plugins', 1, 'checkInterval']); // 'plugins[1].checkInterval'
 * formatConfigPath(['plugins', 0, 'env', 'MY-VAR']); // 'plugins[0].env["MY-VAR"]'
 * formatConfigPath(['x'.repeat(5000)]);       // '["xxx…" (5000 characters)]' (a long key is cut short)
 */
export const formatConfigPath = (path: ConfigPath): string => {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && segment.length <= maxQuotedLength && identifier.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${quoteText(String(segment))}]`;
  }
  return text;
};

/**
 * One line a compiler would print: `file:line:col: path: message`.
 *
 * @example
 * formatConfigIssue({ file: 'supervisor.yaml', line: 12, column: 5, path: 'plugins[1].checkInterval', message: 'invalid duration "30x"' });
 * // 'supervisor.yaml:12:5: plugins[1].checkInterval: invalid duration "30x"'
 */
export const formatConfigIssue = (issue: ConfigIssue): string =>
  `${issue.file}:${issue.line}:${issue.column}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;

/**
 * Orders issues as they appear in the file (a stable sort).
 *
 * @example
 * const ordered = sortConfigIssues(issues);
 */
export const sortConfigIssues = (issues: readonly ConfigIssue[]): ConfigIssue[] =>
  [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
