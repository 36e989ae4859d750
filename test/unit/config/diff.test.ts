import { describe, expect, test } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { SupervisorConfig } from '../../../src/config/types.js';

const parse = (text: string): SupervisorConfig => {
  const result = parseConfigText(text, { file: '/etc/hale/supervisor.yaml', env: {}, baseDir: '/etc/hale' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
};

const base = `
plugins:
  - {name: a, command: x, env: {ONE: "1", TWO: "2"}}
  - {name: b, command: y}
  - {name: c, command: z}
`;

describe('diffConfigs', () => {
  test('the same file is all unchanged, whatever the order of env keys', () => {
    const reordered = base.replace('{ONE: "1", TWO: "2"}', '{TWO: "2", ONE: "1"}');
    expect(diffConfigs(parse(base), parse(reordered))).toEqual({
      added: [],
      removed: [],
      changed: [],
      unchanged: ['a', 'b', 'c'],
      ignored: [],
    });
  });

  test('added, removed and changed by name; a changed default changes the plugins that use it', () => {
    const next = parse(`
defaults: {checkInterval: 5s}
plugins:
  - {name: a, command: x, env: {ONE: "1", TWO: "2"}, checkInterval: 30s}
  - {name: c, command: z, args: [--fast]}
  - {name: d, command: w}
`);
    const diff = diffConfigs(parse(base), next);
    expect(diff.added.map((p) => p.name)).toEqual(['d']);
    expect(diff.removed).toEqual(['b']);
    expect(diff.changed.map((p) => p.name)).toEqual(['c']);
    expect(diff.unchanged).toEqual(['a']);
  });

  test('an args order or noRestartExitCodes change is a change', () => {
    const before = parse('plugins: [{name: a, command: x, args: [one, two]}]');
    expect(diffConfigs(before, parse('plugins: [{name: a, command: x, args: [two, one]}]')).changed).toHaveLength(1);
    expect(diffConfigs(before, parse('plugins: [{name: a, command: x, args: [one, two], noRestartExitCodes: []}]')).changed).toHaveLength(
      1,
    );
  });

  test('settings only a restart applies are listed as ignored', () => {
    const next = parse(
      `api: {port: 9090, token: t}\ngrpc: {address: "127.0.0.1:6000"}\nlog: {level: debug}\nstateDir: /var/lib/hale\n${base}`,
    );
    expect(diffConfigs(parse(base), next).ignored).toEqual(['api.port', 'api.token', 'grpc.address', 'log.level', 'stateDir']);
  });
});
