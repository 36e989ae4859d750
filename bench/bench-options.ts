// The knobs of `npm run bench`, from the environment, with the full run's values as defaults.
import type { PeerManager } from './peers/manager.js';

export const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
export const trials = number('BENCH_TRIALS', 15);
export const warmup = number('BENCH_WARMUP', 2);
export const loadSeconds = number('BENCH_LOAD_SECONDS', 10);
export const loadRounds = number('BENCH_LOAD_ROUNDS', 5);
export const idleMs = number('BENCH_IDLE_MS', 30_000);
export const counts = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
export const scales = counts('BENCH_SCALES', '10,50,100,500,1000');
// The polling baseline (plugins without WatchHealth) at these scales; BENCH_POLL_SCALES= (empty) leaves it out.
export const pollScales = counts('BENCH_POLL_SCALES', '50,500');
// hale with V8's default young generation (no flags) beside the shebang's, at these scales: the flag's RSS and CPU.
export const youngScales = counts('BENCH_YOUNG_SCALES', '50');
// The bare grpc-js client's polling floor costs a start of as many plugins again: not past this scale.
export const floorMax = number('BENCH_FLOOR_MAX', 500);
export const pushCount = number('BENCH_PUSH_COUNT', 500);
export const pushTrials = number('BENCH_PUSH_TRIALS', 30);
export const pushFailureThreshold = number('BENCH_PUSH_FAILURE_THRESHOLD', 3);
export const pollCount = number('BENCH_PUSH_POLL_COUNT', 50);
export const sectionNames = new Set((process.env.BENCH_SECTIONS ?? 'crash,detection,load,scale,orphans,push').split(','));
export const peerNames = (process.env.BENCH_PEERS ?? 'pm2,supervisord').split(',').filter((n) => n !== '');
export const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

export type PeerFactory = { name: 'pm2' | 'supervisord'; create: () => Promise<PeerManager> };
