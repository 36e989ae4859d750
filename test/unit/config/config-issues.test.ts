import { describe, expect, test } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../../src/config/load.js';

/** Every issue of `text` as `hale validate` prints it. */
const issuesOf = (text: string, env: Record<string, string> = {}): string[] => {
  const result = parseConfigText(text, { file: 'supervisor.yaml', env });
  if (result.ok) throw new Error('expected issues, the config is valid');
  return result.issues.map(formatConfigIssue);
};

const plugin = (lines: string): string => `plugins:\n  - name: a\n    command: node\n${lines}`;

describe('each kind of error points at its file:line:col and path', () => {
  test('a wrong type', () => {
    expect(issuesOf('api:\n  port: true\nplugins: []\n')).toEqual([
      'supervisor.yaml:2:9: api.port: expected a whole number from 0 to 65535, got the boolean true',
    ]);
    expect(issuesOf(plugin('    critical: yes\n'))).toEqual([
      'supervisor.yaml:4:15: plugins[0].critical: expected true or false, got "yes" (write true or false)',
    ]);
    expect(issuesOf(plugin('    args: node\n'))).toEqual(['supervisor.yaml:4:11: plugins[0].args: expected a list, got "node"']);
  });

  test('a number or boolean where text belongs says to quote it', () => {
    expect(issuesOf(plugin('    env:\n      PORT: 8080\n      DEBUG: true\n    args: [--n, 1.10]\n'))).toEqual([
      'supervisor.yaml:5:13: plugins[0].env.PORT: expected text, got the number 8080 (quote it: "8080")',
      'supervisor.yaml:6:14: plugins[0].env.DEBUG: expected text, got the boolean true (quote it: "true")',
      'supervisor.yaml:7:17: plugins[0].args[1]: expected text, got the number 1.1 (quote it: "1.1")',
    ]);
  });

  test('a bad duration, and a bare number where a duration belongs', () => {
    expect(issuesOf(plugin('    checkInterval: 30x\n    stopTimeout: 30\n'))).toEqual([
      'supervisor.yaml:4:20: plugins[0].checkInterval: invalid duration "30x": unknown unit "x" (write e.g. 250ms, 30s, 5m or 1m30s)',
      'supervisor.yaml:5:18: plugins[0].stopTimeout: expected a duration with a unit, got the number 30 (write "30s")',
    ]);
  });

  test('out-of-range thresholds and durations', () => {
    expect(issuesOf('defaults:\n  failureThreshold: 0\n  maxRestarts: -1\n  checkInterval: 0\nplugins: []\n')).toEqual([
      'supervisor.yaml:2:21: defaults.failureThreshold: expected a whole number ≥ 1, got the number 0',
      'supervisor.yaml:3:16: defaults.maxRestarts: expected a whole number ≥ 0, got the number -1',
      'supervisor.yaml:4:18: defaults.checkInterval: must be at least 1ms, got the number 0',
    ]);
  });

  test('an unknown key, at the key, with a suggestion when one is close', () => {
    expect(issuesOf(plugin('    chekInterval: 5s\n    colour: blue\n'))).toEqual([
      'supervisor.yaml:4:5: plugins[0].chekInterval: unknown key "chekInterval" (did you mean checkInterval?)',
      'supervisor.yaml:5:5: plugins[0].colour: unknown key "colour"',
    ]);
    expect(issuesOf('api:\n  tokn: x\nplugin: []\n')).toEqual([
      'supervisor.yaml:1:1: plugins: missing required key (the plugins to supervise; "plugins: []" for none)',
      'supervisor.yaml:2:3: api.tokn: unknown key "tokn" (did you mean token?)',
      'supervisor.yaml:3:1: plugin: unknown key "plugin" (did you mean plugins?)',
    ]);
  });

  test('a duplicate name, at the second one', () => {
    expect(issuesOf('plugins:\n  - name: a\n    command: x\n  - name: b\n    command: x\n  - name: a\n    command: y\n')).toEqual([
      'supervisor.yaml:6:11: plugins[2].name: duplicate name "a" (plugins[0] has it already)',
    ]);
  });

  test('a bad name', () => {
    expect(issuesOf('plugins:\n  - name: My Plugin\n    command: x\n')).toEqual([
      'supervisor.yaml:2:11: plugins[0].name: invalid name "My Plugin": use up to 63 lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
    ]);
    expect(issuesOf(`plugins:\n  - name: ${'a'.repeat(64)}\n    command: x\n`)[0]).toMatch(
      /^supervisor\.yaml:2:11: plugins\[0\]\.name: invalid name/,
    );
  });

  test('a name that one of the API probes takes', () => {
    expect(issuesOf('plugins:\n  - name: readiness\n    command: x\n')).toEqual([
      'supervisor.yaml:2:11: plugins[0].name: the name "readiness" is taken by the API\'s /health/readiness probe; choose another',
    ]);
  });

  test('a YAML syntax error, at its position, without the noise that follows it', () => {
    expect(issuesOf('plugins:\n  - name: a\n   command: x\n')).toEqual([
      'supervisor.yaml:3:1: invalid YAML: Sequence item without - indicator',
    ]);
    expect(issuesOf('api:\n  port: 1\n  port: 2\nplugins: []\n')).toEqual([
      'supervisor.yaml:3:3: api.port: duplicate key "port" (a mapping holds each key once)',
    ]);
    const flow = issuesOf('plugins:\n  - name: a\n    command: x\n    env: { A: ${B} }\n    args: [x]\n');
    expect(flow).toHaveLength(1);
    expect(flow[0]).toMatch(/^supervisor\.yaml:4:16: invalid YAML: .*quote a value that holds \$\{\.\.\.\}/);
  });

  test('a missing required field, at the plugin mapping', () => {
    expect(issuesOf('plugins:\n  - name: a\n  - command: x\n    args: []\n')).toEqual([
      'supervisor.yaml:2:5: plugins[0].command: missing required key',
      'supervisor.yaml:3:5: plugins[1].name: missing required key',
    ]);
  });

  test('an empty file and an empty value', () => {
    expect(issuesOf('# nothing yet\n')).toEqual(['supervisor.yaml:1:1: the config is empty; it needs at least a "plugins:" list']);
    expect(issuesOf('plugins:\n')).toEqual(['supervisor.yaml:1:9: plugins: expected a list, got an empty value']);
  });

  test('bad addresses and enums', () => {
    expect(
      issuesOf(
        'grpc:\n  address: localhost\nlog:\n  level: verbose\n' + plugin('    address: 127.0.0.1:0\n').replace(/^plugins/, 'plugins'),
      ),
    ).toEqual([
      'supervisor.yaml:2:12: grpc.address: invalid address "localhost": no port (write unix:/absolute/path or host:port, e.g. 127.0.0.1:50051 or [::1]:50051)',
      'supervisor.yaml:4:10: log.level: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
      'supervisor.yaml:8:14: plugins[0].address: invalid address "127.0.0.1:0": port 0 cannot be connected to (write unix:/absolute/path or host:port, e.g. 127.0.0.1:50051 or [::1]:50051)',
    ]);
  });
});

