import { parentPort } from 'node:worker_threads';
import { loadConfig } from './load.js';

// The body of loadConfigOffThread's worker: reads each config it is asked for, in order, and posts the outcome.
parentPort?.on('message', ({ id, file }: { id: number; file: string }) => {
  void loadConfig(file).then((result) => parentPort?.postMessage({ id, result }));
});
