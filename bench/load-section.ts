import { loadRounds, loadSeconds, say } from './bench-options.js';
import { greeterPlugin } from './hale/bench-config.js';
import { startHaleBench } from './hale/hale-bench.js';
import { allHealthy } from './hale/log-lines.js';
import { loadUrl, startBareServer, type LoadResult } from './http/load.js';
import { row, type Section } from './report.js';
import { readHaleNodeFlags } from '../test/helpers/paths.js';

/** Section 3: GET /health under autocannon against a bare node:http server sending the same bytes; rounds interleaved. */
export const measureHealthLoad = async (): Promise<Section> => {
  const hale = await startHaleBench({ plugins: [greeterPlugin()] });
  // The same hale without the shebang's node flags: what they cost /health, beside what they save (section 4).
  const plain = await startHaleBench({ plugins: [greeterPlugin()], nodeFlags: [] });
  try {
    await allHealthy(hale.hale, ['greeter'], 30_000);
    await allHealthy(plain.hale, ['greeter'], 30_000);
    const sample = await fetch(`${hale.url}/health`);
    const body = await sample.text();
    // node:http writes these itself, as it does for hale.
    const own = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    const headers = Object.fromEntries([...sample.headers].filter(([name]) => !own.has(name)));
    const bare = await startBareServer(body, headers);
    const results: { hale: LoadResult[]; plain: LoadResult[]; bare: LoadResult[] } = { hale: [], plain: [], bare: [] };
    try {
      // One short round each to warm them up.
      await loadUrl(`${hale.url}/health`, { connections: 10, seconds: 2 });
      await loadUrl(`${plain.url}/health`, { connections: 10, seconds: 2 });
      await loadUrl(bare.url, { connections: 10, seconds: 2 });
      for (let round = 0; round < loadRounds; round++) {
        say(`load round ${round + 1} of ${loadRounds}`);
        results.hale.push(await loadUrl(`${hale.url}/health`, { connections: 10, seconds: loadSeconds }));
        results.plain.push(await loadUrl(`${plain.url}/health`, { connections: 10, seconds: loadSeconds }));
        results.bare.push(await loadUrl(bare.url, { connections: 10, seconds: loadSeconds }));
      }
    } finally {
      await bare.stop();
    }
    const bareRps = row(
      'node:http, the same bytes: requests/s',
      'req/s',
      results.bare.map((r) => r.perSecond),
    );
    const bareP99 = row(
      'node:http: p99 latency',
      'ms',
      results.bare.map((r) => r.p99Ms),
    );
    const errors = [...results.hale, ...results.plain, ...results.bare].reduce((sum, r) => sum + r.errors, 0);
    return {
      title: '3. GET /health under load',
      rows: [
        row(
          'hale GET /health: requests/s',
          'req/s',
          results.hale.map((r) => r.perSecond),
          { to: 'node:http', base: bareRps },
        ),
        bareRps,
        row(
          "hale with V8's defaults (no node flags): requests/s",
          'req/s',
          results.plain.map((r) => r.perSecond),
          { to: 'node:http', base: bareRps },
        ),
        row(
          'hale GET /health: p99 latency',
          'ms',
          results.hale.map((r) => r.p99Ms),
          { to: 'node:http', base: bareP99 },
        ),
        bareP99,
      ],
      notes: [
        `autocannon, 10 connections, ${loadSeconds} s a round, ${loadRounds} rounds each, interleaved; ${body.length} bytes of body and the same ${Object.keys(headers).length} headers (${Object.keys(headers).join(', ')}) from both; ${errors} errors.`,
        `hale runs with its shebang's node flags (${readHaleNodeFlags().join(' ')}); "V8's defaults" is the same hale without them, interleaved with the others.`,
      ],
    };
  } finally {
    await Promise.all([hale.stop(), plain.stop()]);
  }
};
