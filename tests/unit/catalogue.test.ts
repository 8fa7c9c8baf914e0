/**
 * What sits at the bottom of each basin, on the CPU in f64: the eigen-solver and the
 * finite-difference Hessian against known answers, the model's symmetries (the loss is invariant
 * under each that holds, and changes under those that do not), polishing, the classification of
 * the papers' known critical points (Du et al. Lemma 5.1's spurious point; Brutzkus & Globerson's
 * overlap trap w̃ and their no-overlap saddle), and a catalogue of a real CPU run.
 */
import { describe, expect, it } from 'vitest';
import { CatalogueBuilder, ManyProblemsCatalogue, catalogue, classifyCriticalPoint } from '../../src/core/catalogue.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import { complementBasis, hessianByDifferences, restrictTo, symmetricEigen } from '../../src/core/hessian.ts';
import type { ModelSpec } from '../../src/core/model.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../../src/core/outcome.ts';
import { duSpuriousOutput, populationLoss } from '../../src/core/population.ts';
import { objectiveOf, polish } from '../../src/core/polish.ts';
import { prepare } from '../../src/core/prepare.ts';
import { normal } from '../../src/core/rng.ts';
import { canonicalForm, distanceModulo, symmetriesOf } from '../../src/core/symmetry.ts';
import { bgOverlapTeacher } from '../../src/core/teachers.ts';
import { cpuEngine, runRestart } from '../../src/engine/cpu.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { CRITICAL_POINTS_TABLE, criticalPointsTable } from '../../src/results/critical-points.ts';
import { FIXTURE, recoveryExperiment } from '../recovery-fixture.ts';
import { resultJsonText } from '../../src/results/report.ts';
import { bgH } from '../../src/presets/bg-overlap-map.ts';
import { DU_RATIOS, DU_TABLE1, duCell } from '../../src/presets/du-table1.ts';

const gauss = (seed: number, n: number) => Float64Array.from({ length: n }, (_, i) => normal(seed, 7, 0, i));

describe('second-order tools', () => {
  it('symmetricEigen recovers a known spectrum, with orthonormal eigenvectors', () => {
    const n = 12;
    // A = Q diag(λ) Qᵀ with Q orthonormal (the complement basis of nothing: Gram–Schmidt of random vectors).
    const { basis: Q } = complementBasis([], n);
    const R = gauss(1, n * n);
    const { basis } = complementBasis(Array.from({ length: n }, (_, c) => R.subarray(c * n, c * n + n)), n);
    expect(basis.length).toBe(0); // n independent directions leave no complement…
    const cols = Array.from({ length: n }, (_, c) => R.subarray(c * n, c * n + n));
    const { basis: B1 } = complementBasis(cols.slice(1), n); // …and n − 1 leave one.
    expect(B1.length).toBe(n);
    expect(Q.length).toBe(n * n);
    const lambda = Float64Array.from({ length: n }, (_, i) => (i - 4) * 0.75 + (i === 6 ? 1e-9 : 0));
    const O = gramSchmidt(cols, n);
    const A = new Float64Array(n * n);
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) for (let c = 0; c < n; c++) A[p * n + q] += O[c][p] * lambda[c] * O[c][q];
    const { values, vectors } = symmetricEigen(A, n);
    expect(Array.from(values)).toEqual(Array.from(lambda).sort((a, b) => a - b).map((v) => expect.closeTo(v, 12)));
    for (let c = 0; c < n; c++) {
      for (let p = 0; p < n; p++) {
        let av = 0;
        for (let q = 0; q < n; q++) av += A[p * n + q] * vectors[q * n + c];
        expect(av).toBeCloseTo(values[c] * vectors[p * n + c], 11);
      }
    }
  });

  it('hessianByDifferences equals the analytic Hessian of a quartic', () => {
    const n = 5;
    const B = gauss(2, n * n);
    const c = gauss(3, n);
    // f = Σ c_i θ_i⁴ + θᵀBθ: ∇f = 4c θ³ + (B + Bᵀ)θ, ∇²f = 12 c θ² δ + B + Bᵀ.
    const grad = (t: Float64Array) => Float64Array.from({ length: n }, (_, i) => 4 * c[i] * t[i] ** 3 + Array.from({ length: n }, (_, j) => (B[i * n + j] + B[j * n + i]) * t[j]).reduce((a, b) => a + b, 0));
    const theta = gauss(4, n);
    const H = hessianByDifferences(grad, theta, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(H[i * n + j]).toBeCloseTo((i === j ? 12 * c[i] * theta[i] ** 2 : 0) + B[i * n + j] + B[j * n + i], 7);
  });

  it('restrictTo and complementBasis: QᵀAQ on the complement of a direction drops its eigenvalue', () => {
    const A = Float64Array.of(2, 0, 0, 0, 3, 0, 0, 0, 5);
    const { basis, k } = complementBasis([Float64Array.of(0, 1, 0)], 3);
    expect(k).toBe(2);
    expect(Array.from(symmetricEigen(restrictTo(A, 3, basis, k), k).values)).toEqual([expect.closeTo(2, 14), expect.closeTo(5, 14)]);
  });
});

