/**
 * The bounds on what hale reads from a config. A real supervisor.yaml is a
 * few KiB, a few levels deep, with a handful of issues at most; these are far
 * past that, and keep a hostile file from stalling or crashing hale.
 */

/** The largest config file (or text) hale parses. */
export const maxConfigBytes = 1024 * 1024;

/** The most text (UTF-16 code units) the document may expand to, aliases and `${VAR}`s included. */
export const maxExpandedBytes = 4 * 1024 * 1024;

/** The deepest nesting of mappings and lists. */
export const maxNestingDepth = 64;

/** Issues past this many are counted in one last issue, not listed. */
export const maxReportedIssues = 100;

/** The longest text of the config quoted back in an issue. */
export const maxQuotedLength = 80;

/**
 * Writes a limit in MiB, to a tenth.
 *
 * @example
 * formatMiB(4 * 1024 * 1024); // '4 MiB'
 * formatMiB(1536 * 1024);     // '1.5 MiB'
 */
export const formatMiB = (bytes: number): string => `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
