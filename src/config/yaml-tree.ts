import { isAlias, isMap, isNode, isScalar, isSeq, type Alias, type Document, type Node } from 'yaml';
import { interpolate, type Env } from './interpolate.js';
import type { ConfigPath } from './issues.js';

/** Where a value (and, in a mapping, its key) starts: offsets into the text. */
export interface NodePosition {
  value: number;
  key?: number;
}

/** A problem found while reading the tree, before the schema sees it. */
export interface TreeIssue {
  path: ConfigPath;
  offset: number;
  message: string;
  /** The value at `path` could not be read (a failed interpolation): other issues about it would repeat this one. */
  valueFailed: boolean;
}

/** A document as plain values, with where each came from. */
export interface YamlTree {
  value: unknown;
  /** Keyed by pathKey(path). */
  positions: Map<string, NodePosition>;
  issues: TreeIssue[];
  /** The aliases expanded past the limit: `value` is cut short, so only `issues` are worth reporting. */
  truncated: boolean;
}

// Aliases can multiply a small file into a huge tree ("billion laughs"); a real config has a few hundred values.
const maxNodes = 20_000;

/**
 * The key under which a path's position is kept.
 *
 * @example
 * pathKey(['plugins', 0, 'name']); // '["plugins",0,"name"]'
 */
export const pathKey = (path: ConfigPath): string => JSON.stringify(path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)));

const startOf = (node: Node): number => node.range?.[0] ?? 0;

/**
 * Turns a parsed document into plain values, interpolating `${VAR}` in every
 * string scalar (never in keys, never in the raw text, so a value cannot
 * inject YAML and positions stay true), and records where every value is.
 *
 * @example
 * const tree = readYamlTree(parseDocument('port: ${PORT:-8080}'), process.env);
 * tree.value; // { port: '8080' }
 */
export const readYamlTree = (doc: Document, env: Env): YamlTree => {
  const positions = new Map<string, NodePosition>();
  const issues: TreeIssue[] = [];
  const open = new Set<Node>();
  // Alias.resolve searches the whole document each time; a file may repeat one alias many times.
  const targets = new Map<Alias, Node | undefined>();
  let visited = 0;

  const placeValue = (path: ConfigPath, offset: number): void => {
    const key = pathKey(path);
    positions.set(key, { ...positions.get(key), value: offset });
  };

  const walk = (node: unknown, path: ConfigPath, at: number): unknown => {
    if (visited > maxNodes) return null;
    if (!isNode(node)) {
      placeValue(path, at);
      return null;
    }
    const start = node.range ? startOf(node) : at;
    placeValue(path, start);
    visited += 1;
    if (visited > maxNodes) {
      issues.push({ path, offset: start, message: `the document expands to more than ${maxNodes} values`, valueFailed: true });
      return null;
    }
    if (isAlias(node)) {
      if (!targets.has(node)) targets.set(node, node.resolve(doc));
      const target = targets.get(node);
      if (target === undefined) return null;
      if (open.has(target)) {
        issues.push({ path, offset: start, message: `alias *${node.source} refers to a value that contains it`, valueFailed: true });
        return null;
      }
      open.add(target);
      const value = walk(target, path, start);
      open.delete(target);
      placeValue(path, start);
      return value;
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const keyAt = isNode(pair.key) ? startOf(pair.key) : start;
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
          issues.push({ path, offset: keyAt, message: 'a key must be plain text', valueFailed: false });
          continue;
        }
        // A plain object cannot hold it as a key, and zod drops it without a word.
        if (key === '__proto__') {
          issues.push({ path: [...path, key], offset: keyAt, message: 'a key cannot be __proto__', valueFailed: false });
          continue;
        }
        const childPath = [...path, String(key)];
        positions.set(pathKey(childPath), { value: keyAt, key: keyAt });
        object[String(key)] = walk(pair.value, childPath, keyAt);
      }
      return object;
    }
    if (isSeq(node)) return node.items.map((item, index) => walk(item, [...path, index], start));
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return node.value;
      const result = interpolate(node.value, env);
      if (result.ok) return result.value;
      issues.push({ path, offset: start, message: result.message, valueFailed: true });
      return node.value;
    }
    return null;
  };

  const value = walk(doc.contents, [], 0);
  return { value, positions, issues, truncated: visited > maxNodes };
};
