import { describe, expect, test } from 'vitest';
import { parseConfigText, type ConfigResult } from '../../../src/config/load.js';
import { checkPluginGraph, type GraphPlugin } from '../../../src/config/plugin-graph.js';

const plugin = (name: string, dependsOn: string[] = [], restartWith: string[] = []): GraphPlugin => ({ name, dependsOn, restartWith });

const parse = (text: string): ConfigResult => parseConfigText(text, { file: 'supervisor.yaml', env: {} });

const issuesOf = (text: string): string[] => {
  const result = parse(text);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.issues.map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
};

describe('checkPluginGraph', () => {
  test('an acyclic graph with known names has no issue', () => {
    expect(checkPluginGraph([plugin('db'), plugin('api', ['db'], ['db']), plugin('web', ['api', 'db'])])).toEqual([]);
  });

  test('names the whole cycle at the entry that closes it', () => {
    expect(checkPluginGraph([plugin('a', ['b']), plugin('b', ['c']), plugin('c', ['a'])])).toEqual([
      { path: [2, 'dependsOn', 0], message: 'a dependency cycle: a → b → c → a' },
    ]);
  });

  test('a cycle reached from outside it names only the cycle', () => {
    expect(checkPluginGraph([plugin('x', ['a']), plugin('a', ['b']), plugin('b', ['a'])])).toEqual([
      { path: [2, 'dependsOn', 0], message: 'a dependency cycle: a → b → a' },
    ]);
  });

  test('two separate cycles are both reported', () => {
    const issues = checkPluginGraph([plugin('a', ['b']), plugin('b', ['a']), plugin('c', ['d']), plugin('d', ['c'])]);
    expect(issues.map((issue) => issue.message)).toEqual(['a dependency cycle: a → b → a', 'a dependency cycle: c → d → c']);
  });

  test('itself, an unknown name, a name twice, and restartWith outside dependsOn', () => {
    const issues = checkPluginGraph([plugin('a', ['a', 'ghost', 'b', 'b'], ['c']), plugin('b'), plugin('c')]);
    expect(issues).toEqual([
      { path: [0, 'dependsOn', 0], message: '"a" cannot depend on itself' },
      { path: [0, 'dependsOn', 1], message: 'no plugin named "ghost" in plugins:' },
      { path: [0, 'dependsOn', 3], message: '"b" is listed twice' },
      { path: [0, 'restartWith', 0], message: '"c" is not in dependsOn: a plugin restarts only with one it depends on; add it there too' },
    ]);
  });

  test('a chain of 5,000 plugins is checked without overflowing the stack, and its closing edge found', () => {
    const count = 5_000;
    const chain = Array.from({ length: count }, (_, i) => plugin(`p${i}`, [`p${(i + 1) % count}`]));
    const issues = checkPluginGraph(chain);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual([count - 1, 'dependsOn', 0]);
    expect(issues[0]?.message.startsWith('a dependency cycle: p0 → p1 → p2')).toBe(true);
    expect(issues[0]?.message.endsWith(`p${count - 1} → p0`)).toBe(true);
  });
});

describe('dependsOn and restartWith in supervisor.yaml', () => {
  test('are read, empty by default', () => {
    const result = parse(`plugins:
  - name: db
    command: node
  - name: api
    command: node
    dependsOn: [db]
    restartWith: [db]
`);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.plugins.map((p) => [p.name, p.dependsOn, p.restartWith])).toEqual([
      ['db', [], []],
      ['api', ['db'], ['db']],
    ]);
  });

  test('a cycle is an issue at the line and column of the entry that closes it', () => {
    expect(
      issuesOf(`plugins:
  - name: a
    command: node
    dependsOn: [b]
  - name: b
    command: node
    dependsOn:
      - c
  - name: c
    command: node
    dependsOn: [x, a]
  - name: x
    command: node
`),
    ).toEqual(['11:20 plugins[2].dependsOn[1]: a dependency cycle: a → b → c → a']);
  });

  test('an unknown name, itself, and a restartWith outside dependsOn, each where it is written', () => {
    expect(
      issuesOf(`plugins:
  - name: a
    command: node
    dependsOn: [a, nope]
    restartWith: [b]
  - name: b
    command: node
`),
    ).toEqual([
      '4:17 plugins[0].dependsOn[0]: "a" cannot depend on itself',
      '4:20 plugins[0].dependsOn[1]: no plugin named "nope" in plugins:',
      '5:19 plugins[0].restartWith[0]: "b" is not in dependsOn: a plugin restarts only with one it depends on; add it there too',
    ]);
  });

  test('a very long unknown name is quoted cut short, and a dense graph is checked at once', () => {
    const long = 'x'.repeat(10_000);
    const [issue] = issuesOf(`plugins:\n  - name: a\n    command: node\n    dependsOn: [${long}]\n`);
    expect(issue).toMatch(/^4:17 plugins\[0\]\.dependsOn\[0\]: no plugin named "x+…" \(10000 characters\) in plugins:$/);
    expect(issue?.length).toBeLessThan(200);
    // 120 plugins, each depending on every one before it: 7,140 edges, no cycle.
    const names = Array.from({ length: 120 }, (_, i) => `p${i}`);
    const dense = names.map((name, i) => plugin(name, names.slice(0, i)));
    const started = performance.now();
    expect(checkPluginGraph(dense)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  test('hostile values are issues, never a throw', () => {
    expect(issuesOf(`plugins:\n  - name: a\n    command: node\n    dependsOn: {x: 1}\n`)[0]).toMatch(/^4:16 plugins\[0\]\.dependsOn: /);
    expect(issuesOf(`plugins:\n  - name: a\n    command: node\n    dependsOn: [1]\n`)[0]).toMatch(/^4:17 plugins\[0\]\.dependsOn\[0\]: /);
    expect(issuesOf(`plugins:\n  - name: a\n    command: node\n    dependsOn: ["__proto__"]\n`)).toEqual([
      '4:17 plugins[0].dependsOn[0]: no plugin named "__proto__" in plugins:',
    ]);
  });
});
