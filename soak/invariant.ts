import { readInstanceMark, type InstanceMark } from '../src/containment/instance-mark.js';
import { isLive, listProcesses, readCommandLine, type ProcStat } from './proc.js';

/** What the invariant needs of one plugin in GET /plugins/status. */
export interface ProcessRow {
  name: string;
  pid: number | null;
  generation: number;
  /** Earlier generations still being stopped. */
  stopping: Array<{ pid: number; generation: number }>;
}

/** A live process of hale's plugins that the API does not account for. */
export interface HiddenProcess {
  pid: number;
  pgrp: number;
  /** Its HALE_INSTANCE mark, as `<runId>/<plugin>/<generation>`, or null when it has none. */
  mark: string | null;
  commandLine: string;
  why: string;
}

export interface InvariantScan {
  /** This hale's run id (from its log line `plugin containment`); null when it logs none. */
  runId: string | null;
  halePid: number;
  /** GET /plugins/status read just before the scan, and just after: a process either accounts for is fine. */
  before: readonly ProcessRow[];
  after: readonly ProcessRow[];
  /** Every plugin pid (a group id) ever reported: a process in one of those groups is a plugin's. */
  knownGroups: ReadonlySet<number>;
  /** The processes to judge; /proc as it is now by default. */
  processes?: readonly ProcStat[];
  /** How to read a process's mark; readInstanceMark by default. */
  readMark?: (pid: number) => InstanceMark | null;
}

const pidsOf = (rows: readonly ProcessRow[]): Set<number> =>
  new Set(rows.flatMap((row) => [...(row.pid === null ? [] : [row.pid]), ...row.stopping.map((s) => s.pid)]));

const accountsForMark = (rows: readonly ProcessRow[], mark: InstanceMark): boolean =>
  rows.some(
    (row) => row.name === mark.plugin && (row.generation === mark.generation || row.stopping.some((s) => s.generation === mark.generation)),
  );

/**
 * The invariant the soak keeps: every live process of hale's plugins — one
 * with this run's HALE_INSTANCE mark, a process-group leader hale spawned, or
 * a member of a plugin's process group — is the current generation of a
 * plugin GET /plugins/status lists, or an earlier generation it lists as
 * still stopping. Two status reads around the scan absorb a spawn or a stop
 * that lands in between; a process neither accounts for is hidden.
 *
 * @example
 * const hidden = findHiddenProcesses({ runId, halePid, before, after, knownGroups });
 * hidden.length; // 0 while hale keeps its promise
 */
export const findHiddenProcesses = (scan: InvariantScan): HiddenProcess[] => {
  const readMark = scan.readMark ?? readInstanceMark;
  const reported = new Set([...pidsOf(scan.before), ...pidsOf(scan.after)]);
  const hidden: HiddenProcess[] = [];
  for (const stat of scan.processes ?? listProcesses()) {
    if (!isLive(stat) || stat.pid === scan.halePid || stat.pid === process.pid) continue;
    const mark = scan.runId === null ? null : readMark(stat.pid);
    const ours = mark !== null && mark.runId === scan.runId;
    // hale spawns each plugin as the leader of a group of its own; its other children (the watchdog) are not.
    const spawnedLeader = stat.ppid === scan.halePid && stat.pgrp === stat.pid && readCommandLine(stat.pid).indexOf('watchdog') === -1;
    const inPluginGroup = scan.knownGroups.has(stat.pgrp);
    if (!ours && !spawnedLeader && !inPluginGroup) continue;
    const fine = ours
      ? accountsForMark(scan.before, mark) || accountsForMark(scan.after, mark)
      : reported.has(stat.pgrp) || reported.has(stat.pid);
    if (fine) continue;
    hidden.push({
      pid: stat.pid,
      pgrp: stat.pgrp,
      mark: mark === null ? null : `${mark.runId}/${mark.plugin}/${mark.generation}`,
      commandLine: readCommandLine(stat.pid),
      why: ours
        ? `marked ${mark.plugin} generation ${mark.generation}, which GET /plugins/status lists neither as current nor as stopping`
        : `in process group ${stat.pgrp}, which no plugin listed by GET /plugins/status leads`,
    });
  }
  return hidden;
};
