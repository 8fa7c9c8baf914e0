/**
 * The catalogue of critical points a run found: its decided end points grouped into clusters
 * modulo the model's symmetries (src/core/symmetry.ts), each cluster's representative polished in
 * f64 (src/core/polish.ts) and classified by its Hessian's spectrum with the symmetry directions
 * projected out (src/core/hessian.ts). Each cluster's size over all restarts is the mass of its
 * basin, with a Wilson interval.
 *
 * How end points are grouped: in order, each end point joins the first cluster it is within
 * `joinTol` of (relative: joinTol·(1 + ‖representative‖), modulo symmetry) of an exemplar — an
 * earlier end point that polished into it — or within the cluster's radius of its polished
 * representative: joinTol at first, widened to the farthest exemplar, so that only distances a
 * polish has shown to lead to this point are taken on trust. Otherwise it is polished; if that
 * lands on an existing cluster's point (within `mergeTol`, relative) it becomes that cluster's
 * exemplar, else it founds a new cluster. Exemplars let the end points of a wide
 * basin bottom (a trap's cone, a flat valley) join without a polish each; `maxPolishes` bounds
 * the work, and end points beyond it are counted as unclustered. Diverged and undecided restarts
 * have no critical point and are counted apart.
 *
 * The Hessian's classification, with its tolerance stated: an eigenvalue is zero when
 * |λ| ≤ zeroTol·max|λ| (the spectrum extrapolated from two difference steps); a minimum has every eigenvalue positive, a strict saddle at least
 * one negative (its index: how many), a degenerate point none negative and some zero
 * (Brutzkus & Globerson's footnote 6), a maximum every one negative. A degenerate point is probed
 * beyond second order along its zero directions (the loss at ±ε along each, for two ε): Du et
 * al.'s spurious point and Brutzkus & Globerson's no-overlap saddle are both degenerate — the
 * kernel's h(π − φ) = φ³/3 makes the loss cubic in the angle there — and only the probe tells the
 * local minimum (Du et al.'s Lemma 5.1 condition) from the saddle (their Prop. 5.1).
 */
import type { ModelSpec } from './model.ts';
import { shapeOf } from './model.ts';
import { OUTCOME, OUTCOME_NAMES, type OutcomeCode, type OutcomeName } from './outcome.ts';
import { type Prepared, problemPrepared } from './prepare.ts';
import { wilsonInterval } from './stats.ts';
import { complementBasis, hessianByDifferences, restrictTo, symmetricEigen } from './hessian.ts';
import { type ObjectiveOf, objectiveOf, polish } from './polish.ts';
import { type FixedOutput, type Symmetry, canonicalForm, distanceModulo, symmetriesOf, symmetryDirections } from './symmetry.ts';
import { keepsSuppliedOutput } from './experiment.ts';
import { problemCount, problemOf, restartsPerProblem } from './problems.ts';

/** One restart's end: its outcome and final parameter row. */
export interface EndPoint {
  restart: number;
  code: OutcomeCode;
  params: ArrayLike<number>;
}

export type HessianKind = 'minimum' | 'strict saddle' | 'degenerate' | 'maximum';

export interface HessianSummary {
  /** Ascending, over the free coordinates less the projected symmetry directions. */
  eigenvalues: number[];
  kind: HessianKind;
  /** Negative eigenvalues. */
  index: number;
  /** Zero eigenvalues (beyond the projected ones). */
  zeros: number;
  /** |λ| ≤ this is zero. */
  zeroThreshold: number;
  /** What was projected out before the spectrum was taken, e.g. "1 weight-normalisation scale direction". */
  projected: string;
  /**
   * For a degenerate point, what the loss does along its zero directions beyond second order
   * (probeDegenerate): 'minimum' if it rises along every one, 'saddle' if it falls along some,
   * 'flat' if it does neither within f64 resolution (a valley of critical points).
   */
  beyondSecondOrder?: 'minimum' | 'saddle' | 'flat';
}

export interface CriticalPoint {
  /** 1, 2, …, by decreasing mass. */
  id: number;
  /** The outcome most of its restarts were labelled with, and how many carry each label. */
  outcome: OutcomeName;
  labels: Partial<Record<OutcomeName, number>>;
  restarts: number;
  /** restarts / all restarts of the run, and its 95% Wilson interval. */
  mass: number;
  ci95: [number, number];
  /** At the polished representative. */
  loss: number;
  lossOverRef: number;
  gradNorm: number;
  /** ‖∇L‖ reached the polish's target (gradTarget·√L_ref). */
  polished: boolean;
  /** To the teacher's parameters modulo symmetry (null where the teacher is not a point of this model). */
  distanceToTeacher: number | null;
  /** Largest distance (modulo symmetry) of a member's unpolished end point to the representative. */
  spread: number;
  hessian: HessianSummary;
  representative: number[];
  /** In a many-problem run (experiment.problems): the problem whose loss this point is critical for, and its L_ref. */
  problem?: { index: number; lossRef: number };
}

