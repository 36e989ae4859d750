// The baseline: a bare node:http server answering every request with the same response hale's /health sent,
// body and headers (BENCH_HEADERS, as JSON), so the two differ only in what makes the answer.
import { createServer } from 'node:http';

const body = Buffer.from(process.env.BENCH_BODY ?? '{}');
const headers = { ...(JSON.parse(process.env.BENCH_HEADERS ?? '{}') as Record<string, string>), 'content-length': String(body.length) };
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.stdin.on('end', () => process.exit(0)).resume();
