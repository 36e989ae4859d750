// The floor of hale's checking cost, run by check-floor.ts in a process of its own: a bare grpc-js client
// per plugin (hale's own createPluginClient, as built in dist/) calling HealthCheck every interval, and
// nothing else. Plain node, no loader, as hale runs. Reads {addresses, intervalMs, settleMs, windowMs} as
// JSON on stdin; prints {cpuPercent, failed, latencies} as JSON.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createPluginClient } from '../../dist/grpc/plugin-client.js';

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input);
const clients = job.addresses.map((address) => createPluginClient(address));
await Promise.all(clients.map((client) => client.waitReady(30_000)));

let recording = false;
let failed = 0;
const latencies = [];
const timers = [];
// As hale does: each plugin on its own timer, the phases spread over the interval, the cadence kept.
for (const [index, client] of clients.entries()) {
  const check = async () => {
    const started = performance.now();
    const answer = await client.healthCheck(job.intervalMs);
    const latency = performance.now() - started;
    if (recording) {
      latencies.push(latency);
      if (!answer.ok) failed += 1;
    }
    timers[index] = setTimeout(() => void check(), Math.max(0, job.intervalMs - latency));
  };
  timers[index] = setTimeout(() => void check(), (index * job.intervalMs) / clients.length);
}
await delay(job.settleMs);
recording = true;
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
await delay(job.windowMs);
const cpu = process.cpuUsage(cpuBefore);
const windowMs = performance.now() - startedAt;
recording = false;
for (const timer of timers) clearTimeout(timer);
for (const client of clients) client.close();
// stdout is a pipe, written asynchronously: exit once it has taken the whole answer, not before.
process.stdout.write(`${JSON.stringify({ cpuPercent: ((cpu.user + cpu.system) / 1_000 / windowMs) * 100, failed, latencies })}\n`, () =>
  process.exit(0),
);