export interface CatalogueOptions {
  /** Polish to ‖∇L‖ ≤ gradTarget·√L_ref. */
  gradTarget: number;
  joinTol: number;
  mergeTol: number;
  zeroTol: number;
  /** Most end points polished (each a few f64 Hessians); the rest that join no cluster are unclustered. */
  maxPolishes: number;
  /** Most exemplars kept per cluster. */
  maxExemplars: number;
  /**
   * A many-problem run catalogues its first this many problems (ManyProblemsCatalogue). Each is a
   * catalogue of its own — a polish per end point at least, f64 Hessians of its loss costing
   * ~P²·n each (P parameters, n samples) — so a cell of thousands of problems catalogues a few.
   * Problems are drawn alike: the first ones are a fair sample.
   */
  problems: number;
}

export const DEFAULT_CATALOGUE: CatalogueOptions = { gradTarget: 1e-12, joinTol: 2e-2, mergeTol: 1e-3, zeroTol: 1e-6, maxPolishes: 64, maxExemplars: 32, problems: 8 };

export interface Catalogue {
  /**
   * What was minimised (polish.ts objectiveOf), and its L_ref (the scale of every tolerance). In a
   * many-problem run, each catalogued problem's own loss: lossRef is the first one's, and each
   * point carries its problem's (CriticalPoint.problem).
   */
  objective: string;
  lossRef: number;
  /** A many-problem run catalogues its first problems only, each apart (ManyProblemsCatalogue). */
  problems?: { catalogued: number; of: number };
  points: CriticalPoint[];
  /** Restarts with no critical point (diverged, undecided), and decided ones left unclustered. */
  diverged: number;
  undecided: number;
  unclustered: number;
  /** Restarts catalogued (in a many-problem run: those of the catalogued problems; each point's mass is over its problem's). */
  total: number;
  symmetries: Symmetry[];
  options: CatalogueOptions;
  /**
   * Restart → the id of its critical point (restarts with none are absent); empty unless the
   * builder was asked to track restarts (a basin map needs it; a run of 10⁷ restarts must not).
   */
  pointOf: Map<number, number>;
}

/** The teacher as a parameter row of the student's model, when it is one (same filters and patches). */
export function teacherRow(prep: Prepared): Float64Array | null {
  const { exp, shape } = prep;
  if (exp.teacher.filters !== shape.F) return null;
  const row = new Float64Array(shape.P);
  row.set(exp.teacher.w, 0);
  if (exp.model.output === 'learned') row.set(exp.teacher.a, shape.aOffset);
  else if (exp.model.output === 'sign') {
    // A sign-projected output layer: the teacher is a point of the model only if a* is a row of signs.
    if (!exp.teacher.a.every((x) => x === 1 || x === -1)) return null;
    row.set(exp.teacher.a, shape.aOffset);
  } else if (keepsSuppliedOutput(exp)) {
    // Each restart's own fixed layer is part of its point (symmetry.ts 'per-restart'): the teacher's a* is.
    row.set(exp.teacher.a, shape.aOffset);
  } else {
    // A fixed output layer: the teacher is a point of the model only if its a* is that layer.
    for (let q = 0; q < prep.fixedA.length; q++) if (Math.abs(prep.fixedA[q] - exp.teacher.a[q]) > 1e-12) return null;
    row.set(prep.fixedA, shape.aOffset);
  }
  return row;
}

/** The finite-difference step of the Hessian (relative to max(1, |θ_p|)); a second at a quarter of it. */
export const HESSIAN_STEP = 1e-5;

