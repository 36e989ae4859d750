/** One plugin process group as the state dir records it: its leader's pid and start time. */
export interface GroupRecord {
  pid: number;
  /** The leader's start time (clock ticks since boot, /proc/PID/stat field 22). */
  startTime: string;
}

/** The groups, and the boot they were recorded in (null when not known). */
export type ParsedRecords = { ok: true; records: GroupRecord[]; bootId: string | null } | { ok: false; reason: string };

const isRecord = (value: unknown): value is GroupRecord => {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, startTime } = value as Record<string, unknown>;
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 1 && typeof startTime === 'string' && /^\d+$/.test(startTime);
};

/**
 * Reads the records file (`{"bootId":"…","groups":[{"pid":…,"startTime":"…"}]}`). A file
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
  if (bad >= 0) return { ok: false, reason: `groups[${bad}] is not {pid, startTime}: ${JSON.stringify(groups[bad])}` };
  return {
    ok: true,
    records: (groups as GroupRecord[]).map(({ pid, startTime }) => ({ pid, startTime })),
    bootId: typeof bootId === 'string' && bootId !== '' ? bootId : null,
  };
};

/**
 * The records file's text for these groups.
 *
 * @example
 * await writeFileAtomically(file, formatGroupRecords([{ pid: 4242, startTime: '981234' }], readBootId()));
 */
export const formatGroupRecords = (records: readonly GroupRecord[], bootId: string | null): string =>
  `${JSON.stringify({ bootId, groups: records.map(({ pid, startTime }) => ({ pid, startTime })) })}\n`;
