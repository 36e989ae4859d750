import { describe, expect, test } from 'vitest';
import { interpolate } from '../../../src/config/interpolate.js';

const env = { TOKEN: 's3cret', EMPTY: '', PORT: '9090', NAME: 'hale' };

describe('interpolate', () => {
  test.each([
    ['${TOKEN}', 's3cret'],
    ['Bearer ${TOKEN}!', 'Bearer s3cret!'],
    ['${NAME}-${PORT}', 'hale-9090'],
    ['${UNSET:-8080}', '8080'],
    ['${PORT:-8080}', '9090'],
    ['${UNSET:-}', ''],
    ['${EMPTY}', ''],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${UNSET:-a:-b}', 'a:-b'],
    ['${UNSET:-${NAME}}', 'hale'],
    ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['$$', '$'],
    ['$${TOKEN}', '${TOKEN}'],
    ['$$${TOKEN}', '$s3cret'],
    ['$$$${TOKEN}', '$${TOKEN}'],
    ['cost: $5', 'cost: $5'],
    ['trailing $', 'trailing $'],
    ['no references', 'no references'],
    ['', ''],
  ])('%j becomes %j', (text, value) => {
    expect(interpolate(text, env)).toEqual({ ok: true, value });
  });

  test('a default is read only when it is used', () => {
    expect(interpolate('${TOKEN:-${UNSET}}', env)).toEqual({ ok: true, value: 's3cret' });
  });

  test('an unset variable without a default names the variable and the fix', () => {
    const result = interpolate('Bearer ${API_TOKEN}', env);
    expect(result).toEqual({
      ok: false,
      message: 'environment variable API_TOKEN is not set (set it, or give a default: ${API_TOKEN:-value})',
    });
  });

  test.each([['${}'], ['${1X}'], ['${A B}'], ['${A-b}'], ['${A:?b}']])('%j is not a reference', (text) => {
    const result = interpolate(text, env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('write ${NAME} or ${NAME:-default}, and $$ for a literal $');
  });

  test('an unterminated reference is an error', () => {
    const result = interpolate('x ${TOKEN', env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('unterminated "${"');
  });
});
