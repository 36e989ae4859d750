import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readBootId } from '../../src/process/proc-stat.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

// hale's plugin sockets live in a hale-XXXXXX folder of the temp dir; a hale that is SIGKILLed cannot remove its own.

const dirs: string[] = [];

const freshDir = (label: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `hale-sockets-${label}-`));
  dirs.push(dir);
  return dir;
};

const writeConfig = (stateDir: string): string => {
  const file = join(freshDir('config'), 'supervisor.yaml');
  const lines = [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { address: 127.0.0.1:0 }',
    `stateDir: ${stateDir}`,
    'plugins:',
    '  - name: greeter',
    `    command: ${process.execPath}`,
    `    args: [${greeterMain}]`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};

const healthy = (line: LogLine): boolean => line.event === 'transition' && line.plugin === 'greeter' && line.to === 'healthy';
/** The socket folders hale made in `dir`, by the shape of their name. */
const socketFolders = (dir: string): string[] => readdirSync(dir).filter((name) => /^hale-[A-Za-z0-9]{6}$/.test(name));

/** A folder with a mark naming a process that is gone (its start time is not the one that pid has, if any). */
const deadMark = (pid: number): string => `${JSON.stringify({ pid, startTime: '1', bootId: readBootId() })}\n`;

const makeFolder = (path: string, mode: number, mark: string | null): void => {
  mkdirSync(path);
  if (mark !== null) writeFileSync(join(path, '.hale-owner'), mark);
  writeFileSync(join(path, 'keep'), "not hale's to remove\n");
  chmodSync(path, mode);
};

beforeAll(() => requireBuilt());

afterEach(async () => {
  await stopAllHale();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('socket folders in the temp dir', () => {
  it('a hale removes the folders of killed hales at start, and nothing else', async () => {
    const temp = freshDir('tmp');
    const env = { TMPDIR: temp };

    const live = startHale(['run', '-c', writeConfig(freshDir('state'))], env);
    await live.line(healthy, 30_000);
    const [liveFolder] = socketFolders(temp);
    expect(liveFolder).toBeDefined();
    expect(existsSync(join(temp, liveFolder ?? '', '.hale-owner'))).toBe(true);

    const killed = startHale(['run', '-c', writeConfig(freshDir('state'))], env);
    await killed.line(healthy, 30_000);
    const killedFolder = socketFolders(temp).find((name) => name !== liveFolder);
    expect(killedFolder).toBeDefined();
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(socketFolders(temp)).toContain(killedFolder);
    const gonePid = killed.child.pid ?? 0;

    // Look-alikes: hale's name, but not provably a dead hale's own.
    makeFolder(join(temp, 'hale-nomark'), 0o700, null);
    makeFolder(join(temp, 'hale-open77'), 0o755, deadMark(gonePid));
    const elsewhere = join(freshDir('target'), 'hale-target');
    makeFolder(elsewhere, 0o700, deadMark(gonePid));
    symlinkSync(elsewhere, join(temp, 'hale-symlnk'));
    makeFolder(join(temp, 'hale-liveme'), 0o700, `${JSON.stringify({ pid: live.child.pid, startTime: null, bootId: readBootId() })}\n`);
    // And one that is: marked by a process that is gone.
    makeFolder(join(temp, 'hale-dead00'), 0o700, deadMark(gonePid));

    const next = startHale(['run', '-c', writeConfig(freshDir('state'))], env);
    await next.line(healthy, 30_000);
    const removed = await next.line((line) => Array.isArray(line.removed), 5_000);
    expect([...(removed.removed as string[])].sort()).toEqual([join(temp, 'hale-dead00'), join(temp, killedFolder ?? '')].sort());

    const left = socketFolders(temp);
    expect(left).not.toContain(killedFolder);
    expect(left).not.toContain('hale-dead00');
    expect(left).toEqual(expect.arrayContaining([liveFolder, 'hale-nomark', 'hale-open77', 'hale-symlnk', 'hale-liveme']));
    // The live hale's folder still holds its plugin's socket folder, and its plugin still answers through it.
    expect(readdirSync(join(temp, liveFolder ?? ''))).toContain('greeter');
    expect(lstatSync(join(temp, 'hale-symlnk')).isSymbolicLink()).toBe(true);
    expect(readdirSync(elsewhere).sort()).toEqual(['.hale-owner', 'keep']);
    for (const name of ['hale-nomark', 'hale-open77', 'hale-liveme']) expect(readdirSync(join(temp, name))).toContain('keep');
    expect(live.child.exitCode).toBeNull();

    // A hale stopped as usual leaves nothing.
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
    live.child.kill('SIGTERM');
    expect((await live.exited).code).toBe(0);
    expect(socketFolders(temp).sort()).toEqual(['hale-liveme', 'hale-nomark', 'hale-open77', 'hale-symlnk']);
  }, 120_000);
});
