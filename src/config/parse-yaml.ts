import { Composer, Parser, YAMLParseError, type CST, type Document, type LineCounter } from 'yaml';
import { maxNestingDepth } from './limits.js';

/** A parsed document, or where its nesting first went past the bound (it is then not composed at all). */
export type ParsedYaml = { ok: true; doc: Document.Parsed } | { ok: false; offset: number; message: string };

const isCollection = (token: CST.Token): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';

/** The first collection nested deeper than the bound, found without recursion: composing recurses. */
const findTooDeep = (tokens: readonly CST.Token[]): CST.Token | undefined => {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token; depth: number };
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push({ token: token.value, depth });
    } else if (isCollection(token)) {
      if (depth + 1 > maxNestingDepth) return token;
      for (const item of token.items) {
        if ('key' in item && item.key) stack.push({ token: item.key, depth: depth + 1 });
        if (item.value !== undefined) stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
};

/**
 * parseDocument's work in its two steps, with the nesting checked between
 * them. Keys are not checked for uniqueness here: the yaml package compares
 * each key with every earlier one (quadratic); the tree reader does it with a set.
 *
 * @example
 * const parsed = parseYaml('plugins: []', new LineCounter());
 * if (parsed.ok) parsed.doc.contents;
 */
export const parseYaml = (text: string, lineCounter: LineCounter): ParsedYaml => {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooDeep = findTooDeep(tokens);
  if (tooDeep !== undefined) {
    return {
      ok: false,
      offset: 'offset' in tooDeep ? tooDeep.offset : 0,
      message: `the config is nested deeper than ${maxNestingDepth} levels`,
    };
  }
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | null = null;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (doc === null) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  // compose(…, true) always ends with a document, an empty one for empty text.
  return { ok: true, doc: doc as Document.Parsed };
};