function gramSchmidt(cols: Float64Array[], n: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (const c of cols) {
    const y = Float64Array.from(c);
    for (const b of out) {
      const d = y.reduce((s, v, p) => s + v * b[p], 0);
      for (let p = 0; p < n; p++) y[p] -= d * b[p];
    }
    const norm = Math.sqrt(y.reduce((s, v) => s + v * v, 0));
    out.push(y.map((v) => v / norm));
  }
  return out;
}

describe('the model’s symmetries', () => {
  const teacher = (F: number, m: number, K: number) => ({ filters: F, w: gauss(10, F * m), a: gauss(11, F * K) });
  const model = (activation: ModelSpec['activation'], weightNorm = false): ModelSpec => ({ d: 7, m: 3, stride: 2, filters: 3, activation, output: 'learned', weightNorm });

  it('ReLU: rescaling a filter against its output weights and permuting filters leave the loss and the canonical point unchanged', () => {
    const mdl = model('relu');
    const t = teacher(2, 3, 3);
    const theta = gauss(12, 9 + 9);
    const moved = Float64Array.from(theta);
    // filter 0 ×2.5 (its a ÷2.5), then swap filters 1 and 2 with their output rows.
    for (let u = 0; u < 3; u++) moved[u] *= 2.5;
    for (let i = 0; i < 3; i++) moved[9 + i] /= 2.5;
    for (let u = 0; u < 3; u++) [moved[3 + u], moved[6 + u]] = [moved[6 + u], moved[3 + u]];
    for (let i = 0; i < 3; i++) [moved[12 + i], moved[15 + i]] = [moved[15 + i], moved[12 + i]];
    expect(populationLoss(mdl, t, moved)).toBeCloseTo(populationLoss(mdl, t, theta), 12);
    expect(distanceModulo(mdl, canonicalForm(mdl, theta), canonicalForm(mdl, moved))).toBeLessThan(1e-12);
    // (w, a) ↦ (−w, −a) is not a symmetry of ReLU: the loss changes, and the points differ.
    const flipped = theta.map((v) => -v);
    expect(Math.abs(populationLoss(mdl, t, flipped) - populationLoss(mdl, t, theta))).toBeGreaterThan(1e-3);
    expect(distanceModulo(mdl, canonicalForm(mdl, theta), canonicalForm(mdl, flipped))).toBeGreaterThan(0.1);
    expect(symmetriesOf(mdl).filter((s) => s.holds).map((s) => s.name)).toEqual(['filter permutations', 'positive rescaling']);
  });

  it('tanh: the sign flip of one filter is a symmetry; rescaling is not', () => {
    const mdl = model('tanh');
    const theta = gauss(13, 18);
    const flipped = Float64Array.from(theta);
    for (const p of [3, 4, 5, 12, 13, 14]) flipped[p] = -flipped[p];
    expect(distanceModulo(mdl, canonicalForm(mdl, theta), canonicalForm(mdl, flipped))).toBeLessThan(1e-12);
    expect(symmetriesOf(mdl).filter((s) => s.holds).map((s) => s.name)).toEqual(['filter permutations', 'sign flip']);
  });

  it('a fixed output layer allows only the permutations that keep its rows', () => {
    const mdl: ModelSpec = { ...model('relu'), output: 'fixed' };
    const equal = new Float64Array(9).fill(1 / 3);
    const distinct = Float64Array.of(1, 1, 1, 2, 2, 2, 3, 3, 3);
    expect(symmetriesOf(mdl, equal).find((s) => s.name === 'filter permutations')!.holds).toBe(true);
    expect(symmetriesOf(mdl, distinct).find((s) => s.name === 'filter permutations')!.holds).toBe(false);
    const theta = gauss(14, 18);
    const swapped = Float64Array.from(theta);
    for (let u = 0; u < 3; u++) [swapped[u], swapped[3 + u]] = [swapped[3 + u], swapped[u]];
    expect(distanceModulo(mdl, canonicalForm(mdl, theta), canonicalForm(mdl, swapped), equal)).toBeLessThan(1e-12);
    expect(distanceModulo(mdl, canonicalForm(mdl, theta), canonicalForm(mdl, swapped), distinct)).toBeGreaterThan(0.1);
  });
});

