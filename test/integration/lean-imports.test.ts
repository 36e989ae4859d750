import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, greeterMain, readHaleNodeFlags, requireBuilt } from '../helpers/paths.js';

// README, "Performance": `hale run` keeps the config parser (zod, yaml) on its reader thread and loads no client command, nor ws before a WebSocket client comes.

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-lean-imports-'));
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

/** What each module was imported by, from the log the preloaded hooks wrote: url → importers. */
const readImports = (file: string): Map<string, Set<string>> => {
  const importers = new Map<string, Set<string>>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [url = '', parent = ''] = line.split('\t');
    if (url === '') continue;
    const short = (u: string) => u.replace(/^.*\/(dist|node_modules)\//, '$1/');
    const set = importers.get(short(url)) ?? new Set<string>();
    set.add(short(parent));
    importers.set(short(url), set);
  }
  return importers;
};

describe('what `hale run` loads', () => {
  test('the config is parsed on the reader thread only (zod and yaml come in through load-worker.js), and no client command is loaded', async () => {
    const log = join(dir, 'imports.log');
    const config = join(dir, 'supervisor.yaml');
    writeFileSync(
      config,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { enabled: false }',
        `stateDir: ${join(dir, 'state')}`,
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', config], { HALE_TEST_IMPORT_LOG: log }, dir, [
      ...readHaleNodeFlags(),
      '--import',
      fixture('import-log-register.mjs'),
    ]);
    await hale.line((line: LogLine) => line.event === 'transition' && line.to === 'healthy', 30_000);
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);

    const imports = readImports(log);
    // The hooks saw hale's own modules: the test would pass vacuously otherwise.
    expect(imports.get('dist/supervisor/supervisor.js')?.size).toBeGreaterThan(0);
    expect([...(imports.get('dist/config/load.js') ?? [])]).toEqual(['dist/config/load-worker.js']);
    const zodImporters = [...imports].filter(([url]) => url.startsWith('node_modules/zod/')).flatMap(([, from]) => [...from]);
    expect(zodImporters.length).toBeGreaterThan(0);
    for (const from of zodImporters) expect(from).toMatch(/^(node_modules\/zod\/|dist\/config\/)/);
    // No WebSocket client came: ws is loaded at the first upgrade (src/api/lazy-ws-server.ts).
    expect([...imports.keys()].filter((url) => url.startsWith('node_modules/ws/'))).toEqual([]);
    for (const client of ['status', 'validate', 'init', 'logs', 'control', 'reload', 'healthcheck', 'locate-config-key'])
      expect(imports.has(`dist/commands/${client}.js`), client).toBe(false);
  }, 60_000);
});
