import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
let count = 0;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-state-attack-'));
});
// A hale wedged on a FIFO ignores SIGTERM: ended by pid, SIGKILL.
afterEach(() => stopAllHale());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freshDir = (label: string): string => {
  count += 1;
  const path = join(dir, `${label}-${count}`);
  mkdirSync(path, { mode: 0o700 });
  return path;
};

const writeConfig = (stateDir: string): string => {
  const file = join(freshDir('config'), 'supervisor.yaml');
  const lines = [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { address: 127.0.0.1:0 }',
    'log: { level: debug }',
    `stateDir: ${stateDir}`,
    'defaults: { checkInterval: 1m, startInterval: 50ms, successThreshold: 1, stopTimeout: 2s }',
    'plugins:',
    `  - { name: greeter, command: node, args: [${greeterMain}] }`,
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
};

const healthy = (line: LogLine) => line.event === 'transition' && line.plugin === 'greeter' && line.to === 'healthy';

/** SIGTERM, then the exit, or 'hung' after `ms`. */
const stopWithin = async (hale: HaleProcess, ms: number): Promise<{ code: number | null } | 'hung'> => {
  hale.child.kill('SIGTERM');
  return Promise.race([hale.exited, delay(ms).then(() => 'hung' as const)]);
};

const exitWithin = (hale: HaleProcess, ms: number): Promise<{ code: number | null } | 'hung'> =>
  Promise.race([hale.exited, delay(ms).then(() => 'hung' as const)]);

const aside = (stateDir: string, name: string): string[] => readdirSync(stateDir).filter((entry) => entry.startsWith(`${name}.refused-`));

const mentions = (name: string, kind: string) => (line: LogLine) => JSON.stringify(line).includes(`${name} is ${kind}, not a regular file`);

describe('a state dir holding what hale did not put there', () => {
  test('a FIFO as journal.jsonl: start completes, the log says what it was and where it went, SIGTERM ends hale', async () => {
    const stateDir = freshDir('state');
    execFileSync('mkfifo', [join(stateDir, 'journal.jsonl')]);
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    await hale.line(healthy, 20_000);
    const said = await hale.line(mentions('journal.jsonl', 'a FIFO'), 1_000);
    expect(JSON.stringify(said)).toContain('moved it aside as');
    expect(await stopWithin(hale, 15_000)).toEqual({ code: 0, signal: null });
    const [kept] = aside(stateDir, 'journal.jsonl');
    expect(kept).toBeDefined();
    // The FIFO is kept as it was; the journal goes on in a file of hale's own.
    expect(lstatSync(join(stateDir, kept ?? '')).isFIFO()).toBe(true);
    expect(lstatSync(join(stateDir, 'journal.jsonl')).isFile()).toBe(true);
    expect(readFileSync(join(stateDir, 'journal.jsonl'), 'utf8')).toContain('"to":"healthy"');
  }, 60_000);

  test('a FIFO as processes.json: start completes, the log says so, SIGTERM ends hale', async () => {
    const stateDir = freshDir('state');
    execFileSync('mkfifo', [join(stateDir, 'processes.json')]);
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    await hale.line(healthy, 20_000);
    await hale.line(mentions('processes.json', 'a FIFO'), 1_000);
    expect(await stopWithin(hale, 15_000)).toEqual({ code: 0, signal: null });
    const [kept] = aside(stateDir, 'processes.json');
    expect(lstatSync(join(stateDir, kept ?? 'none')).isFIFO()).toBe(true);
  }, 60_000);

  test('a symlinked journal: hale never writes through it; the target is untouched, byte for byte', async () => {
    const stateDir = freshDir('state');
    const target = join(freshDir('elsewhere'), 'precious.txt');
    const precious = 'not a journal: the user\u2019s own notes\n\u0000\u00ff';
    writeFileSync(target, precious);
    symlinkSync(target, join(stateDir, 'journal.jsonl'));
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    await hale.line(healthy, 20_000);
    await hale.line(mentions('journal.jsonl', `a symlink to ${target}`), 1_000);
    expect(await stopWithin(hale, 15_000)).toEqual({ code: 0, signal: null });
    expect(readFileSync(target, 'utf8')).toBe(precious);
    const [kept] = aside(stateDir, 'journal.jsonl');
    expect(readlinkSync(join(stateDir, kept ?? 'none'))).toBe(target);
    expect(lstatSync(join(stateDir, 'journal.jsonl')).isFile()).toBe(true);
  }, 60_000);

  test('a FIFO as desired.json: start completes, the log says so, SIGTERM ends hale', async () => {
    const stateDir = freshDir('state');
    execFileSync('mkfifo', [join(stateDir, 'desired.json')]);
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    await hale.line(healthy, 20_000);
    await hale.line(mentions('desired.json', 'a FIFO'), 1_000);
    expect(await stopWithin(hale, 15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  test('a FIFO as hale.lock: hale refuses to start, says which file and what it is, and exits', async () => {
    const stateDir = freshDir('state');
    execFileSync('mkfifo', [join(stateDir, 'hale.lock')]);
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    expect(await exitWithin(hale, 15_000)).toEqual({ code: 1, signal: null });
    expect(hale.stderr()).toContain(`${join(stateDir, 'hale.lock')} is a FIFO, not a regular file`);
    // Refused, not removed: it may be another program's.
    expect(lstatSync(join(stateDir, 'hale.lock')).isFIFO()).toBe(true);
  }, 60_000);

  test.each([
    ['group-writable', 0o770, 'mode 0770'],
    ['world-writable', 0o777, 'mode 0777'],
  ])(
    'a %s state dir is refused, naming the dir, its mode, and chmod 700',
    async (_label, mode, said) => {
      const stateDir = freshDir('state');
      chmodSync(stateDir, mode);
      const hale = startHale(['run', '-c', writeConfig(stateDir)]);
      expect(await exitWithin(hale, 15_000)).toEqual({ code: 1, signal: null });
      const text = hale.stderr();
      expect(text).toContain(stateDir);
      expect(text).toContain(said);
      expect(text).toContain(`chmod 700 ${stateDir}`);
      expect(readdirSync(stateDir)).toEqual([]);
    },
    60_000,
  );

  // Only root can give a dir away.
  test.skipIf(process.getuid?.() !== 0)(
    'a state dir owned by another user is refused, naming its owner',
    async () => {
      const stateDir = freshDir('state');
      const other = 65534;
      chownSync(stateDir, other, other);
      const hale = startHale(['run', '-c', writeConfig(stateDir)]);
      expect(await exitWithin(hale, 15_000)).toEqual({ code: 1, signal: null });
      const text = hale.stderr();
      expect(text).toContain(`${stateDir} is owned by uid ${other}`);
    },
    60_000,
  );

  test('a 50 MB journal of valid records: start is quick and the newest history is restored', async () => {
    const stateDir = freshDir('state');
    const line = (n: number) =>
      `${JSON.stringify({ at: 1_700_000_000_000 + n, type: 'transition', plugin: 'greeter', from: 'healthy', to: 'unhealthy', reason: `old ${n}`, restarts: 0, restartCount: 0 })}\n`;
    const perLine = Buffer.byteLength(line(0));
    const lines = Math.ceil((50 * 1024 * 1024) / perLine);
    const chunk: string[] = [];
    for (let n = 0; n < lines; n += 1) chunk.push(line(n));
    writeFileSync(join(stateDir, 'journal.jsonl'), chunk.join(''));
    chunk.length = 0;
    const began = Date.now();
    const hale = startHale(['run', '-c', writeConfig(stateDir)]);
    await hale.line(healthy, 30_000);
    const took = Date.now() - began;
    const url = String((await hale.line((l) => typeof l.api === 'string')).api);
    const history = (await (await fetch(`${url}/plugins/greeter/history?limit=20`)).json()) as { transitions: Array<{ reason: string }> };
    // The newest of the old records are back, then this run's own.
    expect(history.transitions.map((t) => t.reason)).toContain(`old ${lines - 1}`);
    // Loose: a loaded machine may be slow; unbounded reading took 30 s here.
    expect(took).toBeLessThan(15_000);
    expect(await stopWithin(hale, 15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  test('a FIFO as api.tokenFile: hale validate answers at once, naming the file, exit 2', async () => {
    const configDir = freshDir('token');
    execFileSync('mkfifo', ['-m', '600', join(configDir, 'token')]);
    writeFileSync(join(configDir, 'supervisor.yaml'), 'api: { host: 127.0.0.1, port: 0, tokenFile: token }\nplugins: []\n');
    const hale = startHale(['validate', '-c', join(configDir, 'supervisor.yaml')]);
    expect(await exitWithin(hale, 15_000)).toEqual({ code: 2, signal: null });
    expect(hale.stderr()).toContain(`the token file ${join(configDir, 'token')} is not a regular file`);
  }, 60_000);
});
