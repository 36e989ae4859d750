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

/**
 * The layers of src/, lowest first; docs/architecture.md describes each. A
 * folder (or a file at the src/ root, named without `.ts`) may import its own
 * files and anything on a lower layer: never a layer above, never a neighbour
 * on its own layer. Type-only imports count as much as any other, so no two
 * folders can import each other.
 */
const layers: readonly (readonly string[])[] = [
  // The shared vocabulary (statuses, checks, events, operations): types and tiny pure helpers.
  ['model'],
  // Leaves: the one error type, the logger, the version, the plugin protocol's constants, text and small helpers.
  ['errors', 'log', 'version', 'protocol', 'text', 'util'],
  // Pure or nearly: reading supervisor.yaml, the lifecycle as a pure function, reading /proc and running a command.
  ['config', 'lifecycle', 'process'],
  // The one home of grpc-js; what hale keeps on disk in its state dir.
  ['grpc', 'state'],
  // No plugin outlives hale: process groups, cgroups, the process guard, the watchdog.
  ['containment'],
  // One plugin process: spawn, handshake, output, stop.
  ['plugin'],
  // Checks on a schedule, each protocol, one verdict.
  ['checks'],
  // Every plugin together: runners, events, history, operations, reload.
  ['supervisor'],
  // Publishing health to NATS, hearing other hubs.
  ['nats'],
  ['metrics'],
  // The HTTP API and the dashboard it serves.
  ['api'],
  // The HTTP client the CLI talks to the API with.
  ['client'],
  ['commands'],
  // Entry points: the CLI, the library (index), the plugin SDK.
  ['cli', 'index', 'sdk'],
];

/** The folder a file of src/ belongs to, or the root file's own name. */
const unitOf = (file: string): string => {
  const slash = file.indexOf('/');
  return slash === -1 ? file.replace(/\.ts$/, '') : file.slice(0, slash);
};

const layerIndex = (order: readonly (readonly string[])[]): Map<string, number> =>
  new Map(order.flatMap((units, rank) => units.map((unit): [string, number] => [unit, rank])));

/** Every import from one folder into another, as `a → b` with the files that make it. */
const folderEdges = (graph: Graph): Map<string, string[]> => {
  const edges = new Map<string, string[]>();
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const fromUnit = unitOf(from);
      const toUnit = unitOf(to);
      if (fromUnit === toUnit) continue;
      const key = `${fromUnit} → ${toUnit}`;
      edges.set(key, [...(edges.get(key) ?? []), `${from} → ${to}`]);
    }
  }
  return edges;
};

/** Pairs of folders that import each other, as `a ↔ b` (a before b) with the files of both ways. */
const findMutualPairs = (graph: Graph): Map<string, string[]> => {
  const edges = folderEdges(graph);
  const pairs = new Map<string, string[]>();
  for (const [key, files] of edges) {
    const [a = '', b = ''] = key.split(' → ');
    const back = edges.get(`${b} → ${a}`);
    if (back !== undefined && a < b) pairs.set(`${a} ↔ ${b}`, [...files, ...back].sort());
  }
  return pairs;
};

/** Every import of a unit on the same layer or above, and every unit with no layer. */
const findLayerBreaks = (graph: Graph, order: readonly (readonly string[])[]): string[] => {
  const rank = layerIndex(order);
  const breaks: string[] = [];
  for (const [from, targets] of graph) {
    const fromRank = rank.get(unitOf(from));
    if (fromRank === undefined) {
      breaks.push(`${from}: ${unitOf(from)} has no layer`);
      continue;
    }
    for (const to of targets) {
      const toRank = rank.get(unitOf(to));
      if (unitOf(to) === unitOf(from) || toRank === undefined || toRank < fromRank) continue;
      const where = toRank === fromRank ? 'its own layer' : 'a layer above';
      breaks.push(`${from} → ${to} (${unitOf(from)} imports ${unitOf(to)}, on ${where})`);
    }
  }
  return breaks.sort();
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

  test('the layer checker finds an import upward, one across a layer and a folder with no layer', () => {
    const planted: Graph = new Map([
      ['low/a.ts', new Set(['high/b.ts'])],
      ['high/b.ts', new Set(['low/a.ts', 'high/c.ts'])],
      ['high/c.ts', new Set(['side/d.ts'])],
      ['side/d.ts', new Set<string>()],
      ['root.ts', new Set(['low/a.ts'])],
      ['stray/e.ts', new Set<string>()],
    ]);
    expect(findLayerBreaks(planted, [['low'], ['high', 'side'], ['root']])).toEqual([
      'high/c.ts → side/d.ts (high imports side, on its own layer)',
      'low/a.ts → high/b.ts (low imports high, on a layer above)',
      'stray/e.ts: stray has no layer',
    ]);
    expect([...findMutualPairs(planted)]).toEqual([['high ↔ low', ['high/b.ts → low/a.ts', 'low/a.ts → high/b.ts']]]);
  });

  test('every layer is named once, and every named unit exists', () => {
    const named = layers.flat();
    expect(new Set(named).size).toBe(named.length);
    const units = new Set([...scan.graph.keys()].map(unitOf));
    expect(named.filter((unit) => !units.has(unit))).toEqual([]);
  });

  test('no two folders of src/ import each other (type imports included)', () => {
    const pairs = [...findMutualPairs(scan.graph)];
    const shown = pairs.map(([pair, files]) => `${pair}\n  ${files.join('\n  ')}`).join('\n');
    expect(
      pairs.map(([pair]) => pair),
      `folders importing each other:\n${shown}`,
    ).toEqual([]);
  });

  test('no file imports a folder on its own layer or above (the layers run one way)', () => {
    const breaks = findLayerBreaks(scan.graph, layers);
    expect(breaks, `imports against the layers:\n${breaks.join('\n')}`).toEqual([]);
  });

  test('src/model/ imports no package and no other folder: it is vocabulary only', () => {
    const model = [...scan.packages].filter(([file]) => unitOf(file) === 'model');
    expect(model.length).toBeGreaterThan(5);
    expect(model.filter(([, named]) => named.length > 0)).toEqual([]);
  });

  test('@grpc/grpc-js is imported only under src/grpc/', () => {
    const importers = importersOf(scan.packages, '@grpc/grpc-js');
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !file.startsWith('grpc/'))).toEqual([]);
  });

  test('execa is imported only by src/process/run-process.ts', () => {
    expect(importersOf(scan.packages, 'execa')).toEqual(['process/run-process.ts']);
  });
});
