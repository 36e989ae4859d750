// A quick run of both peers, printing figures: `node --import tsx bench/peers/smoke.ts [--scale 100,500]`.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { installCleanup } from '../cleanup.js';
import { findProcessesByMarker, readRssMib } from '../proc-usage.js';
import { httpChildPath } from './http-child.js';
import type { PeerManager } from './manager.js';
import { measureBareChildStart, measureIdle, measureOrphans, measureRestart, measureStartup } from './measure.js';
import { createPm2Manager } from './pm2.js';
import { createSupervisordManager } from './supervisord.js';
import { findTaggedProcesses } from './tagged-processes.js';

installCleanup();
const scaleArg = process.argv.indexOf('--scale');
const scales =
  scaleArg === -1
    ? []
    : (process.argv[scaleArg + 1] ?? '')
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
const dirs: string[] = [];

const memAvailableMib = (): number => Number(/^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
const fixed = (n: number): string => n.toFixed(1);

const makeCreate = (name: 'pm2' | 'supervisord') => async (): Promise<PeerManager> => {
  const made = name === 'pm2' ? await createPm2Manager() : await createSupervisordManager();
  if ('unavailable' in made) throw new Error(`supervisord unavailable: ${made.unavailable}`);
  dirs.push(made.dir);
  return made;
};

const childRss = async (manager: PeerManager): Promise<string> => {
  const rss = (await manager.children()).map((c) => readRssMib(c.pid) ?? 0);
  return `children RSS avg ${fixed(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length))} MiB (n=${rss.length})`;
};

const smoke = async (name: 'pm2' | 'supervisord'): Promise<void> => {
  const create = makeCreate(name);
  const manager = await create();
  try {
    const t0 = performance.now();
    await manager.start(1);
    console.log(`${name}: start(1) ${fixed(performance.now() - t0)} ms, daemon ${manager.daemonPids().join(',')}`);
    for (let i = 0; i < 3; i++) {
      const [child] = await manager.children();
      if (child === undefined) throw new Error(`${name}: no child running`);
      console.log(`${name}: restart ${i + 1}: ${fixed(await measureRestart(manager, child))} ms`);
    }
    const idle = await measureIdle(manager, 3_000);
    console.log(
      `${name}: idle with 1 child over 3 s: daemon RSS ${fixed(idle.rssMib)} MiB, CPU ${idle.cpuPercent.toFixed(2)} %; ${await childRss(manager)}`,
    );
  } finally {
    await manager.stop();
  }
  console.log(`${name}: orphans`, await measureOrphans(create, 10));
  console.log(`${name}: startup of 20: ${fixed(await measureStartup(create, 20))} ms`);
};

const scale = async (name: 'pm2' | 'supervisord', count: number): Promise<void> => {
  const manager = await makeCreate(name)();
  const before = memAvailableMib();
  try {
    const t0 = performance.now();
    await manager.start(count);
    const startMs = performance.now() - t0;
    const idle = await measureIdle(manager, 10_000);
    console.log(
      `${name} × ${count}: startup ${fixed(startMs)} ms; idle 10 s: daemon RSS ${fixed(idle.rssMib)} MiB, CPU ${idle.cpuPercent.toFixed(2)} %; ` +
        `${await childRss(manager)}; MemAvailable −${fixed(before - memAvailableMib())} MiB`,
    );
  } finally {
    await manager.stop();
  }
};

try {
  const bare: string[] = [];
  for (let i = 0; i < 3; i++) bare.push(fixed(await measureBareChildStart()));
  console.log(`bare http-child start → first answer: ${bare.join(', ')} ms`);
  for (const name of ['pm2', 'supervisord'] as const) await smoke(name);
  for (const count of scales) for (const name of ['pm2', 'supervisord'] as const) await scale(name, count);
} finally {
  const left = [
    ...dirs.flatMap((dir) => [...findProcessesByMarker(dir), ...findTaggedProcesses(dir)]),
    ...findProcessesByMarker(httpChildPath),
  ];
  console.log(left.length === 0 ? 'left behind: none' : `LEFT BEHIND: ${[...new Set(left)].join(', ')}`);
  if (left.length > 0) process.exitCode = 1;
}
