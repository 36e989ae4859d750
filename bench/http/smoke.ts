// A quick run of section 3 alone: `node --import tsx bench/http/smoke.ts [rounds] [seconds]`.
import { installCleanup } from '../cleanup.js';
import { greeterPlugin } from '../hale/bench-config.js';
import { startHaleBench } from '../hale/hale-bench.js';
import { allHealthy } from '../hale/log-lines.js';
import { loadUrl, startBareServer } from './load.js';

installCleanup();
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const hale = await startHaleBench({ plugins: [greeterPlugin()] });
try {
  await allHealthy(hale.hale, ['greeter'], 30_000);
  const body = await (await fetch(`${hale.url}/health`)).text();
  const bare = await startBareServer(body);
  try {
    for (const path of ['/health', '/health/readiness', '/plugins/status']) {
      await loadUrl(`${hale.url}${path}`, { connections: 10, seconds: 2 });
    }
    await loadUrl(bare.url, { connections: 10, seconds: 2 });
    for (let round = 0; round < rounds; round++) {
      const results = [];
      for (const path of ['/health', '/health/readiness', '/plugins/status']) {
        const r = await loadUrl(`${hale.url}${path}`, { connections: 10, seconds });
        results.push(`${path} ${r.perSecond.toFixed(0)} req/s p99 ${r.p99Ms} ms`);
      }
      const b = await loadUrl(bare.url, { connections: 10, seconds });
      process.stdout.write(`round ${round + 1}: ${results.join(', ')}; bare ${b.perSecond.toFixed(0)} req/s p99 ${b.p99Ms} ms\n`);
    }
  } finally {
    await bare.stop();
  }
} finally {
  await hale.stop();
}
