import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { cliMain, greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-cli-follow-'));
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

/** Resolves once `enough()` holds, checked on every chunk of `stream`; rejects with what was seen after `timeoutMs`. */
const until = (stream: NodeJS.ReadableStream, enough: () => boolean, seen: () => string, timeoutMs = 60_000): Promise<void> =>
  new Promise((resolve, reject) => {
    const look = () => {
      if (!enough()) return;
      clearTimeout(timer);
      stream.off('data', look);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.off('data', look);
      reject(new Error(`not seen within ${timeoutMs} ms in:\n${seen()}`));
    }, timeoutMs);
    stream.on('data', look);
    look();
  });

describe('hale logs --follow', () => {
  test('keeps following across a restart of hale on the same address: says so on stderr, prints the new lines, none twice', async () => {
    const port = await freePort();
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(
      file,
      [
        `api: { host: 127.0.0.1, port: ${port} }`,
        'grpc: { enabled: false }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 300ms, checkTimeout: 2s, startInterval: 50ms, successThreshold: 1, stopTimeout: 2s }',
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        '',
      ].join('\n'),
    );
    const first = startHale(['run', '-c', file]);
    await first.line(becomes('greeter', 'healthy'), 30_000);

    const follower = spawn(process.execPath, [cliMain, 'logs', 'greeter', '--follow', '--url', `http://127.0.0.1:${port}`], {
      cwd: dir,
      env: { ...process.env, HALE_URL: '', HALE_API_TOKEN: '' },
    });
    let out = '';
    let err = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    follower.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
    const lines = () => out.split('\n').filter((line) => line !== '');
    try {
      await until(
        follower.stdout,
        () => lines().length >= 1,
        () => out,
      );

      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      await until(
        follower.stderr,
        () => /lost the connection/.test(err),
        () => err,
      );
      const restartedAt = new Date().toISOString();

      const second = startHale(['run', '-c', file]);
      await second.line(becomes('greeter', 'healthy'), 30_000);
      // A line the new greeter printed reaches the follower, which never stopped.
      await until(
        follower.stdout,
        () => lines().some((line) => line > restartedAt),
        () => `${out}\nstderr:\n${err}`,
      );
      expect(err).toMatch(/connected again/);
      expect(lines().length).toBe(new Set(lines()).size);

      follower.kill('SIGINT');
      expect(await exited).toBe(0);
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      follower.kill('SIGKILL');
    }
  }, 180_000);
});
