import { Writable } from 'node:stream';
import type { LevelWithSilent } from 'pino';
import { createLogger, type Logger } from '../../src/log.js';

export type MemoryLogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A real hale logger whose lines are parsed into `lines` as they are written. */
export const createMemoryLogger = (level: LevelWithSilent = 'debug'): { log: Logger; lines: MemoryLogLine[] } => {
  const lines: MemoryLogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as MemoryLogLine);
      callback();
    },
  });
  return { log: createLogger({ level, destination }), lines };
};
