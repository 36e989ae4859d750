import { describe, expect, it } from 'vitest';
import { createBearerCheck } from '../../../src/api/auth.js';

describe('createBearerCheck', () => {
  const check = createBearerCheck('s3cret-token');
  const cases: Array<[string | undefined, boolean | string]> = [
    ['Bearer s3cret-token', true],
    ['bearer s3cret-token', true],
    ['Bearer   s3cret-token  ', true],
    [undefined, 'missing'],
    ['', 'missing'],
    ['Basic czNjcmV0LXRva2Vu', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer s3cret token', 'malformed'],
    ['Bearer s3cret-toke', 'mismatch'],
    ['Bearer s3cret-token-longer', 'mismatch'],
  ];
  it.each(cases)('%j → %s', (header, expected) => {
    const result = check(header);
    if (expected === true) expect(result).toEqual({ ok: true });
    else expect(result).toMatchObject({ ok: false, reason: expected });
  });

  it('lets everything through without a token, also an empty one', () => {
    expect(createBearerCheck(null)(undefined)).toEqual({ ok: true });
    expect(createBearerCheck('')(undefined)).toEqual({ ok: true });
  });
});
