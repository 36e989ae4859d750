import { sparkHeight as height, sparkPath, sparkWidth as width } from './spark-path.js';

const svgNs = 'http://www.w3.org/2000/svg';

/** An empty sparkline: an svg with a line and a layer for failed checks. */
export const createSparkline = (label: string): SVGSVGElement => {
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.append(document.createElementNS(svgNs, 'polyline'), document.createElementNS(svgNs, 'g'));
  return svg;
};

/** Redraws a sparkline; failed checks are marked with a red dot. */
export const drawSparkline = (svg: SVGSVGElement, samples: ReadonlyArray<{ ms: number; failed: boolean }>): void => {
  const line = svg.firstElementChild as SVGPolylineElement;
  const marks = svg.lastElementChild as SVGGElement;
  line.setAttribute('points', sparkPath(samples.map((s) => s.ms)));
  const step = samples.length <= 1 ? 0 : width / (samples.length - 1);
  marks.replaceChildren(
    ...samples.flatMap((sample, index) => {
      if (!sample.failed) return [];
      const dot = document.createElementNS(svgNs, 'circle');
      dot.setAttribute('cx', (index * step).toFixed(1));
      dot.setAttribute('cy', String(height - 3));
      dot.setAttribute('r', '2.5');
      return [dot];
    }),
  );
  const last = samples.at(-1);
  svg.setAttribute(
    'aria-label',
    last === undefined ? 'no checks yet' : `last ${samples.length} check latencies; latest ${last.ms.toFixed(1)} ms`,
  );
};