/** The Hessian's spectrum at `params` with the continuous symmetries projected out, classified. */
export function classifyCriticalPoint(model: ModelSpec, objective: ObjectiveOf, params: Float64Array, zeroTol = DEFAULT_CATALOGUE.zeroTol): HessianSummary {
  const n = objective.free;
  const sym = symmetryDirections(model, params, n);
  const { basis, k } = complementBasis(sym.directions, n);
  // The spectrum at two difference steps, extrapolated to step 0: where the loss is only C² (the
  // arc-cosine kernel at angle π is cubic in |φ|, whose third derivative jumps) the differences err
  // by O(step), not O(step²), and that error alone would read as a small nonzero eigenvalue.
  const spectrum = (step: number) => symmetricEigen(restrictTo(hessianByDifferences((t) => objective.evaluate(t).grad, params, n, step), n, basis, k), k);
  const coarse = spectrum(HESSIAN_STEP);
  const fine = spectrum(HESSIAN_STEP / 4);
  const values = fine.values.map((v, c) => (4 * v - coarse.values[c]) / 3);
  const vectors = fine.vectors;
  let largest = 0;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  const zeroThreshold = zeroTol * largest;
  const index = values.filter((v) => v < -zeroThreshold).length;
  const zeros = values.filter((v) => Math.abs(v) <= zeroThreshold).length;
  const kind: HessianKind = index === k && k > 0 ? 'maximum' : index > 0 ? 'strict saddle' : zeros > 0 ? 'degenerate' : 'minimum';
  const summary: HessianSummary = { eigenvalues: Array.from(values), kind, index, zeros, zeroThreshold, projected: sym.name };
  if (kind === 'degenerate') {
    // The zero eigenvectors, back in parameter coordinates (basis · e_c).
    const dirs: Float64Array[] = [];
    for (let c = 0; c < k; c++) {
      if (Math.abs(values[c]) > zeroThreshold) continue;
      const u = new Float64Array(params.length);
      for (let p = 0; p < n; p++) for (let r = 0; r < k; r++) u[p] += basis[p * k + r] * vectors[r * k + c];
      dirs.push(u);
    }
    summary.beyondSecondOrder = probeDegenerate(objective, params, dirs);
  }
  return summary;
}

/**
 * The loss at θ ± ε·u along each unit direction u, for ε = 1e-2 and 1e-3 times (1 + ‖θ‖): it
 * rises along all (a minimum to higher order), falls along some (a saddle), or neither beyond
 * f64 resolution (flat). Along a zero-curvature direction a change is O(ε³) or smaller, so ε is
 * far above the f64 floor (ε³ ~ 1e-9 against a loss resolved to ~1e-16 relative).
 */
export function probeDegenerate(objective: ObjectiveOf, params: Float64Array, dirs: Float64Array[]): 'minimum' | 'saddle' | 'flat' {
  const base = objective.evaluate(params).loss;
  const noise = 1e-13 * Math.max(Math.abs(base), 1e-300) + 1e-300;
  const scale = 1 + l2(params);
  let rises = 0;
  let probes = 0;
  for (const u of dirs) {
    for (const eps of [1e-2 * scale, 1e-3 * scale]) {
      for (const sign of [1, -1]) {
        const x = Float64Array.from(params, (v, p) => v + sign * eps * u[p]);
        const change = objective.evaluate(x).loss - base;
        probes++;
        if (change < -noise) return 'saddle';
        if (change > noise) rises++;
      }
    }
  }
  return rises === probes ? 'minimum' : 'flat';
}

const l2 = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

interface Cluster {
  canon: Float64Array;
  exemplars: Float64Array[];
  /** End points this close to the representative join it: joinTol·scale, widened by each exemplar. */
  radius: number;
  scale: number;
  polished: ReturnType<typeof polish>;
  restarts: number;
  labels: Partial<Record<OutcomeName, number>>;
  spread: number;
}

/**
 * Builds a catalogue from end points as they arrive (a wave at a time: a run of 10⁶ restarts never
 * holds more than its clusters), then finish() merges, polishes' results are classified, and the
 * points are ranked by mass.
 */
/** What a run's end points are handed to: one catalogue, or one per problem (ManyProblemsCatalogue). */
export interface EndPointCatalogue {
  add(e: EndPoint): void;
  /** The catalogue of everything added; `total` counts all the run's restarts given to it. */
  finish(total: number): Catalogue;
}

export class CatalogueBuilder implements EndPointCatalogue {
  private readonly o: CatalogueOptions;
  private readonly objective: ObjectiveOf;
  private readonly model: ModelSpec;
  /** The shared fixed output layer, restored into each row; 'per-restart': each row keeps its own. */
  private readonly fixedA?: FixedOutput;
  private readonly target: number;
  private readonly clusters: Cluster[] = [];
  /** Per restart, the index of its cluster (only when tracking: memory linear in the restarts). */
  private readonly clusterOf = new Map<number, number>();
  private diverged = 0;
  private undecided = 0;
  private unclustered = 0;
  private polishes = 0;

