import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../../../dashboard/src/graph-layout.js';
import type { PluginGraphBody } from '../../../dashboard/src/types.js';

const nodes = (...names: string[]): PluginGraphBody['nodes'] =>
  names.map((name) => ({ name, state: 'healthy', critical: true, ready: true }));

describe('layoutGraph', () => {
  it('puts each plugin one column right of the deepest plugin it depends on, config order within a column', () => {
    const layout = layoutGraph({
      nodes: nodes('web', 'api', 'db', 'cache'),
      edges: [
        { from: 'web', to: 'api', kind: 'dependsOn' },
        { from: 'api', to: 'db', kind: 'restartWith' },
        { from: 'web', to: 'cache', kind: 'dependsOn' },
      ],
    });
    expect(layout.nodes.map((n) => [n.name, n.layer])).toEqual([
      ['web', 2],
      ['api', 1],
      ['db', 0],
      ['cache', 0],
    ]);
    const db = layout.nodes[2];
    const cache = layout.nodes[3];
    expect(db?.x).toBe(cache?.x);
    expect(cache?.y).toBeGreaterThan(db?.y ?? Infinity);
    for (const n of layout.nodes) {
      expect(n.x).toBeLessThan(layout.width);
      expect(n.y).toBeLessThan(layout.height);
    }
  });

  it('ends on a cycle (which the config refuses) and on edges to unknown names', () => {
    const layout = layoutGraph({
      nodes: nodes('a', 'b'),
      edges: [
        { from: 'a', to: 'b', kind: 'dependsOn' },
        { from: 'b', to: 'a', kind: 'dependsOn' },
        { from: 'a', to: 'ghost', kind: 'dependsOn' },
      ],
    });
    expect(layout.nodes.every((n) => n.layer < 2)).toBe(true);
  });
});
