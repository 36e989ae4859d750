// Loaded into hale by a bench (NODE_OPTIONS=--import <this file>, HALE_BENCH_PROFILE_DIR=<dir>) to profile
// a window of its life: the first SIGUSR2 starts V8's CPU profiler, the next stops it and writes
// <dir>/hale-<pid>-<n>.cpuprofile. Node 20 refuses --cpu-prof in NODE_OPTIONS; this is the way round.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.HALE_BENCH_PROFILE_DIR;
const intervalUs = Number(process.env.HALE_BENCH_PROFILE_INTERVAL_US ?? 200);
if (dir !== undefined && dir !== '') {
  const session = new Session();
  session.connect();
  let running = false;
  let written = 0;
  // An in-process session answers synchronously, so each step is done when post returns.
  const post = (method, params = {}) => {
    let answer;
    session.post(method, params, (error, result) => {
      if (error) throw error;
      answer = result;
    });
    return answer;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalUs });
  process.on('SIGUSR2', () => {
    if (!running) {
      post('Profiler.start');
      running = true;
      return;
    }
    const { profile } = post('Profiler.stop');
    running = false;
    written += 1;
    const file = join(dir, `hale-${process.pid}-${written}.cpuprofile`);
    // Renamed into place, so that whoever waits for the file never reads half of it.
    writeFileSync(`${file}.part`, JSON.stringify(profile));
    renameSync(`${file}.part`, file);
  });
}
