import { LineCounter, isNode } from 'yaml';
import { maxConfigBytes } from '../config/limits.js';
import { parseYaml } from '../config/parse-yaml.js';
import { readConfigFile } from '../config/read-config-file.js';

// Loaded only when a listen fails: a running hale keeps no YAML parser in memory.
/**
 * The line of `path` (e.g. ['api', 'port']) in the config file; null when
 * the file does not set it (its default is in force) or cannot be read.
 *
 * @example
 * await locateConfigKey('supervisor.yaml', ['api', 'port']); // 5
 */
export const locateConfigKey = async (file: string, path: readonly string[]): Promise<number | null> => {
  const read = await readConfigFile(file, maxConfigBytes).catch(() => null);
  if (read === null || !read.ok) return null;
  const lines = new LineCounter();
  const parsed = parseYaml(read.text, lines);
  if (!parsed.ok) return null;
  const node: unknown = parsed.doc.getIn(path, true);
  if (!isNode(node) || node.range === undefined || node.range === null) return null;
  return lines.linePos(node.range[0]).line;
};
