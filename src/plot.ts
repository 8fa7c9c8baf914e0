/**
 * A Figure (src/experiments/types.ts) drawn with Observable Plot, as one self-contained SVG
 * element of the given document (the title and the series labels are marks inside it, so the
 * CLI can save it as a file): the page passes its own document, the CLI a server-side one
 * (linkedom).
 */
import * as Plot from '@observablehq/plot';
import type { Figure } from './experiments/types.ts';

export function plotFigure(fig: Figure, document: Document, width = 720): SVGSVGElement {
  const rows = fig.series
    .flatMap((s) => s.x.map((x, i) => ({ x, y: s.y[i], series: s.name })))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y) && (!fig.logY || d.y > 0));
  const vmarks = (fig.marks ?? []).filter((m) => Number.isFinite(m.x));
  const marks: Plot.Markish[] = [
    Plot.frame({ stroke: '#ccc' }),
    Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', z: 'series', strokeWidth: 1.5 }),
    // Series labels at the end of each line instead of a legend (a legend would be HTML).
    Plot.text(rows, Plot.selectLast({ x: 'x', y: 'y', z: 'series', text: 'series', fill: 'series', dx: 4, textAnchor: 'start', fontSize: 10 })),
    ...vmarks.map((m) => Plot.ruleX([m.x], { stroke: '#888', strokeDasharray: '4,3' })),
    ...vmarks.map((m) => Plot.text([m], { x: 'x', text: 'label', frameAnchor: 'top', dy: 6, dx: 4, textAnchor: 'start', fill: '#555' })),
    Plot.text([fig.title], { frameAnchor: 'top-left', dy: -36, dx: -50, textAnchor: 'start', fontSize: 12, fontWeight: 'bold' }),
  ];
  const svg = Plot.plot({
    document,
    width,
    height: 320,
    marginTop: 48,
    marginLeft: 60,
    marginRight: 120,
    x: { label: fig.x },
    y: { label: fig.y, type: fig.logY ? 'log' : 'linear', grid: true },
    color: { type: 'categorical' },
    marks,
  }) as SVGSVGElement;
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg;
}