test('several errors come back at once, in file order', () => {
  const text = `api:
  port: 99999
defaults:
  checkTimeout: 10
plugins:
  - name: greeter
    command: node
    checkInterval: 30x
  - name: greeter
    comand: node
`;
  expect(issuesOf(text)).toEqual([
    'supervisor.yaml:2:9: api.port: expected a whole number from 0 to 65535, got the number 99999',
    'supervisor.yaml:4:17: defaults.checkTimeout: expected a duration with a unit, got the number 10 (write "10s")',
    'supervisor.yaml:8:20: plugins[0].checkInterval: invalid duration "30x": unknown unit "x" (write e.g. 250ms, 30s, 5m or 1m30s)',
    'supervisor.yaml:9:5: plugins[1].command: missing required key',
    'supervisor.yaml:9:11: plugins[1].name: duplicate name "greeter" (plugins[0] has it already)',
    'supervisor.yaml:10:5: plugins[1].comand: unknown key "comand" (did you mean command?)',
  ]);
});

test('formatConfigIssue leaves out an empty path', () => {
  expect(formatConfigIssue({ file: 'a.yaml', line: 1, column: 1, path: '', message: 'cannot read the config: no such file' })).toBe(
    'a.yaml:1:1: cannot read the config: no such file',
  );
});

test('aliases that expand without end are one issue, found quickly', () => {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 9; i += 1) text += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]\n`;
  const issues = issuesOf(`${text}plugins: []\n`);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatch(/^supervisor\.yaml:\d+:\d+: a\d[[\]\d]*: the document expands to more than 20000 values$/);
});

test('a key named __proto__ is reported, not dropped', () => {
  expect(issuesOf('plugins:\n  - name: a\n    command: x\n    env: {__proto__: x, "A=B": y}\n')).toEqual([
    'supervisor.yaml:4:11: plugins[0].env.__proto__: a key cannot be __proto__',
    'supervisor.yaml:4:25: plugins[0].env["A=B"]: an environment variable name cannot be empty or hold "="',
  ]);
});
