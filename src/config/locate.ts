import type { ConfigPath } from './issues.js';
import { pathKey, type NodePosition } from './yaml-tree.js';

/**
 * The offset an issue at `path` points at: the value (or, for `at: 'key'`,
 * the key) when the file has it, else the nearest enclosing value that it
 * does have — a missing key points at the mapping that lacks it.
 *
 * @example
 * locateOffset(tree.positions, ['plugins', 1, 'command'], 'value'); // start of plugins[1]'s mapping
 */
export const locateOffset = (positions: ReadonlyMap<string, NodePosition>, path: ConfigPath, at: 'key' | 'value'): number => {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const position = positions.get(pathKey(path.slice(0, depth)));
    if (position === undefined) continue;
    return at === 'key' && depth === path.length ? (position.key ?? position.value) : position.value;
  }
  return 0;
};
