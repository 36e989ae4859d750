import { createServer, type Server } from 'node:net';

// Below the kernel's ephemeral range (32768+), so no outgoing connection takes a port between our check and the child's bind.
const lowest = 20_000;
const highest = 32_000;

const tryBind = (port: number): Promise<Server | null> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/**
 * `count` ports on 127.0.0.1 that nothing listens on now, from a random
 * start in 20000–32000, for children that must keep one port across restarts.
 *
 * @example
 * const [port] = await findFreePorts(1); // 24817
 */
export const findFreePorts = async (count: number): Promise<number[]> => {
  const span = highest - lowest;
  if (count > span) throw new RangeError(`at most ${span} ports, asked for ${count}`);
  const start = lowest + Math.floor(Math.random() * span);
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Every port is tried at most once, so this ends.
    for (let i = 0; i < span && ports.length < count; i++) {
      const port = lowest + ((start - lowest + i) % span);
      const server = await tryBind(port);
      if (server === null) continue;
      held.push(server);
      ports.push(port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} ports are free in ${lowest}–${highest}`);
  return ports;
};
