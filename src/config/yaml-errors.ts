import type { YAMLError } from 'yaml';

/** A YAML syntax error, worded for the config's author. */
export interface YamlSyntaxError {
  offset: number;
  message: string;
}

const flowHint = ' (inside { } or [ ], quote a value that holds ${...}: "${NAME}")';

/**
 * The syntax errors worth showing: the first, and every later one that is
 * not an "unexpected token" — once the parser is lost, each token after the
 * first mistake is reported again, which buries the one that matters.
 *
 * @example
 * const errors = yamlErrors(parseDocument(text).errors, text);
 */
export const yamlErrors = (errors: readonly YAMLError[], text: string): YamlSyntaxError[] =>
  [...errors]
    .sort((a, b) => a.pos[0] - b.pos[0])
    .filter((error, index) => index === 0 || error.code !== 'UNEXPECTED_TOKEN')
    .map((error) => {
      const offset = error.pos[0];
      // `${` in a flow collection opens a mapping, which YAML reports without a clue why.
      const atInterpolation = text.startsWith('${', offset - 1) || text.startsWith('${', offset);
      return { offset, message: `invalid YAML: ${error.message}${atInterpolation ? flowHint : ''}` };
    });
