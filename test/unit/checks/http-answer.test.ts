import { describe, expect, test } from 'vitest';
import { judgeFieldValue, judgeHttpAnswer, maxBodyBytes, readField, type HttpAnswer } from '../../../src/checks/http-probe.js';

const answer = (status: number, body = '', extra: Partial<HttpAnswer> = {}): HttpAnswer => ({
  status,
  statusText: '',
  body,
  truncated: false,
  ...extra,
});

describe('judgeHttpAnswer without a field', () => {
  test.each([200, 204, 299])('%i passes as healthy', (status) => {
    expect(judgeHttpAnswer(answer(status, 'whatever'), null)).toMatchObject({ outcome: 'pass', status: 'healthy' });
  });

  test('the message is the status line, the standard reason filling in a missing one', () => {
    expect(judgeHttpAnswer(answer(200), null).message).toBe('HTTP 200 OK');
    expect(judgeHttpAnswer(answer(200, '', { statusText: 'Fine By Me' }), null).message).toBe('HTTP 200 Fine By Me');
    expect(judgeHttpAnswer(answer(299), null).message).toBe('HTTP 299');
  });

  test.each([199, 301, 302, 404, 500, 503])('%i fails with http_status', (status) => {
    expect(judgeHttpAnswer(answer(status), null)).toMatchObject({ outcome: 'fail', failure: 'http_status', status: 'unhealthy' });
  });

  test('a failing answer names its status and the start of its body, blanks folded', () => {
    const verdict = judgeHttpAnswer(answer(503, 'db gone\n\n  try later', { statusText: 'Service Unavailable' }), null);
    expect(verdict.message).toBe('HTTP 503 Service Unavailable: db gone try later');
  });

  test('a failing answer keeps the first 200 characters of its body', () => {
    const verdict = judgeHttpAnswer(answer(500, `${'a'.repeat(200)}${'b'.repeat(500)}`), null);
    expect(verdict.message).toBe(`HTTP 500 Internal Server Error: ${'a'.repeat(200)}…`);
  });

  test('a failing answer without a body is its status line alone', () => {
    expect(judgeHttpAnswer(answer(502), null).message).toBe('HTTP 502 Bad Gateway');
  });

  test('a non-2xx answer fails on its status also when a field would say healthy', () => {
    const verdict = judgeHttpAnswer(answer(503, '{"status":"UP"}'), 'status');
    expect(verdict).toMatchObject({ outcome: 'fail', failure: 'http_status' });
  });
});

describe('judgeHttpAnswer with a field', () => {
  test.each([
    ['a top-level word', '{"status":"UP"}', 'status', 'pass', 'status is "UP"'],
    ['a nested path', '{"checks":{"db":{"state":"passing"}}}', 'checks.db.state', 'pass', 'checks.db.state is "passing"'],
    ['an array index', '{"checks":[{"status":"Serving"}]}', 'checks.0.status', 'pass', 'checks.0.status is "Serving"'],
    ['true', '{"healthy":true}', 'healthy', 'pass', 'healthy is true'],
    ['a degraded word', '{"status":"Warning"}', 'status', 'degraded', 'status is "Warning"'],
    ['an unhealthy word', '{"status":"DOWN"}', 'status', 'fail', 'status is "DOWN"'],
    ['false', '{"ok":false}', 'ok', 'fail', 'ok is false'],
  ])('%s', (_what, body, field, outcome, message) => {
    expect(judgeHttpAnswer(answer(200, body), field)).toMatchObject({ outcome, message });
  });

  test('a body that is not JSON is a bad answer that shows it', () => {
    expect(judgeHttpAnswer(answer(200, 'hello there'), 'status')).toEqual({
      outcome: 'fail',
      failure: 'bad_answer',
      status: 'unknown',
      message: 'HTTP 200 OK, but the body is not JSON ("hello there"): field status not read',
    });
    expect(judgeHttpAnswer(answer(200, ''), 'status').message).toContain('not JSON (empty)');
  });

  test('a body cut at the limit is not parsed', () => {
    const verdict = judgeHttpAnswer(answer(200, '{"status":"UP"', { truncated: true }), 'status');
    expect(verdict).toMatchObject({ outcome: 'fail', failure: 'bad_answer' });
    expect(verdict.message).toContain(`longer than ${maxBodyBytes / 1024} KiB`);
  });

  test('a missing field is a bad answer that says where it stopped', () => {
    expect(judgeHttpAnswer(answer(200, '{"checks":{"cache":{}}}'), 'checks.db.state')).toEqual({
      outcome: 'fail',
      failure: 'bad_answer',
      status: 'unknown',
      message: 'no field checks.db.state in the JSON body: checks has no "db"',
    });
  });
});

describe('readField', () => {
  test('walks a dot path through objects and arrays', () => {
    expect(readField({ a: { b: [{ c: 'x' }] } }, 'a.b.0.c')).toEqual({ ok: true, value: 'x' });
  });

  test('an empty path is the body itself', () => {
    expect(readField('ok', '')).toEqual({ ok: true, value: 'ok' });
  });

  test('a step into a value that is not an object says what is there', () => {
    expect(readField({ a: 'text' }, 'a.b')).toEqual({ ok: false, message: 'no field a.b in the JSON body: a is "text", not an object' });
    expect(readField(null, 'a')).toEqual({ ok: false, message: 'no field a in the JSON body: the body is null, not an object' });
  });

  test('inherited properties are not fields', () => {
    expect(readField({}, 'toString')).toMatchObject({ ok: false });
    expect(readField({ a: {} }, 'a.__proto__')).toMatchObject({ ok: false });
  });
});

describe('judgeFieldValue', () => {
  test.each(['healthy', 'UP', 'Ok', 'pass', 'passing', 'SERVING', 'true', ' up '])('%j passes', (word) => {
    expect(judgeFieldValue('status', word)).toMatchObject({ outcome: 'pass', status: 'healthy' });
  });

  test.each(['degraded', 'WARN', 'warning'])('%j is degraded', (word) => {
    expect(judgeFieldValue('status', word)).toMatchObject({ outcome: 'degraded', status: 'degraded' });
  });

  test.each(['unhealthy', 'down', 'FAIL', 'failing', 'error', 'false', 'NOT_SERVING'])('%j fails as unhealthy', (word) => {
    expect(judgeFieldValue('status', word)).toMatchObject({ outcome: 'fail', failure: 'unhealthy', status: 'unhealthy' });
  });

  test.each([
    ['an odd word', 'maybe', 'status is "maybe", not a health word'],
    ['a number', 1, 'status is 1, not a health word'],
    ['null', null, 'status is null, not a health word'],
    ['an object', { state: 'up' }, 'status is {"state":"up"}, not a health word'],
    ['an empty string', '', 'status is "", not a health word'],
  ])('%s is a bad answer', (_what, value, start) => {
    const verdict = judgeFieldValue('status', value);
    expect(verdict).toMatchObject({ outcome: 'fail', failure: 'bad_answer', status: 'unknown' });
    expect(verdict.message.startsWith(start)).toBe(true);
  });

  test('a long value is cut in the message', () => {
    const verdict = judgeFieldValue('status', 'x'.repeat(5_000));
    expect(verdict.message.length).toBeLessThan(200);
  });
});
