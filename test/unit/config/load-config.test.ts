import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { repoRoot } from '../../helpers/paths.js';

const fixture = join(repoRoot, 'test/fixtures/config/valid.yaml');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hale-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  test('reads the valid fixture: absolute source, cwd resolved from the file, overrides applied', async () => {
    const result = await loadConfig(fixture, {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { config } = result;
    expect(config.source).toBe(fixture);
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 0, token: null, tokenSource: null });
    expect(config.log.level).toBe('warn');
    expect(config.plugins.map((plugin) => [plugin.name, plugin.cwd, plugin.critical])).toEqual([
      ['greeter', join(repoRoot, '.'), true],
      ['flaky', join(repoRoot, '.'), false],
    ]);
    expect(config.plugins[0]).toMatchObject({ checkInterval: 1_000, checkTimeout: 500, startInterval: 100, stopTimeout: 2_000 });
    expect(config.plugins[1]).toMatchObject({ checkInterval: 250, failureThreshold: 2, env: { FLAKY_SLOW_MS: '0' } });
  });

  test('names the file as given and makes source absolute', async () => {
    await writeFile(join(dir, 'hale.yaml'), 'plugins:\n  - name: a\n    command: x\n    cwd: sub\n');
    const given = relative(process.cwd(), join(dir, 'hale.yaml'));
    const result = await loadConfig(given, {});
    expect(result.ok && result.config.source).toBe(join(dir, 'hale.yaml'));
    expect(result.ok && result.config.plugins[0]?.cwd).toBe(join(dir, 'sub'));

    await writeFile(join(dir, 'bad.yaml'), 'plugins:\n  - name: a\n    command: x\n    checkInterval: 30x\n');
    const bad = await loadConfig(relative(process.cwd(), join(dir, 'bad.yaml')), {});
    expect(bad.ok || bad.issues[0]).toMatchObject({ file: relative(process.cwd(), join(dir, 'bad.yaml')), line: 4, column: 20 });
  });

  test('reads ${VAR} from the env it is given', async () => {
    await writeFile(join(dir, 'hale.yaml'), 'api:\n  token: ${TOKEN}\nplugins: []\n');
    expect(await loadConfig(join(dir, 'hale.yaml'), { TOKEN: 'abc' })).toMatchObject({ ok: true, config: { api: { token: 'abc' } } });
    expect(await loadConfig(join(dir, 'hale.yaml'), {})).toMatchObject({ ok: false, issues: [{ line: 2, column: 10, path: 'api.token' }] });
  });

  test('a missing file is an issue at 1:1, not a throw', async () => {
    const file = join(dir, 'nope.yaml');
    expect(await loadConfig(file, {})).toEqual({
      ok: false,
      issues: [{ file, line: 1, column: 1, path: '', message: 'cannot read the config: no such file' }],
    });
  });

  test('a directory is an issue, not a throw', async () => {
    expect(await loadConfig(dir, {})).toEqual({
      ok: false,
      issues: [{ file: dir, line: 1, column: 1, path: '', message: 'cannot read the config: it is a directory, not a file' }],
    });
  });

  // root reads any file whatever its mode.
  test.skipIf(process.getuid?.() === 0)('an unreadable file is an issue, not a throw', async () => {
    const file = join(dir, 'secret.yaml');
    await writeFile(file, 'plugins: []\n');
    await chmod(file, 0o000);
    expect(await loadConfig(file, {})).toEqual({
      ok: false,
      issues: [{ file, line: 1, column: 1, path: '', message: 'cannot read the config: permission denied' }],
    });
  });
});
