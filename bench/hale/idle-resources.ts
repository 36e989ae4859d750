// Idle cost of resource sampling (README, Resources): hale's own CPU and RSS with N idle plugins, for a hale
// built from any checkout (--cli), with or without memoryMax on every plugin. Alternate runs of two builds to
// compare them on a shared machine.
//   node --import tsx bench/hale/idle-resources.ts --cli dist/cli.js --plugins 50 --seconds 30 [--memory-max 1GiB]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: 'dist/cli.js' },
    plugins: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    'memory-max': { type: 'string' },
  },
});
const cli = resolve(values.cli);
const count = Number(values.plugins);
const seconds = Number(values.seconds);
const greeter = resolve(cli, '..', 'plugins', 'greeter', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'hale-idle-resources-'));
const file = join(dir, 'supervisor.yaml');
writeFileSync(
  file,
  [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { enabled: false }',
    'log: { level: warn }',
    `stateDir: ${join(dir, 'state')}`,
    ...(values['memory-max'] === undefined ? [] : [`defaults: { memoryMax: ${values['memory-max']} }`]),
    'plugins:',
    ...Array.from({ length: count }, (_, i) => `  - { name: p${i}, command: ${process.execPath}, args: [${greeter}] }`),
    '',
  ].join('\n'),
);

// utime + stime of one process, in seconds (USER_HZ is 100).
const cpuSeconds = (pid: number): number => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiB = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const hale = spawn(process.execPath, [cli, 'run', '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
const pid = hale.pid ?? 0;
const api = async (): Promise<string> => {
  // Its address is in the state dir once it listens; bounded wait.
  for (let tries = 0; tries < 600; tries += 1) {
    try {
      const url = (JSON.parse(readFileSync(join(dir, 'state', 'api.json'), 'utf8')) as { url?: string }).url;
      if (url !== undefined) return url;
    } catch {
      // Not written yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('hale did not listen within 60 s');
};
try {
  const url = await api();
  for (let tries = 0; tries < 600; tries += 1) {
    const body = (await (await fetch(`${url}/health`)).json()) as { status: string };
    if (body.status === 'healthy') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Settled: start-up work is over before the idle window opens.
  await new Promise((r) => setTimeout(r, 5_000));
  const before = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  const used = cpuSeconds(pid) - before;
  console.log(
    JSON.stringify({
      cli: values.cli,
      plugins: count,
      memoryMax: values['memory-max'] ?? null,
      idleCpuPercent: Number(((used / seconds) * 100).toFixed(2)),
      rssMiB: Number(rssMiB(pid).toFixed(1)),
    }),
  );
} finally {
  hale.kill('SIGTERM');
  await new Promise((r) => hale.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
