import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { interpolate, type Env, type InterpolateResult } from '../../../src/config/interpolate.js';
import { maxConfigBytes, maxExpandedBytes, maxNestingDepth, maxReportedIssues } from '../../../src/config/limits.js';
import { formatConfigIssue, loadConfig, parseConfigText, type ConfigResult } from '../../../src/config/load.js';

// Loose on purpose: a loaded machine is slow, but the old code took seconds to minutes here.
const cpuBudgetMs = 1_000;

/** Runs `work` and returns its value with the CPU time (user + system) it took. */
const measure = async <T>(work: () => T | Promise<T>): Promise<{ value: T; cpuMs: number }> => {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
};

const nested = (depth: number, innermost: string) => '${A:-'.repeat(depth) + innermost + '}'.repeat(depth);
const withCommand = (command: string) => `plugins:\n  - name: a\n    command: "${command}"\n`;
const issuesOf = (result: ConfigResult): string[] => (result.ok ? [] : result.issues.map(formatConfigIssue));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hale-hostile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The interpolation as it was first written (recursive), kept as the meaning the linear one must keep. */
const interpolateByRecursion = (text: string, env: Env): InterpolateResult => {
  const findClose = (start: number): number => {
    let depth = 0;
    for (let i = start; i < text.length; i += 1) {
      if (text.startsWith('$$', i)) i += 1;
      else if (text.startsWith('${', i)) {
        depth += 1;
        i += 1;
      } else if (text[i] === '}') {
        depth -= 1;
        if (depth === 0) return i;
      }
    }
    return -1;
  };
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) break;
    value += text.slice(i, dollar);
    if (text.startsWith('$$', dollar)) {
      value += '$';
      i = dollar + 2;
    } else if (text.startsWith('${', dollar)) {
      const close = findClose(dollar);
      if (close === -1) return { ok: false, message: 'unterminated' };
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/.exec(text.slice(dollar + 2, close));
      if (match === null) return { ok: false, message: 'invalid' };
      const [, name = '', fallback] = match;
      const set = env[name];
      if (fallback === undefined && set === undefined) return { ok: false, message: 'unset' };
      if (set !== undefined && (fallback === undefined || set !== '')) value += set;
      else {
        const inner = interpolateByRecursion(fallback ?? '', env);
        if (!inner.ok) return inner;
        value += inner.value;
      }
      i = close + 1;
    } else {
      value += '$';
      i = dollar + 1;
    }
  }
  return { ok: true, value: value + text.slice(i) };
};

const kindOf = (message: string): string =>
  message.startsWith('unterminated')
    ? 'unterminated'
    : message.startsWith('invalid')
      ? 'invalid'
      : message.startsWith('environment')
        ? 'unset'
        : message;

