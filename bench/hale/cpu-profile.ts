import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from '../../test/helpers/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (CLOCK_MONOTONIC, as process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the sampled time. */
export interface HotSpot {
  /** `name (file:line)`, the file relative to the repo. */
  frame: string;
  /** Time with this function on top of the stack, ms. */
  selfMs: number;
  /** Time with this function anywhere on the stack, ms. */
  totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, ms ("(idle)" included). */
  sampledMs: number;
  /** Sampled time not idle, ms: what the process spent on the CPU, about. */
  busyMs: number;
  /** By self time, then by total time; the first `top` of each. */
  bySelf: HotSpot[];
  byTotal: HotSpot[];
  /** Self time (ms) by where the code lives: hale, each package in node_modules, node's own, or V8's pseudo-frames. */
  byOwner: Array<{ owner: string; selfMs: number }>;
}

/** Whose code a frame is: 'hale' (dist/, src/), a package name, 'node' (node:…), or V8's '(program)', '(garbage collector)', '(idle)'. */
const ownerOf = ({ functionName, url }: ProfileNode['callFrame']): string => {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return 'node';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules?.[1] !== undefined) return inModules[1];
  return url.includes('/bench/') ? 'bench' : 'hale';
};

/** The monotonic µs (as V8 stamps a profile) of an epoch-ms time, by this machine's clocks now. */
export const toMonotonicUs = (epochMs: number): number => epochMs * 1_000 - (Date.now() * 1_000 - Number(process.hrtime.bigint() / 1_000n));

const frameName = ({ functionName, url, lineNumber }: ProfileNode['callFrame']): string => {
  const file = url.startsWith('file://') ? relative(repoRoot, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'}${file === '' ? '' : ` (${file}:${lineNumber + 1})`}`;
};

/**
 * Reads a .cpuprofile (node --cpu-prof) and ranks its functions by self and
 * total time, within a window of epoch ms when one is given (to look at an
 * idle window alone, say).
 *
 * @example
 * const summary = summarizeCpuProfile('/tmp/prof/CPU.123.cpuprofile', { fromEpochMs: start, toEpochMs: end });
 * summary.bySelf[0]; // { frame: 'writeSync (node:fs:…)', selfMs: 41.2, totalMs: 41.2 }
 */
export const summarizeCpuProfile = (file: string, window?: { fromEpochMs: number; toEpochMs: number }, top = 25): ProfileSummary => {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const from = window === undefined ? -Infinity : toMonotonicUs(window.fromEpochMs);
  const to = window === undefined ? Infinity : toMonotonicUs(window.toEpochMs);
  const self = new Map<string, number>();
  const owners = new Map<string, number>();
  const total = new Map<string, number>();
  let sampledUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index] ?? 0;
    // A sample stands for the time until the next one.
    const spanUs = profile.timeDeltas[index + 1] ?? 0;
    if (at < from || at > to) continue;
    const node = byId.get(id);
    if (node === undefined) continue;
    sampledUs += spanUs;
    const name = frameName(node.callFrame);
    if (node.callFrame.functionName === '(idle)') idleUs += spanUs;
    self.set(name, (self.get(name) ?? 0) + spanUs);
    const owner = ownerOf(node.callFrame);
    owners.set(owner, (owners.get(owner) ?? 0) + spanUs);
    const onStack = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (frame !== undefined) onStack.add(frameName(frame.callFrame));
    }
    for (const frame of onStack) total.set(frame, (total.get(frame) ?? 0) + spanUs);
  }
  const spots = [...total.keys()].map((frame) => ({
    frame,
    selfMs: (self.get(frame) ?? 0) / 1_000,
    totalMs: (total.get(frame) ?? 0) / 1_000,
  }));
  return {
    sampledMs: sampledUs / 1_000,
    busyMs: (sampledUs - idleUs) / 1_000,
    bySelf: [...spots].sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
    byTotal: [...spots].sort((a, b) => b.totalMs - a.totalMs).slice(0, top),
    byOwner: [...owners.entries()].map(([owner, us]) => ({ owner, selfMs: us / 1_000 })).sort((a, b) => b.selfMs - a.selfMs),
  };
};