  /**
   * null where the experiment has no deterministic objective to polish on (polish.ts objectiveOf).
   * `trackRestarts`: keep which point each restart ended at (finish()'s pointOf), e.g. to colour
   * a basin map; without it the builder holds only its clusters, however many restarts arrive.
   */
  static for(prep: Prepared, opts: Partial<CatalogueOptions> = {}, trackRestarts = false): EndPointCatalogue | null {
    if (prep.exp.problems !== undefined) return ManyProblemsCatalogue.for(prep, opts, trackRestarts);
    const objective = objectiveOf(prep);
    return objective && new CatalogueBuilder(prep, objective, { ...DEFAULT_CATALOGUE, ...opts }, trackRestarts);
  }

  private constructor(
    private readonly prep: Prepared,
    objective: ObjectiveOf,
    o: CatalogueOptions,
    private readonly trackRestarts: boolean,
  ) {
    this.o = o;
    this.objective = objective;
    this.model = prep.exp.model;
    this.fixedA = keepsSuppliedOutput(prep.exp) ? 'per-restart' : this.model.output === 'fixed' ? prep.fixedA : undefined;
    this.target = o.gradTarget * Math.sqrt(prep.lossRef);
  }

  /** The parameter row in f64, with a fixed output layer in place (the GPU leaves it as initialised). */
  private row(p: ArrayLike<number>): Float64Array {
    const { P, aOffset } = this.prep.shape;
    const r = Float64Array.from({ length: P }, (_, i) => p[i]);
    if (this.fixedA && this.fixedA !== 'per-restart') r.set(this.fixedA, aOffset);
    return r;
  }

  add(e: EndPoint): void {
    if (e.code === OUTCOME.diverged) return void this.diverged++;
    if (e.code === OUTCOME.undecided || e.code === OUTCOME.running) return void this.undecided++;
    const { model, fixedA, o } = this;
    const canon = canonicalForm(model, this.row(e.params));
    const near = (c: Cluster) => {
      const tol = o.joinTol * c.scale;
      return distanceModulo(model, canon, c.canon, fixedA) <= c.radius || c.exemplars.some((x) => distanceModulo(model, canon, x, fixedA) <= tol);
    };
    let at = this.clusters.findIndex(near);
    if (at < 0) {
      if (this.polishes >= o.maxPolishes) return void this.unclustered++;
      this.polishes++;
      const polished = polish(this.objective, this.row(e.params), { gradTarget: this.target });
      const pc = canonicalForm(model, polished.params);
      at = this.clusters.findIndex((c) => distanceModulo(model, pc, c.canon, fixedA) <= o.mergeTol * c.scale);
      if (at >= 0) {
        const c = this.clusters[at];
        if (c.exemplars.length < o.maxExemplars) c.exemplars.push(canon);
        c.radius = Math.max(c.radius, distanceModulo(model, canon, c.canon, fixedA));
      } else {
        const scale = 1 + l2(pc);
        this.clusters.push({ canon: pc, exemplars: [], radius: o.joinTol * scale, scale, polished, restarts: 0, labels: {}, spread: 0 });
        at = this.clusters.length - 1;
      }
    }
    const c = this.clusters[at];
    c.restarts++;
    const name = OUTCOME_NAMES[e.code];
    c.labels[name] = (c.labels[name] ?? 0) + 1;
    c.spread = Math.max(c.spread, distanceModulo(model, canon, c.canon, fixedA));
    if (this.trackRestarts) this.clusterOf.set(e.restart, at);
  }

  /** The catalogue of everything added; `total` counts all the run's restarts (the masses' denominator). */
  finish(total: number): Catalogue {
    const { model, fixedA, o, clusters, prep } = this;
    const kept = clusters.map((c, i) => ({ c, i })).sort((x, y) => y.c.restarts - x.c.restarts);

    const teacher = teacherRow(prep);
    const teacherCanon = teacher && canonicalForm(model, teacher);
    const idOf = new Map<number, number>();
    const points: CriticalPoint[] = kept.map(({ c, i }, rank) => {
      idOf.set(i, rank + 1);
      const labels = (Object.entries(c.labels) as [OutcomeName, number][]).sort((x, y) => y[1] - x[1]);
      return {
        id: rank + 1,
        outcome: labels[0][0],
        labels: c.labels,
        restarts: c.restarts,
        mass: c.restarts / total,
        ci95: wilsonInterval(c.restarts, total),
        loss: c.polished.loss,
        lossOverRef: c.polished.loss / prep.lossRef,
        gradNorm: c.polished.gradNorm,
        polished: c.polished.converged,
        distanceToTeacher: teacherCanon ? distanceModulo(model, c.canon, teacherCanon, fixedA) : null,
        spread: c.spread,
        hessian: classifyCriticalPoint(model, this.objective, c.polished.params, o.zeroTol),
        representative: Array.from(c.polished.params),
      };
    });
    const pointOf = new Map<number, number>();
    for (const [restart, at] of this.clusterOf) pointOf.set(restart, idOf.get(at)!);
    return {
      objective: this.objective.name,
      lossRef: prep.lossRef,
      points,
      diverged: this.diverged,
      undecided: this.undecided,
      unclustered: this.unclustered,
      total,
      symmetries: symmetriesOf(model, fixedA),
      options: o,
      pointOf,
    };
  }
}

