import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined, comments dropped. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** A stage: its FROM line, its name (`AS name`) or null, and its instructions after FROM. */
export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** A COPY's flags (`--from=build`), its sources and its destination. */
export interface CopyArgs {
  flags: Record<string, string>;
  sources: string[];
  destination: string;
}

/**
 * The stages of a Dockerfile as the builder reads them: `\` joins lines, `#` lines are comments.
 *
 * @example
 * parseStages('FROM node:24 AS build\nRUN npm ci\nFROM node:24\n')[0]; // { from: 'node:24', name: 'build', instructions: [{ keyword: 'RUN', args: 'npm ci' }] }
 */
export const parseStages = (text: string): Stage[] => {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = line.slice(0, space).toUpperCase();
    const args = line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ from: image, name: as?.toUpperCase() === 'AS' && name !== undefined ? name : null, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push({ keyword, args });
  }
  return stages;
};

/**
 * The parts of a COPY in shell form or JSON form.
 *
 * @example
 * parseCopy('--from=build /app/dist dist'); // { flags: { from: 'build' }, sources: ['/app/dist'], destination: 'dist' }
 */
export const parseCopy = (args: string): CopyArgs => {
  const words = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--') === true) {
    const flag = (words.shift() ?? '').slice(2);
    const equals = flag.indexOf('=');
    flags[equals === -1 ? flag : flag.slice(0, equals)] = equals === -1 ? 'true' : flag.slice(equals + 1);
  }
  const rest = words.join(' ');
  const paths = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : words;
  return { flags, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
};

/** One .dockerignore rule: a pattern, and whether `!` re-includes what it matches. */
interface IgnoreRule {
  pattern: RegExp;
  exclude: boolean;
}

// The builder's patterns: Go's filepath.Match plus `**` for any number of directories; paths are relative to the context.
const toRegExp = (pattern: string): RegExp => {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] ?? '';
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
};

/**
 * A matcher for a .dockerignore: true for a path (relative to the context, `/`-separated) the builder leaves out.
 * A pattern that matches a directory leaves out everything under it; the last matching rule wins.
 *
 * @example
 * parseDockerignore('node_modules\n!keep')('node_modules/a/b.js'); // true
 */
export const parseDockerignore = (text: string): ((path: string) => boolean) => {
  const rules: IgnoreRule[] = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const cleaned = posix
        .normalize((exclude ? line : line.slice(1)).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { pattern: toRegExp(cleaned), exclude };
    });
  return (path: string) => {
    const parts = path.split('/');
    let ignored = false;
    for (const rule of rules) {
      // The path itself or any folder above it.
      for (let n = 1; n <= parts.length; n += 1) {
        if (rule.pattern.test(parts.slice(0, n).join('/'))) {
          ignored = rule.exclude;
          break;
        }
      }
    }
    return ignored;
  };
};

/**
 * Every file of a folder (relative, `/`-separated) the builder would send: what `ignored` leaves out is skipped.
 *
 * @example
 * contextFiles('/repo', () => false); // ['package.json', 'src/cli.ts', …]
 */
export const contextFiles = (root: string, ignored: (path: string) => boolean, under = ''): string[] => {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (ignored(path)) continue;
    if (entry.isDirectory()) files.push(...contextFiles(root, ignored, path));
    else files.push(path);
  }
  return files;
};
