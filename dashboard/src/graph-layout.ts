import type { PluginGraphBody } from './types.js';

/** Where a node of the dependency map is drawn, in SVG units. */
export interface PlacedNode {
  name: string;
  /** 0 for a plugin that depends on none; one more than the deepest of its dependencies otherwise. */
  layer: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  width: number;
  height: number;
}

export const nodeWidth = 140;
export const nodeHeight = 36;
const columnGap = 70;
const rowGap = 18;
const margin = 10;

/**
 * Lays the graph out left to right: what a plugin depends on stands in a
 * column left of it, so every edge points left. Within a column, nodes keep
 * the order of the answer (the config's). A cycle (which the config refuses)
 * cannot loop: a layer is at most the number of nodes.
 *
 * @example
 * layoutGraph({ nodes: [db, api], edges: [{ from: 'api', to: 'db', kind: 'dependsOn' }] }).nodes[1].layer; // 1
 */
export const layoutGraph = (graph: Pick<PluginGraphBody, 'nodes' | 'edges'>): GraphLayout => {
  const layer = new Map(graph.nodes.map((node) => [node.name, 0]));
  // Bellman-Ford style rounds: bounded by the node count whatever the edges.
  for (let round = 0; round < graph.nodes.length; round++) {
    let moved = false;
    for (const edge of graph.edges) {
      const wanted = (layer.get(edge.to) ?? 0) + 1;
      if (layer.has(edge.from) && (layer.get(edge.from) ?? 0) < wanted && wanted < graph.nodes.length) {
        layer.set(edge.from, wanted);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, number>();
  const nodes = graph.nodes.map((node): PlacedNode => {
    const column = layer.get(node.name) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { name: node.name, layer: column, x: margin + column * (nodeWidth + columnGap), y: margin + row * (nodeHeight + rowGap) };
  });
  const columns = Math.max(1, ...[...rows.keys()].map((column) => column + 1));
  const tallest = Math.max(1, ...rows.values());
  return {
    nodes,
    width: margin * 2 + columns * nodeWidth + (columns - 1) * columnGap,
    height: margin * 2 + tallest * nodeHeight + (tallest - 1) * rowGap,
  };
};
