import type { z } from 'zod';
import { describeValue, quoteHint } from './describe-value.js';
import { missingMessage } from './fields.js';

const expectedNames: Record<string, string> = {
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  number: 'a number',
  int: 'a whole number',
};

// YAML 1.1 read yes/no/on/off as booleans; YAML 1.2, which the yaml package speaks, reads them as text.
const yaml11Booleans = /^(y|yes|n|no|on|off)$/i;

const hintFor = (expected: string, input: unknown): string => {
  if (expected === 'string') return quoteHint(input);
  if (expected === 'boolean' && typeof input === 'string' && yaml11Booleans.test(input)) return ' (write true or false)';
  return '';
};

const describeSmall = (issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall>): string | undefined => {
  if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
  return undefined;
};

/**
 * The wording of zod's own issues in a config: what was expected, what was
 * written, and how to fix it. Issues raised by our fields carry their own.
 *
 * @example
 * configSchema.safeParse(value, { error: describeZodIssue });
 */
export const describeZodIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return missingMessage;
      const expected = expectedNames[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeValue(issue.input)}${hintFor(issue.expected, issue.input)}`;
    }
    case 'invalid_value':
      if (issue.input === undefined) return `${missingMessage} (one of ${issue.values.map(String).join(', ')})`;
      return `expected one of ${issue.values.map(String).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return issue.issues[0]?.message;
    case 'too_small':
      return describeSmall(issue);
    default:
      return undefined;
  }
};
