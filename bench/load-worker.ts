// Runs loadUrl in its own process, so the load does not share the event loop with the server under test.
import { loadUrl } from './http-load.js';

const [url = '', connections = '10', durationMs = '3000'] = process.argv.slice(2);
const result = await loadUrl(url, { connections: Number(connections), durationMs: Number(durationMs), maxRequests: 2_000_000 });
process.stdout.write(`${JSON.stringify(result)}\n`);