/** The no-overlap model of Brutzkus & Globerson Sec. 5 (k patches of size m, fixed 1/k), teacher e₁. */
function noOverlap(k: number, m: number): Experiment {
  const w = new Float64Array(m);
  w[0] = 1;
  return {
    model: { d: k * m, m, stride: m, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false },
    teacher: { filters: 1, w, a: new Float64Array(k).fill(1 / k) },
    loss: { kind: 'population' },
    optimizer: { kind: 'gd', lr: 0.2 },
    init: { kind: 'sphere', aStd: 0 },
    restarts: 1,
    maxSteps: 0,
    seed: 1,
    outcome: DEFAULT_OUTCOME_RULE,
  };
}

function overlapTrap(k: number): Experiment {
  return { ...noOverlap(k, 2), model: { d: k + 1, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false }, teacher: bgOverlapTeacher(k), init: { kind: 'gaussian', std: 1 } };
}

describe('the papers’ known critical points, classified by their Hessian', () => {
  it('Du et al. Lemma 5.1: the angle-π point is degenerate (m − 1 zero angular directions) and a local minimum exactly where ⟨ã, a*⟩ < 0', () => {
    for (const k of Object.keys(DU_TABLE1).map(Number)) {
      DU_RATIOS.forEach((ratio, col) => {
        const exp = duCell({ k, ratio });
        const prep = prepare(exp);
        const objective = objectiveOf(prep)!;
        const a = duSpuriousOutput(exp.teacher.w, exp.teacher.a);
        const theta = Float64Array.from([...exp.teacher.w.map((x) => -x), ...a]);
        const h = classifyCriticalPoint(exp.model, objective, theta);
        const dot = a.reduce((s, v, i) => s + v * exp.teacher.a[i], 0);
        const label = `k=${k} ratio=${ratio} ⟨ã, a*⟩=${dot.toFixed(3)}`;
        expect(h.projected, label).toBe('1 weight-normalisation scale direction');
        expect([h.kind, h.zeros], label).toEqual(['degenerate', 5]);
        expect(h.beyondSecondOrder, label).toBe(dot < 0 ? 'minimum' : 'saddle');
        // Where it is no local minimum, Table 1 has P(global) = 1 (the converse fails once: k = 49,
        // ratio 16 has ⟨ã, a*⟩ = −0.008, a minimum whose basin the paper's 5000 runs never found).
        if (dot >= 0) expect(DU_TABLE1[k][col], label).toBe(1);
      });
    }
  });

  it('Brutzkus & Globerson Prop. 7.2: the overlap trap w̃ = −h/(h+1)·w* is a strict local minimum (k = 4: two positive eigenvalues)', () => {
    const exp = overlapTrap(4);
    const prep = prepare(exp);
    const objective = objectiveOf(prep)!;
    const c = bgH(4) / (bgH(4) + 1);
    const theta = Float64Array.from([c, -c, ...prep.fixedA]);
    expect(Math.hypot(...objective.evaluate(theta).grad)).toBeLessThan(1e-14);
    const h = classifyCriticalPoint(exp.model, objective, theta);
    expect(h.kind).toBe('minimum');
    expect(h.eigenvalues).toEqual([expect.closeTo(0.115908, 5), expect.closeTo(0.20512, 5)]);
  });

  it('Brutzkus & Globerson Prop. 5.1: the no-overlap saddle −c(k)·w* is degenerate — one positive eigenvalue γ/k² (L units), m − 1 zeros — and a saddle beyond second order', () => {
    for (const [k, m] of [[2, 5], [4, 2], [10, 5], [25, 3]]) {
      const exp = noOverlap(k, m);
      const prep = prepare(exp);
      const objective = objectiveOf(prep)!;
      const c = (k - 1) / (k - 1 + Math.PI);
      const theta = new Float64Array(m + k);
      theta[0] = -c;
      theta.set(prep.fixedA, m);
      expect(Math.hypot(...objective.evaluate(theta).grad)).toBeLessThan(1e-14);
      const h = classifyCriticalPoint(exp.model, objective, theta);
      const gamma = (k * k - k) / (2 * Math.PI) + k / 2;
      expect([h.kind, h.zeros, h.beyondSecondOrder], `k=${k} m=${m}`).toEqual(['degenerate', m - 1, 'saddle']);
      expect(h.eigenvalues.at(-1)).toBeCloseTo(gamma / (k * k), 8);
    }
  });
});

