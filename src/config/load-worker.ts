import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from './load.js';

// The body of loadConfigOffThread's worker: reads one config and posts the outcome.
const { file } = workerData as { file: string };
parentPort?.postMessage(await loadConfig(file));
