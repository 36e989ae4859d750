// Runs autocannon in its own process, so the load never shares an event loop with the server under test.
import autocannon from 'autocannon';
import type { LoadResult } from './load.js';

const [url = '', connections = '10', seconds = '10'] = process.argv.slice(2);
const result = await autocannon({ url, connections: Number(connections), duration: Number(seconds) });
const summary: LoadResult = {
  requests: result.requests.total,
  perSecond: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  errors: result.errors + result.non2xx,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
