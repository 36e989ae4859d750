import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  choosePackages,
  completeMark,
  parseSimulatedInstalls,
  planTestServers,
  probeMachine,
  provisionTestServers,
  servers,
  type Machine,
} from '../../../scripts/provision-test-servers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'hale-provision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writeProgram = (path: string, mode: number): string => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
};

const emptyPathDir = join(dir, 'empty-path');
mkdirSync(emptyPathDir, { recursive: true });

/** This machine as the script sees it, with PATH and the HALE_TEST_* variables of the test's choosing and /usr hidden (where this one keeps its chromium). */
const machineWith = (env: Record<string, string>, facts: Partial<Machine> = {}): Machine => {
  const real = probeMachine({ PATH: emptyPathDir, ...env });
  const isExecutableFile = (path: string): boolean => !path.startsWith('/usr/') && real.isExecutableFile(path);
  return { ...real, isExecutableFile, ...facts };
};

const noCache = join(dir, 'no-cache');

describe('where npm test takes nats-server and chromium from', () => {
  it('refuses, naming the variable and the path, when HALE_TEST_NATS_SERVER names a file that is not executable', () => {
    const notExecutable = writeProgram(join(dir, 'plain', 'nats-server'), 0o644);
    const plan = planTestServers(machineWith({ HALE_TEST_NATS_SERVER: notExecutable }), noCache);
    expect(plan).toEqual({ ok: false, message: expect.stringContaining(`HALE_TEST_NATS_SERVER=${notExecutable}: not an executable file`) });
  });

  it('refuses HALE_TEST_CHROMIUM naming nothing, and fetches nothing: the run stops before any apt-get', () => {
    const missing = join(dir, 'nowhere', 'chromium');
    const result = provisionTestServers({
      machine: machineWith({ HALE_TEST_CHROMIUM: missing }, { isRoot: true, hasAptGet: true }),
      cacheDir: noCache,
      log: () => {},
    });
    expect(result).toEqual({ ok: false, message: expect.stringContaining(`HALE_TEST_CHROMIUM=${missing}: not an executable file`) });
    expect(existsSync(noCache)).toBe(false);
  });

  it('takes the programs the variables name, ahead of any on the machine', () => {
    const nats = writeProgram(join(dir, 'mine', 'nats-server'), 0o755);
    const chromium = writeProgram(join(dir, 'mine', 'chrome'), 0o755);
    const onPath = writeProgram(join(dir, 'path-dir', 'nats-server'), 0o755);
    const plan = planTestServers(
      machineWith({ HALE_TEST_NATS_SERVER: nats, HALE_TEST_CHROMIUM: chromium, PATH: join(onPath, '..') }),
      noCache,
    );
    expect(plan.ok && plan.steps.map((step) => [step.server.name, step.source, step.path])).toEqual([
      ['nats-server', 'env', nats],
      ['chromium', 'env', chromium],
    ]);
  });

  it('takes nats-server and chromium from PATH when they are there', () => {
    const nats = writeProgram(join(dir, 'bin', 'nats-server'), 0o755);
    const chromium = writeProgram(join(dir, 'bin', 'chromium'), 0o755);
    const plan = planTestServers(machineWith({ PATH: `${emptyPathDir}:${join(dir, 'bin')}` }), noCache);
    expect(plan.ok && plan.steps.map((step) => [step.source, step.path])).toEqual([
      ['system', nats],
      ['system', chromium],
    ]);
  });

  it('takes what an earlier run extracted into the cache, before fetching again, but not a tree a run left half done', () => {
    const cacheDir = join(dir, 'cache');
    const nats = writeProgram(join(cacheDir, 'root', 'usr', 'sbin', 'nats-server'), 0o755);
    writeProgram(join(cacheDir, 'root', 'usr', 'lib', 'chromium', 'chromium'), 0o755);
    const [natsSpec] = servers;
    if (natsSpec === undefined) throw new Error('no servers');
    writeFileSync(completeMark(cacheDir, natsSpec), 'done\n');
    const plan = planTestServers(machineWith({}, { isRoot: false, hasAptGet: true }), cacheDir);
    expect(plan.ok && plan.steps.map((step) => [step.server.name, step.source, step.path])).toEqual([
      ['nats-server', 'cache', nats],
      ['chromium', 'apt-download', null],
    ]);
  });

  it('installs with apt-get as root, and downloads into the cache otherwise', () => {
    const asRoot = planTestServers(machineWith({}, { isRoot: true, hasAptGet: true }), noCache);
    const asUser = planTestServers(machineWith({}, { isRoot: false, hasAptGet: true }), noCache);
    expect(asRoot.ok && asRoot.steps.map((step) => step.source)).toEqual(['apt-install', 'apt-install']);
    expect(asUser.ok && asUser.steps.map((step) => step.source)).toEqual(['apt-download', 'apt-download']);
  });

  it('stops at once on a machine without apt-get, with one message naming what to install and both variables', () => {
    const result = provisionTestServers({
      machine: machineWith({}, { platform: 'darwin', hasAptGet: false }),
      cacheDir: noCache,
      log: () => {},
    });
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.message;
    expect(message).toMatch(/needs nats-server and chromium/);
    expect(message).toMatch(/HALE_TEST_NATS_SERVER=\/path\/to\/nats-server HALE_TEST_CHROMIUM=\/path\/to\/chromium npm test/);
    expect(existsSync(noCache)).toBe(false);
  });

  it('names only what is missing when the other is at hand', () => {
    const nats = writeProgram(join(dir, 'only-nats', 'nats-server'), 0o755);
    const plan = planTestServers(machineWith({ PATH: join(nats, '..') }, { hasAptGet: false }), noCache);
    expect(plan.ok).toBe(false);
    expect(plan.ok ? '' : plan.message).toMatch(/needs chromium, and this machine has neither it nor apt-get/);
    expect(plan.ok ? '' : plan.message).not.toMatch(/HALE_TEST_NATS_SERVER/);
  });
});

describe('what a download without root fetches', () => {
  it('reads the packages apt-get --simulate would install', () => {
    const output =
      'NOTE: This is only a simulation!\nInst libnss3 (2:3.87.1-1 Debian:12/stable [amd64])\nInst dbus (1.14.10-1~deb12u1 Debian:12/stable [amd64])\nConf libnss3 (2:3.87.1-1 Debian:12/stable [amd64])\n';
    expect(parseSimulatedInstalls(output)).toEqual(['libnss3', 'dbus']);
  });

  it('keeps the servers, their companions and the libraries, not daemons and themes', () => {
    expect(
      choosePackages(
        ['chromium'],
        ['chromium-common'],
        ['systemd', 'libnss3', 'adwaita-icon-theme', 'libgbm1', 'chromium-common', 'chromium'],
      ),
    ).toEqual(['chromium', 'chromium-common', 'libnss3', 'libgbm1']);
  });
});