/**
 * The catalogues of a many-problem run (experiment.problems): each problem minimises its own loss
 * (its teacher, its sample), so its end points are clustered, polished and classified apart
 * (prepare.ts problemPrepared), for its first `problems` (CatalogueOptions); the result lists every
 * catalogued problem's points, each with its problem, its mass over that problem's restarts.
 */
export class ManyProblemsCatalogue implements EndPointCatalogue {
  private readonly builders: EndPointCatalogue[] = [];
  private readonly perProblem: number;
  private readonly catalogued: number;

  static for(prep: Prepared, opts: Partial<CatalogueOptions> = {}, trackRestarts = false): ManyProblemsCatalogue | null {
    const o = { ...DEFAULT_CATALOGUE, ...opts };
    return objectiveOf(problemPrepared(prep, 0)) && new ManyProblemsCatalogue(prep, Math.min(o.problems, problemCount(prep.exp)), o, trackRestarts);
  }

  private constructor(
    private readonly prep: Prepared,
    catalogued: number,
    private readonly o: CatalogueOptions,
    private readonly trackRestarts: boolean,
  ) {
    this.perProblem = restartsPerProblem(prep.exp);
    this.catalogued = catalogued;
  }

  add(e: EndPoint): void {
    const p = problemOf(this.prep.exp, e.restart);
    if (p >= this.catalogued) return;
    // Problems arrive in order (a wave is a contiguous range of restarts): build each when first seen.
    for (let q = this.builders.length; q <= p; q++) this.builders.push(this.builderOf(q));
    this.builders[p].add({ ...e, restart: e.restart - p * this.perProblem });
  }

  private builderOf(p: number): EndPointCatalogue {
    // Every problem has the same kind of loss as problem 0, which has an objective (for, above).
    return CatalogueBuilder.for(problemPrepared(this.prep, p), this.o, this.trackRestarts)!;
  }

  finish(total: number): Catalogue {
    const n = Math.min(this.catalogued, Math.ceil(total / this.perProblem));
    for (let q = this.builders.length; q < n; q++) this.builders.push(this.builderOf(q));
    const parts = this.builders.slice(0, n).map((b, p) => ({ p, cat: b.finish(this.perProblem) }));
    const points: CriticalPoint[] = [];
    const pointOf = new Map<number, number>();
    let diverged = 0;
    let undecided = 0;
    let unclustered = 0;
    for (const { p, cat } of parts) {
      const offset = points.length;
      for (const pt of cat.points) points.push({ ...pt, id: offset + pt.id, problem: { index: p, lossRef: cat.lossRef } });
      for (const [r, id] of cat.pointOf) pointOf.set(p * this.perProblem + r, offset + id);
      diverged += cat.diverged;
      undecided += cat.undecided;
      unclustered += cat.unclustered;
    }
    const head = parts[0]?.cat;
    return {
      objective: `${head?.objective ?? 'loss'}, per problem`,
      lossRef: head?.lossRef ?? this.prep.lossRef,
      problems: { catalogued: n, of: problemCount(this.prep.exp) },
      points,
      diverged,
      undecided,
      unclustered,
      total: n * this.perProblem,
      symmetries: head?.symmetries ?? [],
      options: this.o,
      pointOf,
    };
  }
}

/** The catalogue of the end points of one run of `prep` (module comment); `total` counts all its restarts. */
export function catalogue(prep: Prepared, ends: EndPoint[], total = ends.length, opts: Partial<CatalogueOptions> = {}): Catalogue | null {
  // The end points are all in memory already: keeping which point each reached costs nothing more.
  const b = CatalogueBuilder.for(prep, opts, true);
  if (!b) return null;
  for (const e of ends) b.add(e);
  return b.finish(total);
}