describe('polish and catalogue', () => {
  it('polishing a GD end point reaches the f64 floor of ‖∇L‖ at the nearby critical point', () => {
    const exp = { ...overlapTrap(4), maxSteps: 20000 };
    const prep = prepare(exp);
    const end = runRestart(prep, 0);
    expect(end.code === OUTCOME.global || end.code === OUTCOME.spurious).toBe(true);
    const p = polish(objectiveOf(prep)!, end.params, { gradTarget: 1e-12 * Math.sqrt(prep.lossRef) });
    expect(p.converged).toBe(true);
    expect(p.gradNorm).toBeLessThanOrEqual(1e-12 * Math.sqrt(prep.lossRef));
  });

  it('the overlap trap’s catalogue: two points, w* (global, at the teacher) and w̃ (spurious, a strict minimum), masses summing to the decided share', () => {
    const exp: Experiment = { ...overlapTrap(4), restarts: 120, maxSteps: 20000, outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e-6 } };
    const prep = prepare(exp);
    const ends = Array.from({ length: exp.restarts }, (_, r) => ({ restart: r, ...runRestart(prep, r) }));
    const cat = catalogue(prep, ends)!;
    const decided = ends.filter((e) => e.code === OUTCOME.global || e.code === OUTCOME.spurious).length;
    expect(cat.points.reduce((s, p) => s + p.restarts, 0) + cat.unclustered).toBe(decided);
    expect(cat.points.length).toBe(2);
    const global = cat.points.find((p) => p.outcome === 'global')!;
    const trap = cat.points.find((p) => p.outcome === 'spurious')!;
    expect(global.distanceToTeacher).toBeLessThan(1e-9);
    expect(global.hessian.kind).toBe('minimum');
    const c = bgH(4) / (bgH(4) + 1);
    expect(trap.representative[0]).toBeCloseTo(c, 10);
    expect(trap.representative[1]).toBeCloseTo(-c, 10);
    expect(trap.hessian.kind).toBe('minimum');
    for (const p of cat.points) {
      expect(p.polished).toBe(true);
      expect(p.ci95[0]).toBeLessThanOrEqual(p.mass);
      expect(p.ci95[1]).toBeGreaterThanOrEqual(p.mass);
    }
    // Every clustered end point carries its point's id.
    expect(cat.pointOf.size).toBe(decided - cat.unclustered);
    for (let e = 0; e < ends.length; e++) {
      const id = cat.pointOf.get(e);
      if (id) expect(cat.points[id - 1].labels[ends[e].code === OUTCOME.global ? 'global' : 'spurious']).toBeGreaterThan(0);
    }
  });
});

