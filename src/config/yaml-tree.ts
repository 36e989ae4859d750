import { isAlias, isMap, isNode, isScalar, isSeq, visit, type Alias, type Document, type Node } from 'yaml';
import { interpolate, type Env } from './interpolate.js';
import type { ConfigPath } from './issues.js';
import { formatMiB, maxExpandedBytes, maxNestingDepth } from './limits.js';
import { quoteText } from './quote-text.js';

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
  /** The document expanded past a bound: `value` is cut short, so only `issues` are worth reporting. */
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
export const pathKey = (path: ConfigPath): string =>
  JSON.stringify(path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)));

const startOf = (node: Node): number => node.range?.[0] ?? 0;

/**
 * What each alias stands for, in one pass in document order: the last node
 * before it with its anchor. (Alias.resolve walks the whole document per call.)
 */
const resolveAliases = (doc: Document): Map<Alias, Node | undefined> => {
  const anchored = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchored.get(node.source));
      else if (node.anchor !== undefined) anchored.set(node.anchor, node);
    },
  });
  return targets;
};

/**
 * Turns a parsed document into plain values, interpolating `${VAR}` in every
 * string scalar (never in keys, never in the raw text, so a value cannot
 * inject YAML and positions stay true), and records where every value is.
 * Aliases are expanded as they are met, and the text they expand to is
 * counted as it is read: past the bound, reading stops with an issue.
 *
 * @example
 * const tree = readYamlTree(parseDocument('port: ${PORT:-8080}'), process.env);
 * tree.value; // { port: '8080' }
 */
export const readYamlTree = (doc: Document, env: Env): YamlTree => {
  const positions = new Map<string, NodePosition>();
  const issues: TreeIssue[] = [];
  const open = new Set<Node>();
  const targets = resolveAliases(doc);
  let visited = 0;
  // Text read so far: scalars (before and after interpolation) and the paths that name them.
  let expanded = 0;
  let truncated = false;
  // Where the alias being expanded is written: a bound passed inside it is reported there, not at its anchor.
  let aliasAt: number | null = null;

  const stop = (path: ConfigPath, offset: number, message: string): null => {
    truncated = true;
    issues.push({ path, offset: aliasAt ?? offset, message, valueFailed: true });
    return null;
  };
  const charge = (path: ConfigPath, offset: number, length: number): boolean => {
    expanded += length;
    if (expanded <= maxExpandedBytes) return true;
    stop(
      path,
      offset,
      `the document expands to more than ${formatMiB(maxExpandedBytes)} of text (aliases included); a config is a few KiB`,
    );
    return false;
  };

  const placeValue = (key: string, offset: number): void => {
    positions.set(key, { ...positions.get(key), value: offset });
  };

  const walk = (node: unknown, path: ConfigPath, at: number): unknown => {
    if (truncated) return null;
    const key = pathKey(path);
    if (!charge(path, at, key.length)) return null;
    if (!isNode(node)) {
      placeValue(key, at);
      return null;
    }
    const start = node.range ? startOf(node) : at;
    placeValue(key, start);
    visited += 1;
    if (visited > maxNodes) return stop(path, start, `the document expands to more than ${maxNodes} values`);
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target === undefined) return null;
      if (open.has(target)) {
        issues.push({ path, offset: start, message: `alias *${node.source} refers to a value that contains it`, valueFailed: true });
        return null;
      }
      open.add(target);
      const outermost = aliasAt === null;
      if (outermost) aliasAt = start;
      const value = walk(target, path, start);
      if (outermost) aliasAt = null;
      open.delete(target);
      placeValue(key, start);
      return value;
    }
    if ((isMap(node) || isSeq(node)) && path.length >= maxNestingDepth) {
      // An alias can put a deep value under a deep key: the text alone does not bound the depth.
      return stop(path, start, `the config is nested deeper than ${maxNestingDepth} levels`);
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? pair.key.value : undefined;
        const keyAt = isNode(pair.key) ? startOf(pair.key) : start;
        if (typeof name !== 'string' && typeof name !== 'number' && typeof name !== 'boolean') {
          issues.push({ path, offset: keyAt, message: 'a key must be plain text', valueFailed: false });
          continue;
        }
        const text = String(name);
        // A plain object cannot hold it as a key, and zod drops it without a word.
        if (text === '__proto__') {
          issues.push({ path: [...path, text], offset: keyAt, message: 'a key cannot be __proto__', valueFailed: false });
          continue;
        }
        const childPath = [...path, text];
        if (seen.has(text)) {
          issues.push({
            path: childPath,
            offset: keyAt,
            message: `duplicate key ${quoteText(text)} (a mapping holds each key once)`,
            valueFailed: true,
          });
          continue;
        }
        seen.add(text);
        positions.set(pathKey(childPath), { value: keyAt, key: keyAt });
        object[text] = walk(pair.value, childPath, keyAt);
        if (truncated) break;
      }
      return object;
    }
    if (isSeq(node)) {
      const list: unknown[] = [];
      for (const [index, item] of node.items.entries()) {
        list.push(walk(item, [...path, index], start));
        if (truncated) break;
      }
      return list;
    }
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return node.value;
      if (!charge(path, start, node.value.length)) return null;
      const result = interpolate(node.value, env);
      if (!result.ok) {
        issues.push({ path, offset: start, message: result.message, valueFailed: true });
        return node.value;
      }
      return charge(path, start, result.value.length) ? result.value : null;
    }
    return null;
  };

  const value = walk(doc.contents, [], 0);
  return { value, positions, issues, truncated };
};