describe('interpolation is iterative and linear', () => {
  test.each([10_000, 100_000])('%i nested defaults give the innermost default, quickly', async (depth) => {
    const { value, cpuMs } = await measure(() => interpolate(nested(depth, 'x'), {}));
    expect(value).toEqual({ ok: true, value: 'x' });
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test.each([10_000, 100_000])('%i nested defaults stop at the first set variable', async (depth) => {
    const { value, cpuMs } = await measure(() => interpolate(nested(depth, '${B}'), { A: 'set' }));
    expect(value).toEqual({ ok: true, value: 'set' });
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('an unset variable at the bottom of 100000 levels is an issue that names it', async () => {
    const { value, cpuMs } = await measure(() => interpolate(nested(100_000, '${MISSING}'), {}));
    expect(value.ok).toBe(false);
    if (!value.ok) expect(value.message).toContain('environment variable MISSING is not set');
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('100000 unterminated openings are an issue, and the message stays short', async () => {
    const { value, cpuMs } = await measure(() => interpolate('${A:-'.repeat(100_000), {}));
    expect(value.ok).toBe(false);
    if (!value.ok) {
      expect(value.message).toContain('unterminated "${"');
      expect(value.message.length).toBeLessThan(300);
    }
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('a huge invalid reference is an issue with a short message', () => {
    const result = interpolate(`\${${'-'.repeat(1_000_000)}}`, {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(300);
  });

  test('a value that expands past the byte bound is refused, not built', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const { value, cpuMs } = await measure(() => interpolate('${BIG}'.repeat(100_000), { BIG: big }));
    expect(value.ok).toBe(false);
    if (!value.ok) expect(value.message).toContain(`more than ${maxExpandedBytes / 1024 / 1024} MiB`);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('random text means what it meant, and never throws', () => {
    const piece = fc.constantFrom('$', '$$', '${', '}', '{', 'A', 'B', 'E', ':-', ':', '-', 'x', ' ', '1', '${A:-', '${B}', '${E:-');
    const env = { A: 'a', E: '' };
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        const expected = interpolateByRecursion(text, env);
        const actual = interpolate(text, env);
        if (expected.ok) expect(actual).toEqual(expected);
        else expect(!actual.ok && kindOf(actual.message)).toBe(expected.message);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('a config never crashes or stalls the reader', () => {
  test.each([10_000, 100_000])('%i nested defaults in a value work', async (depth) => {
    const { value, cpuMs } = await measure(() => parseConfigText(withCommand(nested(depth, 'x')), { file: 'supervisor.yaml', env: {} }));
    expect(value.ok && value.config.plugins[0]?.command).toBe('x');
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test.each([10_000, 100_000])('%i nested defaults over an unset variable: an issue saying where and what', async (depth) => {
    const file = join(dir, 'supervisor.yaml');
    await writeFile(file, withCommand(nested(depth, '${MISSING}')));
    const { value, cpuMs } = await measure(() => loadConfig(file, {}));
    expect(issuesOf(value)).toEqual([
      `${file}:3:14: plugins[0].command: environment variable MISSING is not set (set it, or give a default: \${MISSING:-value})`,
    ]);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('an anchored 256 KiB value aliased 19000 times is refused by its expanded size', async () => {
    const text = `x-big: &big "${'x'.repeat(256 * 1024)}"\nplugins:\n  - name: a\n    command: node\n    args: [${Array(19_000).fill('*big').join(', ')}]\n`;
    const { value, cpuMs } = await measure(() => parseConfigText(text, { file: 'supervisor.yaml', env: {} }));
    const issues = issuesOf(value);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^supervisor\.yaml:5:\d+: plugins\[0\]\.args\[\d+\]: the document expands to more than 4 MiB of text/);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('nested aliases that double at each level are refused by size, not walked', async () => {
    const levels = ['a0: &a0 "' + 'x'.repeat(1024) + '"'];
    for (let i = 1; i <= 40; i += 1) levels.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
    const text = `x-bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\nplugins: []\n`;
    const { value, cpuMs } = await measure(() => parseConfigText(text, { file: 'supervisor.yaml', env: {} }));
    expect(issuesOf(value).join('\n')).toContain('the document expands to more than 4 MiB of text');
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('the 1 MB anchored value aliased 19000 times is refused, cheaply', async () => {
    const file = join(dir, 'supervisor.yaml');
    await writeFile(
      file,
      `x-big: &big "${'x'.repeat(1_000_000)}"\nplugins:\n  - name: a\n    command: node\n    args: [${Array(19_000).fill('*big').join(', ')}]\n`,
    );
    const { value, cpuMs } = await measure(() => loadConfig(file, {}));
    expect(value.ok).toBe(false);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('a file larger than the bound is refused before it is read', async () => {
    const file = join(dir, 'supervisor.yaml');
    const handle = await open(file, 'w');
    await handle.write('plugins: []\n');
    await handle.truncate(1024 * 1024 * 1024);
    await handle.close();
    const { value, cpuMs } = await measure(() => loadConfig(file, {}));
    expect(issuesOf(value)).toEqual([
      `${file}:1:1: the config is ${1024 ** 3} bytes; hale reads at most ${maxConfigBytes / 1024 / 1024} MiB (a supervisor.yaml is a few KiB)`,
    ]);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('text larger than the bound is refused before it is parsed', () => {
    const result = parseConfigText(`plugins: []\n${'#'.repeat(maxConfigBytes)}\n`, { file: 'supervisor.yaml', env: {} });
    expect(issuesOf(result)[0]).toMatch(/^supervisor\.yaml:1:1: the config is \d+ bytes; hale reads at most 1 MiB/);
  });

  test('a FIFO is refused at once instead of waiting for a writer', async () => {
    const file = join(dir, 'supervisor.yaml');
    execFileSync('mkfifo', [file]);
    const result = await loadConfig(file, {});
    expect(issuesOf(result)).toEqual([`${file}:1:1: cannot read the config: it is not a regular file`]);
  });

  test('a mapping of 10000 keys is read in linear time', async () => {
    const text = `x-many:\n${Array.from({ length: 10_000 }, (_, i) => `  k${i}: v`).join('\n')}\nplugins: []\n`;
    const { value, cpuMs } = await measure(() => parseConfigText(text, { file: 'supervisor.yaml', env: {} }));
    expect(issuesOf(value)).toEqual(['supervisor.yaml:1:1: ["x-many"]: unknown key "x-many"']);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('a duplicate key is still an issue, at the second one', () => {
    expect(issuesOf(parseConfigText('api:\n  port: 1\n  port: 2\nplugins: []\n', { file: 'supervisor.yaml', env: {} }))).toEqual([
      'supervisor.yaml:3:3: api.port: duplicate key "port" (a mapping holds each key once)',
    ]);
  });

  test('9000 aliases of one small anchor are resolved in linear time', async () => {
    const text = `x-one: &one v\nplugins:\n  - name: a\n    command: node\n    args: [${Array(9_000).fill('*one').join(', ')}]\n`;
    const { value, cpuMs } = await measure(() => parseConfigText(text, { file: 'supervisor.yaml', env: {} }));
    expect(issuesOf(value)).toEqual(['supervisor.yaml:1:1: ["x-one"]: unknown key "x-one"']);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test.each([
    ['flow lists', (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\nplugins: []\n`],
    ['flow mappings', (n: number) => `x: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\nplugins: []\n`],
    ['block mappings', (n: number) => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n')}\nplugins: []\n`],
  ])('deeply nested %s are an issue, never a throw', async (_kind, make) => {
    for (const depth of [maxNestingDepth + 1, 2_000, 20_000]) {
      const { value, cpuMs } = await measure(() => parseConfigText(make(depth), { file: 'supervisor.yaml', env: {} }));
      expect(value.ok).toBe(false);
      expect(issuesOf(value).join('\n')).toMatch(/nested deeper than 64 levels|invalid YAML|hale reads at most 1 MiB/);
      expect(cpuMs).toBeLessThan(depth > 2_000 ? 4 * cpuBudgetMs : cpuBudgetMs);
    }
  });
});

describe('what is reported about hostile input is bounded', () => {
  test('a 100 KB unknown key is named briefly, and quickly', async () => {
    const key = 'k'.repeat(100_000);
    const { value, cpuMs } = await measure(() => parseConfigText(`? ${key}\n: 1\nplugins: []\n`, { file: 'supervisor.yaml', env: {} }));
    const issues = issuesOf(value);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.length).toBeLessThan(400);
    expect(cpuMs).toBeLessThan(cpuBudgetMs);
  });

  test('a 100 KB duration and a 100 KB duplicate name are named briefly', () => {
    const long = '9'.repeat(100_000);
    const text = `defaults: {checkInterval: "${long}x"}\nplugins:\n  - {name: "${long}", command: x}\n  - {name: "${long}", command: x}\n`;
    const issues = issuesOf(parseConfigText(text, { file: 'supervisor.yaml', env: {} }));
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.length).toBeLessThan(400);
  });

  test(`at most ${maxReportedIssues} issues are listed, and the rest are counted`, () => {
    const text = `plugins: []\n${Array.from({ length: 5_000 }, (_, i) => `unknown${i}: 1`).join('\n')}\n`;
    const result = parseConfigText(text, { file: 'supervisor.yaml', env: {} });
    const issues = issuesOf(result);
    expect(issues).toHaveLength(maxReportedIssues + 1);
    expect(issues.at(-1)).toBe(`supervisor.yaml:${maxReportedIssues + 2}:1: and ${5_000 - maxReportedIssues} more issues`);
  });
});
