import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../../src/config/load.js';

const parse = (api: string) => parseConfigText(`api:\n${api}\nplugins: []\n`, { file: join(tmpdir(), 'supervisor.yaml'), env: {} });

describe('api.allowedHosts', () => {
  test('is empty by default and takes DNS names and IP addresses', () => {
    const none = parse('  port: 8080');
    expect(none.ok && none.config.api.allowedHosts).toEqual([]);
    const some = parse('  allowedHosts: [hale.internal, hale-0.hale.ns.svc.cluster.local, 10.0.0.5, "[fd00::2]", "fd00::3"]');
    expect(some.ok && some.config.api.allowedHosts).toEqual([
      'hale.internal',
      'hale-0.hale.ns.svc.cluster.local',
      '10.0.0.5',
      '[fd00::2]',
      'fd00::3',
    ]);
  });

  test('refuses a scheme, a port, a path or a wildcard, saying where and what', () => {
    const result = parse('  allowedHosts: ["http://hale.internal", "hale.internal:8080", "*.example.com", "a/b", ""]');
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues.map(formatConfigIssue);
    expect(issues).toHaveLength(5);
    for (const [index, issue] of issues.entries()) {
      expect(issue).toMatch(new RegExp(`api\\.allowedHosts\\[${index}\\]: an allowed host is a DNS name or an IP address`));
    }
  });
});
