import { cpus, freemem, release, totalmem } from 'node:os';
import { summarize, type Summary } from './stats.js';

/** One measured figure: every sample, and its median with min–max. */
export interface Row {
  label: string;
  unit: string;
  samples: number[];
  summary: Summary;
  /** "1.03× bare start": this row's median over another's. */
  ratio?: { to: string; value: number };
}

export interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

/** A goal of the README's table, and whether this run met it. */
export interface Target {
  goal: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  machine: { cpus: number; model: string; memoryGiB: number; freeGiB: number; node: string; kernel: string };
  date: string;
  sections: Section[];
  targets: Target[];
}

/**
 * A row from raw samples, with an optional ratio of its median to `base`'s.
 *
 * @example
 * row('hale crash → healthy', 'ms', haleMs, { to: 'bare start', base: bareRow });
 */
export const row = (label: string, unit: string, samples: number[], ratio?: { to: string; base: Row }): Row => {
  const summary = summarize(samples);
  const made: Row = { label, unit, samples, summary };
  if (ratio !== undefined && ratio.base.summary.median > 0)
    made.ratio = { to: ratio.to, value: summary.median / ratio.base.summary.median };
  return made;
};

export const describeMachine = (): BenchResults['machine'] => ({
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  freeGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
  node: process.version,
  kernel: release(),
});

const figure = (value: number): string =>
  Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);

const rowCells = (r: Row): string[] => [
  r.label,
  `${figure(r.summary.median)} ${r.unit}`,
  `${figure(r.summary.min)}–${figure(r.summary.max)}`,
  String(r.summary.n),
  r.ratio === undefined ? '' : `${r.ratio.value.toFixed(2)}× ${r.ratio.to}`,
];

const table = (header: string[], rows: string[][]): string[] => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((cells) => `| ${cells.join(' | ')} |`),
];

/** bench/RESULTS.md: the machine, then each section as a table, then the targets. */
export const formatMarkdown = (results: BenchResults): string => {
  const { machine } = results;
  const lines = [
    '# hale bench results',
    '',
    `Measured by \`npm run bench\` on ${results.date}: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB (${machine.freeGiB} GiB free at the start), Linux ${machine.kernel}, Node ${machine.node}. Each figure is the median, with min–max, over n trials; trials of the things compared are interleaved. Raw samples: results.json.`,
    '',
  ];
  for (const section of results.sections) {
    lines.push(`## ${section.title}`, '', ...table(['measure', 'median', 'min–max', 'n', 'ratio'], section.rows.map(rowCells)), '');
    for (const note of section.notes) lines.push(`- ${note}`);
    if (section.notes.length > 0) lines.push('');
  }
  lines.push(
    '## Targets',
    '',
    "Issue 18's targets, each against what this run measured (PM2's figures are from the same run).",
    '',
    ...table(
      ['goal', 'measured', 'met'],
      results.targets.map((t) => [t.goal, t.measured, t.met ? 'yes' : '**no**']),
    ),
    '',
  );
  return `${lines.join('\n')}\n`;
};

/** The same as a plain-text table for the terminal. */
export const formatText = (results: BenchResults): string => {
  const out: string[] = [];
  for (const section of results.sections) {
    out.push('', section.title);
    for (const r of section.rows) {
      const [label = '', median = '', range = '', n = '', ratio = ''] = rowCells(r);
      out.push(`  ${label.padEnd(58)} ${median.padStart(14)}  (${range}, n=${n})  ${ratio}`);
    }
    for (const note of section.notes) out.push(`  · ${note}`);
  }
  out.push('', 'targets');
  for (const t of results.targets) out.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.goal}: ${t.measured}`);
  return `${out.join('\n')}\n`;
};
