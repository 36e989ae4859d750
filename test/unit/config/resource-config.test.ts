import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, parseConfigText } from '../../../src/config/load.js';
import { createConfigSchema } from '../../../src/config/schema.js';
import { parseEnvText } from '../../../src/config/env-file.js';
import { formatBytes, readSize } from '../../../src/config/size.js';
import type { AccountSource } from '../../../src/config/account.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-resource-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (text: string) => parseConfigText(text, { file: '/etc/hale/supervisor.yaml', env: {} });

describe('memoryMax', () => {
  test.each([
    ['150MiB', 150 * 2 ** 20],
    ['1GiB', 2 ** 30],
    ['512MB', 512e6],
    ['1.5GB', 1.5e9],
    ['64 MiB', 64 * 2 ** 20],
    [8_000_000, 8_000_000],
  ])('reads %s', (written, bytes) => {
    expect(readSize(written)).toEqual({ ok: true, value: bytes });
  });

  test('is read per plugin and from defaults, and null lifts a default', () => {
    const result = parse(
      'defaults: {memoryMax: 1GiB}\nplugins:\n  - {name: a, command: x}\n  - {name: b, command: x, memoryMax: 150MiB}\n  - {name: c, command: x, memoryMax: ~}\n',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.plugins.map((plugin) => plugin.memoryMax)).toEqual([2 ** 30, 150 * 2 ** 20, null]);
    expect(parse('plugins: [{name: a, command: x}]')).toMatchObject({ ok: true, config: { plugins: [{ memoryMax: null }] } });
  });

  test.each([
    ['150mb', 'invalid size "150mb"'],
    ['lots', 'invalid size "lots"'],
    ['-5MiB', 'invalid size'],
    ['1KiB', 'memoryMax must be at least 4 MiB, got 1 KiB'],
    ['true', 'expected a size, got the boolean true'],
  ])('refuses %s at its line and column', (written, message) => {
    const result = parse(`plugins:\n  - name: a\n    command: x\n    memoryMax: ${written}\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ line: 4, column: 16, path: 'plugins[0].memoryMax' });
    expect(result.issues[0]?.message).toContain(message);
  });

  test('formats sizes back in binary units', () => {
    expect(formatBytes(150 * 2 ** 20)).toBe('150 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});

const accounts = (uid: number | null): AccountSource => ({
  passwd: () =>
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\napp:x:1001:1002::/srv:/bin/sh\n',
  group: () => 'root:x:0:\nnogroup:x:65534:\napp:x:1002:\n',
  uid: () => uid,
});

const parseAs = (uid: number | null, plugin: string) =>
  createConfigSchema({ source: '/etc/hale/supervisor.yaml', baseDir: '/etc/hale', env: {}, accounts: accounts(uid) }).safeParse({
    plugins: [{ name: 'a', command: 'x', ...(JSON.parse(plugin) as object) }],
  });

describe('user and group', () => {
  test('names become ids; a user alone takes its primary group', () => {
    expect(parseAs(0, '{"user":"app"}').data?.plugins[0]?.runAs).toEqual({ uid: 1001, gid: 1002, user: 'app', group: null });
    expect(parseAs(0, '{"user":"nobody","group":"nogroup"}').data?.plugins[0]?.runAs).toEqual({
      uid: 65534,
      gid: 65534,
      user: 'nobody',
      group: 'nogroup',
    });
    expect(parseAs(0, '{"user":4242}').data?.plugins[0]?.runAs).toEqual({ uid: 4242, gid: 4242, user: null, group: null });
    expect(parseAs(0, '{"group":"app"}').data?.plugins[0]?.runAs).toEqual({ uid: null, gid: 1002, user: null, group: 'app' });
    expect(parseAs(0, '{}').data?.plugins[0]?.runAs).toBeNull();
  });

  test('an unknown name, a hostile value, and a hale that is not root are errors at the key', () => {
    const messages = (uid: number | null, plugin: string) =>
      parseAs(uid, plugin).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(messages(0, '{"user":"ghost"}')).toEqual(['plugins.0.user: no user named "ghost" in /etc/passwd']);
    expect(messages(0, '{"user":"a:b\\nroot"}')[0]).toContain('expected a user name or a numeric id');
    expect(messages(0, '{"group":["x"]}')[0]).toContain('plugins.0.group: expected a group name or a numeric id, got a list');
    expect(messages(1000, '{"user":"nobody"}')).toEqual([
      'plugins.0.user: hale runs as uid 1000, not root: only root can run a plugin as another user or group; remove user: or run hale as root',
    ]);
    expect(messages(1000, '{"group":"nogroup"}')[0]).toMatch(/^plugins\.0\.group: hale runs as uid 1000, not root/);
  });
});

describe('envFile', () => {
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const configWith = (envFile: string, extra = ''): string =>
    write(
      `supervisor-${Math.random().toString(36).slice(2)}.yaml`,
      `plugins:\n  - name: a\n    command: x\n    envFile: ${envFile}\n${extra}`,
    );

  test('is read relative to the config, under the plugin env, which wins', async () => {
    write(
      'app.env',
      '# the app\nexport DB_URL="postgres://db/app?x=1"\nMODE=fast # inline comment\nQUOTED=\'a "b" c\'\n\nESC="a\\nb"\nMODE2=\n',
    );
    const result = await loadConfig(configWith('app.env', '    env: {MODE: slow}\n'));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const [plugin] = result.config.plugins;
    expect(plugin?.envFile).toBe(join(dir, 'app.env'));
    expect(plugin?.env).toEqual({ DB_URL: 'postgres://db/app?x=1', MODE: 'slow', QUOTED: 'a "b" c', ESC: 'a\nb', MODE2: '' });
  });

  test('a bad line is an issue at envFile that names the file and line, never the value', async () => {
    write('bad.env', 'GOOD=1\n\nSECRET_TOKEN s3cr3t-value\n');
    const result = await loadConfig(configWith('bad.env'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ line: 4, column: 14, path: 'plugins[0].envFile' });
    expect(result.issues[0]?.message).toBe(`${join(dir, 'bad.env')}:3: expected KEY=VALUE, found no "="`);
    expect(JSON.stringify(result.issues)).not.toContain('s3cr3t');
  });

  test.each([
    ['1BAD=x', 'the name before "=" must be'],
    ['K="open', 'never closes'],
    ["K='a' b", 'text after the closing quote'],
  ])('refuses the line %s', (line, message) => {
    const read = parseEnvText(`A=1\n${line}\n`);
    expect(read).toMatchObject({ ok: false, line: 2 });
    if (!read.ok) expect(read.message).toContain(message);
  });

  test('a FIFO, a directory, a missing file and a huge file are refused without hanging', async () => {
    const fifo = join(dir, 'pipe.env');
    execFileSync('mkfifo', [fifo]);
    write('huge.env', `K=${'x'.repeat(300 * 1024)}\n`);
    const cases: Array<[string, string]> = [
      ['pipe.env', 'cannot read the env file: it is not a regular file'],
      ['/dev/zero', 'cannot read the env file: it is not a regular file'],
      ['.', 'cannot read the env file: it is a directory, not a file'],
      ['missing.env', 'cannot read the env file: no such file'],
      ['huge.env', 'hale reads at most 256 KiB'],
    ];
    for (const [file, message] of cases) {
      const result = await loadConfig(configWith(file));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]?.message).toContain(message);
    }
  });

  test('is read again on each load, so a reload sees a change', async () => {
    const path = write('changing.env', 'V=1\n');
    const config = configWith('changing.env');
    const first = await loadConfig(config);
    writeFileSync(path, 'V=2\n');
    const second = await loadConfig(config);
    expect([first, second].map((result) => (result.ok ? result.config.plugins[0]?.env['V'] : null))).toEqual(['1', '2']);
  });
});
