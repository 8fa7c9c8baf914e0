/**
 * The catalogue of critical points (src/core/catalogue.ts) as every result shows it: one table
 * over all cells, one row per point found — its basin mass with a Wilson interval, its polished
 * loss and gradient, its distance to the teacher modulo the model's symmetries, the spread of the
 * end points around it, and its Hessian's class — and in the JSON, per cell, the full record
 * (eigenvalues, representative). The CLI prints the table, --out writes it as Markdown and CSV,
 * the page draws it under the estimate.
 */
import type { Catalogue } from '../core/catalogue.ts';
import type { CellResult, Table } from './types.ts';

/** A cell's catalogue as the result keeps it (without the per-restart assignment). */
export type CellCatalogue = Omit<Catalogue, 'pointOf'>;

export const CRITICAL_POINTS_TABLE = 'critical-points';

const g3 = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** "degenerate (0 negative, 5 zero) → minimum": the Hessian's verdict in words. */
export function hessianWords(h: CellCatalogue['points'][number]['hessian']): string {
  const base = h.kind === 'minimum' ? 'minimum' : h.kind === 'maximum' ? 'maximum' : h.kind === 'strict saddle' ? `strict saddle (index ${h.index}${h.zeros ? `, ${h.zeros} zero` : ''})` : `degenerate (${h.zeros} zero)`;
  return h.beyondSecondOrder ? `${base} → ${h.beyondSecondOrder} beyond 2nd order` : base;
}

/** The table of every cell's critical points (null when no cell has a catalogue). */
export function criticalPointsTable(cells: CellResult[]): Table | null {
  const withCat = cells.filter((c) => c.catalogue);
  if (withCat.length === 0) return null;
  const rows: (string | number)[][] = [];
  for (const c of withCat) {
    const cat = c.catalogue!;
    const cell = Object.entries(c.key)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    for (const p of cat.points) {
      const lossRef = p.problem?.lossRef ?? cat.lossRef;
      const labels = Object.entries(p.labels)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      rows.push([
        p.problem ? `${cell} problem=${p.problem.index}` : cell,
        p.id,
        labels,
        `${p.mass.toFixed(3)} [${p.ci95[0].toFixed(3)}, ${p.ci95[1].toFixed(3)}]`,
        g3(p.lossOverRef),
        g3(p.gradNorm / Math.sqrt(lossRef)),
        p.polished ? 'yes' : 'no',
        p.distanceToTeacher === null ? '—' : g3(p.distanceToTeacher),
        g3(p.spread),
        hessianWords(p.hessian),
        g3(p.hessian.eigenvalues[0] ?? NaN),
        g3(p.hessian.eigenvalues.at(-1) ?? NaN),
      ]);
    }
    if (cat.diverged + cat.undecided + cat.unclustered > 0) {
      rows.push([cell, '—', `no point: ${cat.diverged} diverged, ${cat.undecided} undecided, ${cat.unclustered} unclustered`, '', '', '', '', '', '', '', '', '']);
    }
    if (cat.problems && cat.problems.catalogued < cat.problems.of) {
      rows.push([cell, '—', `problems ${cat.problems.catalogued}…${cat.problems.of - 1} not catalogued (the first ${cat.problems.catalogued} of ${cat.problems.of} are)`, '', '', '', '', '', '', '', '', '']);
    }
  }
  const first = withCat[0].catalogue!;
  const held = first.symmetries.filter((s) => s.holds).map((s) => s.name);
  return {
    id: CRITICAL_POINTS_TABLE,
    title:
      `Critical points found: end points clustered modulo ${held.length ? held.join(', ') : 'no symmetry (none holds for this model)'}, each polished in f64 on the ${first.objective}` +
      ` to ‖∇L‖ ≤ ${first.options.gradTarget}·√L_ref; Hessian eigenvalues (λ, L units) with the symmetry directions projected out, zero when |λ| ≤ ${first.options.zeroTol}·max|λ|`,
    columns: ['cell', 'point', 'restarts by label', 'basin mass [95% CI]', 'L/L_ref', '‖∇L‖/√L_ref', 'polished', 'distance to teacher', 'spread', 'Hessian', 'λ_min', 'λ_max'],
    rows,
  };
}

/** ‖∇L‖ ≤ this·√L_ref after polishing counts as at the f64 floor (issue 15's acceptance figure). */
export const POLISHED_FLOOR = 1e-10;

/**
 * The polish in one sentence: of the end points clustered in all cells, how many belong to points
 * polished to ‖∇L‖ ≤ POLISHED_FLOOR·√L_ref, and which points were not (null without catalogues).
 */
export function polishNote(cells: CellResult[]): string | null {
  let clustered = 0;
  let atFloor = 0;
  const short: string[] = [];
  for (const c of cells) {
    if (!c.catalogue) continue;
    for (const p of c.catalogue.points) {
      clustered += p.restarts;
      const g = p.gradNorm / Math.sqrt(p.problem?.lossRef ?? c.catalogue.lossRef);
      if (g <= POLISHED_FLOOR) atFloor += p.restarts;
      else short.push(`${Object.values(c.key).join('/')}${p.problem ? ` problem ${p.problem.index}` : ''} point ${p.id} (${p.restarts} restarts, ‖∇L‖/√L_ref = ${g.toExponential(1)})`);
    }
  }
  if (clustered === 0) return null;
  const pct = ((100 * atFloor) / clustered).toFixed(1);
  return `Polish: ${atFloor} of ${clustered} clustered end points (${pct}%) belong to critical points polished to ‖∇L‖ ≤ ${POLISHED_FLOOR}·√L_ref${short.length ? `; not reached: ${short.slice(0, 8).join('; ')}${short.length > 8 ? `; and ${short.length - 8} more` : ''}` : ''}.`;
}
