/**
 * An ExperimentResult as text: the JSON the CLI and the page download (the core schema: every
 * cell's key fields spread at the top level beside restarts, counts, pGlobal, ci95, paper), a
 * Markdown report (our estimate [95% interval] | paper), CSV, a basin map as a CSV matrix, and a
 * terminal table.
 */
import type { BasinMap, CellResult, ExperimentResult, Table } from '../results/types.ts';
import { allUndecided, paperInInterval } from '../results/types.ts';
import { UNDECIDED_INTERVAL_RULE } from '../core/stats.ts';

export function resultJson(r: ExperimentResult): object {
  return {
    experiment: r.experiment,
    title: r.title,
    config: r.config,
    seed: r.seed,
    adapter: r.adapter,
    engine: r.engine,
    seconds: r.seconds,
    cells: r.cells.map((c) => ({
      ...c.key,
      restarts: c.restarts,
      // An interrupted run's cell cut short: its first `restarts` of `of`.
      ...(c.partial ? { partialOf: c.partial.of } : {}),
      global: c.global,
      spurious: c.spurious,
      diverged: c.diverged,
      undecided: c.undecided,
      pGlobal: c.pGlobal,
      ci95: c.ci95,
      paper: c.paper,
      seconds: c.seconds,
      // Only where it differs from the plain Wilson interval (cells without undecided restarts are as before).
      ...(c.undecided > 0 ? { ci95Rule: UNDECIDED_INTERVAL_RULE } : {}),
      ...(c.catalogue ? { criticalPoints: c.catalogue } : {}),
    })),
    tables: r.tables,
    notes: r.notes,
    figures: r.figures,
    ...(r.maps ? { maps: r.maps } : {}),
    ...(r.interrupted ? { interrupted: true } : {}),
  };
}

/** The closing line of a run: cells, time, and how many disagree with the paper (and what the count leaves out). */
export function summaryLine(r: ExperimentResult): string {
  const whole = r.cells.filter((c) => !c.partial).length;
  const cut = r.cells.length - whole;
  const head = r.interrupted
    ? `interrupted: ${whole} cell${whole === 1 ? '' : 's'} finished${cut ? `, ${cut} cut short (its first restarts kept)` : ''}`
    : `${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}`;
  if (!r.cells.some((c) => c.paper !== null)) return r.interrupted ? `${head} in ${r.seconds.toFixed(1)} s.` : `${r.seconds.toFixed(1)} s.`;
  const outside = r.cells.filter((c) => paperInInterval(c) === false).length;
  const undecided = r.cells.filter((c) => c.undecided > 0).length;
  const none = r.cells.filter(allUndecided).length;
  const caveat =
    undecided === 0
      ? ''
      : ` ${undecided} cell${undecided === 1 ? ' has' : 's have'} undecided restarts, which the interval counts as either outcome${none > 0 ? ` (${none} with nothing decided, which cannot disagree)` : ''}.`;
  return `${head} in ${r.seconds.toFixed(1)} s; the paper's value (±0.005, its rounding) lies outside our 95% interval in ${outside}.${caveat}`;
}

/** The JSON file the CLI's --json and the page's download write, byte for byte. */
export function resultJsonText(r: ExperimentResult): string {
  return jsonText(resultJson(r));
}

