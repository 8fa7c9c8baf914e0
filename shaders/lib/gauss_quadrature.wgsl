// lib/gauss_quadrature.wgsl — the pair expectations of the smooth activations (sigmoid, tanh), for
// which κ has no closed form: src/core/pair-kernels.ts pairExpectations in f32, same reduction, same
// panels, same rule. X = n₁z and Y = (ρ/n₁)z + τy (τ² = n₂² − ρ²/n₁², the larger norm as n₁), each
// of the two nested Gaussian integrals by Gauss–Legendre of order QUADRATURE_ORDER on the panels of
// src/core/gaussian-quadrature.ts panelBreaks: the multiples of COARSE_PANEL on [−GAUSS_RANGE,
// GAUSS_RANGE] and, graded towards the integrand's fast point z0, z0 and z0 ± h·2^k while the step is
// below COARSE_PANEL.
//
// Why the breaks are walked rather than listed. The CPU collects them, sorts them and drops
// coincident ones; here both sets are already sorted (the coarse grid, and the graded points
// clamped into the range), so the walk merges them on the fly in a few registers, with no private
// array and no sort per integral. A coincident or clamped break gives an empty panel, which is
// skipped; what is left is the CPU's set of panels.
// The nodes and weights come from the host (host/contract.ts quadratureConstants), not from Newton's
// method here: so they are the CPU's f64 values rounded once to f32, exactly.
// provides: const SMOOTH_CLAMP, const MAX_GRADED_STEPS, const PAST_RANGE, struct Panels
// provides: fn panels_start, fn graded_break, fn panels_next, fn gauss_node, fn smooth_act, fn inner_expectations, fn pair_expectations
// expects: const ACT, const ACT_SIGMOID, const GL_NODES, const GL_WEIGHTS, const QUADRATURE_ORDER
// expects: const GAUSS_RANGE, const COARSE_PANEL, const INV_SQRT_2PI

// |v| beyond which σ is evaluated at ±SMOOTH_CLAMP: there sigmoid is within 5e-18 of 0 or 1 and tanh
// of ±1, while exp(2v) still fits in f32 (tanh(v) may be computed as (e^{2v} − 1)/(e^{2v} + 1),
// NaN once e^{2v} overflows; arguments reach n₁·GAUSS_RANGE = 512).
const SMOOTH_CLAMP: f32 = 40.0;
// Graded steps each side are log2(COARSE_PANEL / h) ≤ 7 for norms within QUADRATURE_NORM_LIMIT; the
// cap only keeps a loop bounded whatever the input (an endless loop loses the device).
const MAX_GRADED_STEPS: u32 = 32u;
// Beyond every break: what an exhausted list of breaks answers.
const PAST_RANGE: f32 = 4.0 * GAUSS_RANGE;

// A walk over the panels of panelBreaks(z0, h): the current panel [lo, hi] and the next break of
// each sorted set.
struct Panels {
  lo: f32,
  hi: f32,
  z0: f32,
  h: f32,
  coarse: u32,   // the next coarse break is −GAUSS_RANGE + COARSE_PANEL·coarse
  graded: u32,   // the next graded break is graded_break(graded), of `count`
  count: u32,    // 2·steps + 1 graded breaks, or none when z0 is outside (−GAUSS_RANGE, GAUSS_RANGE)
  steps: u32,
}

fn panels_start(z0: f32, h: f32) -> Panels {
  var steps = 0u;
  for (var s = h; s < COARSE_PANEL && steps < MAX_GRADED_STEPS; s *= 2.0) { steps++; }
  let inside = z0 > -GAUSS_RANGE && z0 < GAUSS_RANGE;
  return Panels(-GAUSS_RANGE, -GAUSS_RANGE, z0, h, 1u, 0u, select(0u, 2u * steps + 1u, inside), steps);
}

