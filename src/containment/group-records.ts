/**
 * One plugin process group as the state dir records it: its leader's pid and
 * start time, and what proves a process of it is hale's once the leader is
 * gone: the run's id (every plugin process carries it in HALE_INSTANCE) and
 * the plugin's cgroup, where it has one.
 */
export interface GroupRecord {
  pid: number;
  /** The leader's start time (clock ticks since boot, /proc/PID/stat field 22). */
  startTime: string;
  /** The hale run that spawned it (16 hex digits); absent in records of older versions. */
  runId?: string;
  /** The plugin's own cgroup v2 directory, when it ran in one. */
  cgroup?: string;
}

/** The groups, and the boot they were recorded in (null when not known). */
export type ParsedRecords = { ok: true; records: GroupRecord[]; bootId: string | null } | { ok: false; reason: string };

const isRunId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);
const isCgroup = (value: unknown): value is string => typeof value === 'string' && value.startsWith('/') && value.length <= 4096;

const isRecord = (value: unknown): value is GroupRecord => {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, startTime, runId, cgroup } = value as Record<string, unknown>;
  return (
    typeof pid === 'number' &&
    Number.isInteger(pid) &&
    pid > 1 &&
    typeof startTime === 'string' &&
    /^\d+$/.test(startTime) &&
    (runId === undefined || isRunId(runId)) &&
    (cgroup === undefined || isCgroup(cgroup))
  );
};

/** The record with only the fields it may have, in a fixed order. */
const copyRecord = ({ pid, startTime, runId, cgroup }: GroupRecord): GroupRecord => ({
  pid,
  startTime,
  ...(runId === undefined ? {} : { runId }),
  ...(cgroup === undefined ? {} : { cgroup }),
});

/**
 * Reads the records file (`{"bootId":"…","groups":[{"pid":…,"startTime":"…","runId":"…"}]}`). A file
 * that does not parse is a reason, never a guess: what it names may not be ours.
 *
 * @example
 * parseGroupRecords('{"bootId":"5f1c…","groups":[{"pid":4242,"startTime":"981234"}]}'); // { ok: true, records: [...], bootId: '5f1c…' }
 */
export const parseGroupRecords = (text: string): ParsedRecords => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const { groups, bootId } = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (!Array.isArray(groups)) return { ok: false, reason: 'no "groups" list' };
  const bad = groups.findIndex((group) => !isRecord(group));
  if (bad >= 0) return { ok: false, reason: `groups[${bad}] is not {pid, startTime, runId?, cgroup?}: ${JSON.stringify(groups[bad])}` };
  return {
    ok: true,
    records: (groups as GroupRecord[]).map(copyRecord),
    bootId: typeof bootId === 'string' && bootId !== '' ? bootId : null,
  };
};

/**
 * The records file's text for these groups.
 *
 * @example
 * await writeFileAtomically(file, formatGroupRecords([{ pid: 4242, startTime: '981234', runId: '0123456789abcdef' }], readBootId()));
 */
export const formatGroupRecords = (records: readonly GroupRecord[], bootId: string | null): string =>
  `${JSON.stringify({ bootId, groups: records.map(copyRecord) })}\n`;