/** Indented JSON with each array of numbers on one line (a basin map's codes, an interval). */
export function jsonText(value: unknown): string {
  const numberArray = /\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]/g;
  return JSON.stringify(value, null, 2).replace(numberArray, (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`) + '\n';
}

/** "0.620 [0.606, 0.633]": a cell's estimate and 95% interval as every report prints it. */
export const estimate = (c: Pick<CellResult, 'pGlobal' | 'ci95'>) => `${c.pGlobal.toFixed(3)} [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]`;

/** The columns of the cells table: key fields, counts, estimate, paper, whether inside. */
export function cellRows(cells: CellResult[]): { head: string[]; rows: string[][] } {
  const keys = cells.length > 0 ? Object.keys(cells[0].key) : [];
  const head = [...keys, 'restarts', 'global', 'spurious', 'diverged', 'undecided', 'P(global) [95% CI]', 'paper', 'paper in CI', 's'];
  const rows = cells.map((c) => {
    const inside = paperInInterval(c);
    return [
      ...keys.map((k) => String(c.key[k])),
      c.partial ? `${c.restarts} of ${c.partial.of}` : String(c.restarts),
      String(c.global),
      String(c.spurious),
      String(c.diverged),
      String(c.undecided),
      estimate(c),
      c.paper === null ? '—' : c.paper.toFixed(2),
      inside === null ? '—' : allUndecided(c) ? 'undecided' : inside ? 'yes' : 'no',
      c.seconds.toFixed(1),
    ];
  });
  return { head, rows };
}

/** A fixed-width text table (terminal). */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padStart(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function markdownTable(head: string[], rows: (string | number)[][]): string {
  const esc = (x: string | number) => String(x).replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** The Table 1 layout: rows k, columns ratio, each cell "ours [interval] / paper". */
function gridMarkdown(cells: CellResult[]): string | null {
  if (!cells.every((c) => typeof c.key.k === 'number' && typeof c.key.ratio === 'number' && Object.keys(c.key).length === 2)) return null;
  const ks = [...new Set(cells.map((c) => c.key.k as number))];
  const ratios = [...new Set(cells.map((c) => c.key.ratio as number))];
  const head = ['k \\ (1ᵀa*)²/‖a*‖²', ...ratios.map(String)];
  const rows = ks.map((k) => [
    String(k),
    ...ratios.map((ratio) => {
      const c = cells.find((x) => x.key.k === k && x.key.ratio === ratio);
      if (!c) return '';
      const inside = paperInInterval(c);
      const paper = c.paper === null ? '' : ` / ${c.paper.toFixed(2)}${inside === false ? ' ✗' : ''}`;
      return `${estimate(c)}${paper}`;
    }),
  ]);
  return markdownTable(head, rows);
}

export function tableMarkdown(t: Table): string {
  return `**${t.title}**\n\n${markdownTable(t.columns, t.rows)}`;
}

export function resultMarkdown(r: ExperimentResult, figureFiles: string[] = []): string {
  const parts = [`# ${r.title}`, '', `\`${r.experiment}\`, seed ${r.seed}, on ${r.adapter}, ${r.seconds.toFixed(1)} s.`, ''];
  if (r.interrupted) parts.push(`**Interrupted**: a partial result, the ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'} that finished before the run was stopped.`, '');
  if (r.cells.some((c) => c.undecided > 0)) parts.push(`Where restarts are undecided (out of budget), the 95% interval counts them as either outcome: ${UNDECIDED_INTERVAL_RULE.split(': ')[1]}.`, '');
  if (r.cells.length > 0) {
    const grid = gridMarkdown(r.cells);
    if (grid) {
      parts.push('Our estimate [95% Wilson interval] / the paper’s value (✗: the paper’s value, ±0.005 for its rounding, lies outside our interval).', '', grid, '');
    }
    const { head, rows } = cellRows(r.cells);
    parts.push(markdownTable(head, rows), '');
  }
  for (const t of r.tables) parts.push(tableMarkdown(t), '');
  for (const n of r.notes) parts.push(`- ${n}`);
  if (r.notes.length) parts.push('');
  for (const f of figureFiles) parts.push(`![${f}](${f})`, '');
  return parts.join('\n');
}

/** One row per cell, for spreadsheets. */
export function resultCsv(r: ExperimentResult): string {
  const keys = r.cells.length > 0 ? Object.keys(r.cells[0].key) : [];
  // A cell cut short by Ctrl-C says of how many restarts (a column only where one was).
  const cut = r.cells.some((c) => c.partial);
  const head = [...keys, 'restarts', ...(cut ? ['partial_of'] : []), 'global', 'spurious', 'diverged', 'undecided', 'pGlobal', 'ci95_lo', 'ci95_hi', 'paper'];
  const q = (x: string | number | null) => (x === null ? '' : typeof x === 'string' && /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : String(x));
  const rows = r.cells.map((c) => [...keys.map((k) => c.key[k]), c.restarts, ...(cut ? [c.partial?.of ?? null] : []), c.global, c.spurious, c.diverged, c.undecided, c.pGlobal, c.ci95[0], c.ci95[1], c.paper].map(q).join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}

/** A Table as CSV (header row of its columns). */
export function tableCsv(t: Table): string {
  const q = (x: string | number) => (typeof x === 'string' && /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : String(x));
  return [t.columns.map(q).join(','), ...t.rows.map((r) => r.map(q).join(','))].join('\n') + '\n';
}

/**
 * A basin map as a matrix of outcome codes (src/core/outcome.ts; −1: not run): one row per y value,
 * top row the largest as on the plot, one column per x value, the values in the first row and
 * column.
 */
export function mapCsv(map: BasinMap): string {
  // src/core/init.ts's grid formula, printed to 12 digits (−1.22, not −1.2200000000000002).
  const at = (a: BasinMap['x'], i: number) => Number((a.n > 1 ? a.lo + ((a.hi - a.lo) * i) / (a.n - 1) : a.lo).toPrecision(12));
  const head = [`${map.y.label} \\ ${map.x.label}`, ...Array.from({ length: map.x.n }, (_, ix) => at(map.x, ix))];
  const rows = [head.join(',')];
  // A field map (BasinMap.field) writes its values (to 8 digits), a basin map its outcome codes.
  // A NaN (a cell not run) is written NaN, also where the map was read back from a result JSON,
  // which has it as null (JSON has no NaN).
  const value = (v: number | null) => (v === null ? NaN : Number.isFinite(v) ? Number(v.toPrecision(8)) : v);
  const cells: readonly number[] = map.field ? map.field.values.map(value) : map.codes;
  for (let iy = map.y.n - 1; iy >= 0; iy--) rows.push([at(map.y, iy), ...cells.slice(iy * map.x.n, (iy + 1) * map.x.n)].join(','));
  return rows.join('\n') + '\n';
}