// Graded break i in ascending order: z0 − h·2^(steps−1), …, z0 − h, z0, z0 + h, …, z0 + h·2^(steps−1),
// clamped into the range (the CPU drops those outside; clamped, they make empty panels).
fn graded_break(p: Panels, i: u32) -> f32 {
  let k = i32(i) - i32(p.steps);
  if (k == 0) { return p.z0; }
  let step = p.h * exp2(f32(abs(k) - 1));
  return clamp(p.z0 + select(-step, step, k > 0), -GAUSS_RANGE, GAUSS_RANGE);
}

// Moves to the next non-empty panel; false when there is none.
fn panels_next(p: ptr<function, Panels>) -> bool {
  let last = u32(round(2.0 * GAUSS_RANGE / COARSE_PANEL));
  loop {
    let c = select(PAST_RANGE, -GAUSS_RANGE + COARSE_PANEL * f32((*p).coarse), (*p).coarse <= last);
    let g = select(PAST_RANGE, graded_break(*p, (*p).graded), (*p).graded < (*p).count);
    let z = min(c, g);
    if (z >= PAST_RANGE) { return false; }
    if (c == z) { (*p).coarse++; }
    if (g == z) { (*p).graded++; }
    if (z > (*p).hi) {
      (*p).lo = (*p).hi;
      (*p).hi = z;
      return true;
    }
  }
}

// Node k of the current panel and its weight for E over N(0, 1): (z, ½·width·w_k·φ(z)).
fn gauss_node(p: Panels, k: u32) -> vec2f {
  let half = 0.5 * (p.hi - p.lo);
  let z = 0.5 * (p.lo + p.hi) + half * GL_NODES[k];
  return vec2f(z, half * GL_WEIGHTS[k] * exp(-0.5 * z * z) * INV_SQRT_2PI);
}

// (σ(v), σ'(v), σ''(v)) of sigmoid or tanh, one exp or tanh each (the quadrature's hot path).
fn smooth_act(v: f32) -> vec3f {
  let x = clamp(v, -SMOOTH_CLAMP, SMOOTH_CLAMP);
  if (ACT == ACT_SIGMOID) {
    let e = 1.0 / (1.0 + exp(-x));
    let d = e * (1.0 - e);
    return vec3f(e, d, d * (1.0 - 2.0 * e));
  }
  let t = tanh(x);
  let d = 1.0 - t * t;
  return vec3f(t, d, -2.0 * t * d);
}

// (E σ(Y), E σ'(Y), E σ''(Y)) over y ~ N(0, 1), Y = a + τy: graded towards y = −a/τ, where Y = 0.
fn inner_expectations(a: f32, tau: f32) -> vec3f {
  if (tau == 0.0) { return smooth_act(a); }
  var panels = panels_start(-a / tau, 1.0 / tau);
  var acc = vec3f(0.0);
  while (panels_next(&panels)) {
    for (var l = 0u; l < QUADRATURE_ORDER; l++) {
      let y = gauss_node(panels, l);
      acc += y.y * smooth_act(a + tau * y.x);
    }
  }
  return acc;
}

// (E σσ, E σ'σ', E σ''(X)σ(Y), E σ(X)σ''(Y)) for X of norm n1, Y of norm n2, E[XY] = rho.
fn pair_expectations(n1: f32, n2: f32, rho: f32) -> vec4f {
  // The reduction takes the larger norm as the outer variable; the two mixed terms swap with it.
  let swap = n1 < n2;
  let big = max(n1, n2);
  let small = min(n1, n2);
  if (big == 0.0) {
    let s = smooth_act(0.0);
    return vec4f(s.x * s.x, s.y * s.y, s.z * s.x, s.x * s.z);
  }
  let tau = sqrt(max(0.0, small * small - rho * rho / (big * big)));
  var panels = panels_start(0.0, 1.0 / big);
  var acc = vec4f(0.0);
  while (panels_next(&panels)) {
    for (var k = 0u; k < QUADRATURE_ORDER; k++) {
      let z = gauss_node(panels, k);
      let g = inner_expectations((rho / big) * z.x, tau);
      let s = smooth_act(big * z.x);
      acc += z.y * vec4f(s.x * g.x, s.y * g.y, s.z * g.x, s.x * g.z);
    }
  }
  return select(acc, acc.xywz, swap);
}
