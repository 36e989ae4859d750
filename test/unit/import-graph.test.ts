import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));

type Graph = Map<string, Set<string>>;

const listTsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTsFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });

// Whole-line comments go first, so a JSDoc `@example` with an import is not read as one.
const stripCommentLines = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line))
    .join('\n');

const specifierPatterns = [
  // import x from '…', import type { X } from '…', export { x } from '…', export * from '…' (multi-line too).
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
  // import './side-effect.js'
  /^\s*import\s*(['"])([^'"\n]+)\1/gm,
  // import('…'), in code or in a type (typeof import('…')).
  /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

/** Every module specifier a source file names, relative or not. */
const extractSpecifiers = (text: string): string[] => {
  const code = stripCommentLines(text);
  const found = new Set<string>();
  for (const pattern of specifierPatterns) {
    for (const match of code.matchAll(pattern)) {
      if (match[2] !== undefined) found.add(match[2]);
    }
  }
  return [...found];
};

const toRelative = (file: string): string => relative(srcDir, file).split(sep).join('/');

interface Scan {
  graph: Graph;
  /** Non-relative specifiers (packages) each file imports. */
  packages: Map<string, string[]>;
  unresolved: string[];
  edgeCount: number;
}

const scanSources = (): Scan => {
  const graph: Graph = new Map();
  const packages = new Map<string, string[]>();
  const unresolved: string[] = [];
  let edgeCount = 0;
  for (const file of listTsFiles(srcDir)) {
    const from = toRelative(file);
    const targets = new Set<string>();
    const named: string[] = [];
    for (const specifier of extractSpecifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        named.push(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!target.endsWith('.ts') || !existsSync(target)) {
        unresolved.push(`${from}: '${specifier}'`);
        continue;
      }
      targets.add(toRelative(target));
    }
    graph.set(from, targets);
    packages.set(from, named);
    edgeCount += targets.size;
  }
  return { graph, packages, unresolved, edgeCount };
};

/** Every cycle a depth-first walk meets, each as a path that ends where it starts. */
const findCycles = (graph: Graph): string[][] => {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      const seen = state.get(next);
      if (seen === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) visit(node);
  }
  return cycles;
};

const importersOf = (packages: Map<string, string[]>, name: string): string[] =>
  [...packages]
    .filter(([, named]) => named.some((specifier) => specifier === name || specifier.startsWith(`${name}/`)))
    .map(([file]) => file)
    .sort();

describe('the import graph of src/', () => {
  const scan = scanSources();

  test('the extraction finds a plausible graph (so the checks below cannot pass on nothing)', () => {
    expect(scan.graph.size).toBeGreaterThan(40);
    expect(scan.edgeCount).toBeGreaterThan(60);
    expect(scan.graph.get('plugin/handshake.ts')).toEqual(new Set(['grpc/plugin-client.ts', 'protocol.ts', 'text/bounded-text.ts']));
  });

  test('every relative import resolves to a source file', () => {
    expect(scan.unresolved, `unresolved imports:\n${scan.unresolved.join('\n')}`).toEqual([]);
  });

  test('the extraction reads every import form and skips comments', () => {
    const text = [
      '/**',
      " * import { servePlugin } from 'hale/sdk';",
      ' */',
      "// import { nope } from './commented.js';",
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      'import {',
      '  c,',
      '  type D,',
      "} from './c.js';",
      "export { e } from './e.js';",
      "export * from './f.js';",
      "export type { G } from './g.js';",
      "import './side-effect.js';",
      "type H = typeof import('./h.js');",
      "const i = await import('./i.js');",
      'export type Union =',
      "  | 'from'",
      "  | 'x';",
      "import * as grpc from '@grpc/grpc-js';",
    ].join('\n');
    expect(extractSpecifiers(text).sort()).toEqual(
      ['./a.js', '../b.js', './c.js', './e.js', './f.js', './g.js', './side-effect.js', './h.js', './i.js', '@grpc/grpc-js'].sort(),
    );
  });

  test('the cycle finder finds a planted cycle and its path', () => {
    const planted: Graph = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts', 'd.ts'])],
      ['d.ts', new Set<string>()],
    ]);
    expect(findCycles(planted)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(new Map([['self.ts', new Set(['self.ts'])]]))).toEqual([['self.ts', 'self.ts']]);
  });

  test('has no import cycle (type-only imports included)', () => {
    const cycles = findCycles(scan.graph);
    expect(cycles, `import cycles:\n${cycles.map((cycle) => cycle.join(' → ')).join('\n')}`).toEqual([]);
  });

  test('@grpc/grpc-js is imported only under src/grpc/', () => {
    const importers = importersOf(scan.packages, '@grpc/grpc-js');
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !file.startsWith('grpc/'))).toEqual([]);
  });

  test('execa is imported only by src/plugin/process.ts', () => {
    expect(importersOf(scan.packages, 'execa')).toEqual(['plugin/process.ts']);
  });
});