describe('catalogues of many problems and of per-restart output layers', () => {
  // The recovery fixture: per problem its own Zhong teacher and sample, and four supplied starts
  // with their own fixed output layers — 0 the permuted teacher, 1 the teacher perturbed, 2 the
  // teacher with one output sign flipped, 3 a random W with v = v*.
  const exp = recoveryExperiment(3);
  const prep = prepare(exp);
  const ends = Array.from({ length: exp.restarts }, (_, r) => ({ restart: r, ...runRestart(prep, r) }));
  const { k, d, starts } = FIXTURE;

  it('each problem is catalogued on its own loss: its teacher found (modulo permutation, output layer included), each point with its restarts’ own output layer', () => {
    const b = CatalogueBuilder.for(prep, {}, true)!;
    expect(b).toBeInstanceOf(ManyProblemsCatalogue);
    for (const e of ends) b.add(e);
    const cat = b.finish(exp.restarts);
    expect(cat.problems).toEqual({ catalogued: 3, of: 3 });
    expect(cat.symmetries.find((s) => s.name === 'filter permutations')!.holds).toBe(true);
    for (let p = 0; p < 3; p++) {
      const own = cat.points.filter((q) => q.problem!.index === p);
      const teacher = prep.problem(p);
      for (const q of own) expect(q.problem!.lossRef).toBe(teacher.lossRef);
      // Starts 0 and 1 reach the teacher of their own problem — another problem's would be far.
      const at = cat.pointOf.get(p * starts)!;
      expect(cat.pointOf.get(p * starts + 1)).toBe(at);
      const found = cat.points[at - 1];
      expect(found.problem!.index).toBe(p);
      expect(found.distanceToTeacher!).toBeLessThan(1e-6);
      expect(found.hessian.kind).toBe('minimum');
      // Each point keeps its restarts' own output layer (a per-restart layer is part of the point,
      // never replaced by the shared fixed one, which is all ones here).
      for (let st = 0; st < starts; st++) {
        const id = cat.pointOf.get(p * starts + st);
        if (id === undefined) continue; // undecided (start 2's flipped sign drifts for ever)
        const row = (exp.init as { params: Float64Array }).params.subarray((p * starts + st) * (k * d + k));
        // (modulo the permutation: the representative is the first member's, start 0 the permuted teacher)
        const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
        expect(sorted(cat.points[id - 1].representative.slice(k * d))).toEqual(sorted(row.subarray(k * d, k * d + k)));
      }
      // Masses are over the problem's own restarts.
      expect(own.reduce((s, q) => s + q.mass, 0)).toBeLessThanOrEqual(1 + 1e-12);
      expect(found.mass).toBeGreaterThanOrEqual(2 / starts);
    }
    // Some output layer differs from the shared fixed one, so the check above could fail.
    expect(cat.points.some((q) => q.representative.slice(k * d).some((v) => v !== 1))).toBe(true);
    // Problem 0's random start ends spurious: a point of its own, away from the teacher.
    const stuck = cat.points[cat.pointOf.get(3)! - 1];
    expect(stuck.outcome).toBe('spurious');
    expect(stuck.distanceToTeacher!).toBeGreaterThan(0.1);
    // Every restart's point belongs to the restart's problem.
    for (const [r, id] of cat.pointOf) expect(cat.points[id - 1].problem!.index).toBe(Math.floor(r / starts));
    expect(cat.points.map((q) => q.id)).toEqual(cat.points.map((_, i) => i + 1));
  });

  it('only the first problems are catalogued when asked, and the table says which', () => {
    const b = ManyProblemsCatalogue.for(prep, { problems: 2 })!;
    for (const e of ends) b.add(e);
    const cat = b.finish(exp.restarts);
    expect(cat.problems).toEqual({ catalogued: 2, of: 3 });
    expect(cat.total).toBe(2 * starts);
    expect(new Set(cat.points.map((q) => q.problem!.index))).toEqual(new Set([0, 1]));
    const table = criticalPointsTable([{ key: { cell: 1 }, catalogue: cat } as never])!;
    expect(table.rows.some((row) => row[0] === 'cell=1 problem=1')).toBe(true);
    expect(table.rows.at(-1)![2]).toBe('problems 2…2 not catalogued (the first 2 of 3 are)');
  });
});

describe('every preset’s result carries its catalogue', () => {
  it('bg-overlap-map on the CPU engine: the critical-points table, and each cell’s catalogue in the JSON', async () => {
    const gen = runExperiment('bg-overlap-map', { resolution: 11 }, { engine: cpuEngine() });
    let r = await gen.next();
    while (!r.done) r = await gen.next();
    const result = r.value;
    const table = result.tables.find((t) => t.id === CRITICAL_POINTS_TABLE)!;
    expect(table.rows.map((row) => row[2])).toEqual([expect.stringMatching(/^global \d+$/), expect.stringMatching(/^spurious \d+$/)]);
    const json = JSON.parse(resultJsonText(result));
    const points = json.cells[0].criticalPoints.points;
    expect(points.map((p: { hessian: { kind: string } }) => p.hessian.kind)).toEqual(['minimum', 'minimum']);
    expect(points.reduce((s: number, p: { restarts: number }) => s + p.restarts, 0)).toBe(result.cells[0].global + result.cells[0].spurious);
    // Opting out leaves the result as it was.
    const off = runExperiment('bg-overlap-map', { resolution: 11 }, { engine: cpuEngine(), catalogue: false });
    let o = await off.next();
    while (!o.done) o = await off.next();
    expect(o.value.tables.some((t) => t.id === CRITICAL_POINTS_TABLE)).toBe(false);
    expect(o.value.cells[0].catalogue).toBeUndefined();
  });
});
