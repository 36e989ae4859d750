import { describe, expect, test } from 'vitest';
import { editDistance, suggestKey } from '../../../src/config/suggest.js';

const known = ['checkInterval', 'checkTimeout', 'command', 'args', 'env', 'cwd', 'name'];

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['abc', '', 3],
    ['chekInterval', 'checkInterval', 1],
    ['checkIntervall', 'checkInterval', 1],
    ['chcekInterval', 'checkInterval', 1],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('suggestKey', () => {
  test.each([
    ['chekInterval', 'checkInterval'],
    ['checkTimout', 'checkTimeout'],
    ['check_interval', 'checkInterval'],
    ['CheckTimeout', 'checkTimeout'],
    ['arg', 'args'],
    ['nmae', 'name'],
  ])('%j suggests %j', (key, suggestion) => {
    expect(suggestKey(key, known)).toBe(suggestion);
  });

  test.each([['colour'], ['x'], ['ab'], ['interval']])('%j suggests nothing', (key) => {
    expect(suggestKey(key, known)).toBeUndefined();
  });
});
