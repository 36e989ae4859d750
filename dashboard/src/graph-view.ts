import { byId, setText } from './dom.js';
import { request } from './http.js';
import { layoutGraph, nodeHeight, nodeWidth, type PlacedNode } from './graph-layout.js';
import type { PluginGraphBody } from './types.js';

const svgNs = 'http://www.w3.org/2000/svg';

const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] => {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
};

const drawNode = (placed: PlacedNode, node: PluginGraphBody['nodes'][number]): SVGGElement => {
  const waiting = node.waitingFor !== undefined;
  const word = waiting ? 'waiting' : node.state;
  const group = svg('g', {
    class: 'graph-node',
    'data-plugin': node.name,
    'data-state': node.state,
    'data-ready': String(node.ready),
    'data-waiting': String(waiting),
    transform: `translate(${placed.x} ${placed.y})`,
  });
  const title = svg('title', {});
  title.textContent = `${node.name}: ${word}${node.ready ? '' : ' (not ready)'}${
    waiting ? `\nwaiting for ${(node.waitingFor ?? []).map((w) => `${w.name} (${w.state})`).join(', ')}` : ''
  }`;
  const name = svg('text', { x: 10, y: 15, class: 'graph-name' });
  name.textContent = node.name.length > 18 ? `${node.name.slice(0, 17)}…` : node.name;
  const state = svg('text', { x: 10, y: 29, class: 'graph-state' });
  state.textContent = word;
  group.append(title, svg('rect', { width: nodeWidth, height: nodeHeight, rx: 6 }), name, state);
  return group;
};

/**
 * The service dependency map: every plugin as a box coloured by its state,
 * an arrow from each plugin to what it depends on (dashed: restartWith).
 * Shown only when the config has edges; read from GET /plugins/graph when
 * the page opens and whenever `refresh` is called (a transition, a wait, a reload).
 *
 * @example
 * const graph = startGraphView();
 * graph.refresh();
 */
export const startGraphView = (): { refresh(): void } => {
  const section = byId('graph');
  const canvas = byId('graph-canvas');
  let timer: ReturnType<typeof setTimeout> | null = null;

  const draw = (body: PluginGraphBody): void => {
    section.hidden = body.edges.length === 0;
    if (body.edges.length === 0) return;
    const layout = layoutGraph(body);
    const placed = new Map(layout.nodes.map((node) => [node.name, node]));
    const root = svg('svg', {
      id: 'graph-svg',
      role: 'img',
      'aria-label': 'dependency map: each plugin and what it depends on',
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      width: layout.width,
      height: layout.height,
    });
    const marker = svg('marker', {
      id: 'graph-arrow',
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
    const defs = svg('defs', {});
    defs.append(marker);
    root.append(defs);
    for (const edge of body.edges) {
      const from = placed.get(edge.from);
      const to = placed.get(edge.to);
      if (from === undefined || to === undefined) continue;
      const line = svg('path', {
        class: 'graph-edge',
        'data-from': edge.from,
        'data-to': edge.to,
        'data-kind': edge.kind,
        d: `M${from.x},${from.y + nodeHeight / 2} C${from.x - 35},${from.y + nodeHeight / 2} ${to.x + nodeWidth + 35},${to.y + nodeHeight / 2} ${to.x + nodeWidth},${to.y + nodeHeight / 2}`,
        'marker-end': 'url(#graph-arrow)',
      });
      root.append(line);
    }
    body.nodes.forEach((node, i) => {
      const at = layout.nodes[i];
      if (at !== undefined) root.append(drawNode(at, node));
    });
    canvas.replaceChildren(root);
    const waiting = body.nodes.filter((node) => node.waitingFor !== undefined).length;
    setText(
      byId('graph-note'),
      `${body.nodes.length} plugins, ${body.edges.length} dependencies${waiting > 0 ? `, ${waiting} waiting` : ''}`,
    );
  };

  const read = async (): Promise<void> => {
    const answer = await request<PluginGraphBody>('/plugins/graph', { usable: [200] });
    // A failed read keeps the last map: the next event asks again.
    if (answer.ok) draw(answer.body);
  };

  void read();
  return {
    // Many transitions at once are one read, about a third of a second later.
    refresh: () => {
      timer ??= setTimeout(() => {
        timer = null;
        void read();
      }, 300);
    },
  };
};
