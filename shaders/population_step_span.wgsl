// population_step_span.wgsl — fused population-loss gradient descent for one student and one
// teacher filter over non-overlapping patches (Du et al.'s model, Brutzkus & Globerson's
// non-overlapping case), on the low-dimensional subspace the dynamics never leave. Same
// algorithm, same outcome rule and same results as population_step.wgsl; O(1) work per step
// instead of O(K + M).
//
// Why it is exact. With s ≥ m the population loss depends on the output layer only through ‖a‖²,
// 1ᵀa and aᵀa*, and on the filter only through ‖w‖ and wᵀw* (src/core/population.ts with the band
// reduced to δ = 0). Its gradients are therefore ∇_a L = α a + β 1 + γ a* and
// ∇_w L = q w + c w* + c' w/‖w‖, so a GD step keeps a in span{a, 1, a*} and v in span{v, w*}.
// At a restart's first step we take orthonormal bases of those spans from its initial point,
//   a-basis e1 = a*/‖a*‖, e2 ∝ 1 − (1ᵀe1)e1, e3 ∝ the rest of a;   v-basis f1 = w*/‖w*‖, f2 ∝ the rest of v,
// and run every step on the five coordinates (the bases are orthonormal, so norms and angles are
// those of the coordinates). The outcome rule's trap point enters through its inner products
// with the basis vectors.
//
// Why the coordinates, not the full vectors, carry a restart from chunk to chunk: a basis re-taken
// from the rounded full vectors at each chunk made the f32 result depend on where chunks fall, and
// so on the host's pacing (same seed, different end points). So the coordinates, e3, f2 and the
// bases' scalars live in the restart's row of `accum` (SPAN_ROW floats: f2 and e3 where v and a sit
// in `params`, then SPAN_SCALARS), and each later chunk resumes from them in O(1) rather than
// O(K + M). The full vectors are derived output, written when the restart is decided and, for the
// rows a trace copies (r < cfg.traceRows), after every chunk.
//
// Applies when F = FT = 1, S ≥ M, GD (AdaGrad's per-coordinate scaling leaves the span, and
// `accum` is free), for an output layer that is not sign-projected (the projection leaves the span
// too); the host picks it (host/kernels.ts stepKernelFor) and sizes `accum` for it.
// provides: const INV_2PI, const PI, const SELF_DIAG, const S_C, const S_D, const S_NA, const S_SA, const S_S1
// provides: const S_R2, const S_NW, const S_T, const S_TT, const S_Q, const S_NQ
// provides: fn teacher_a, fn inv, fn span_start, fn write_full, fn main
// expects: const M, const K, const P, const A_OFF, const C_TW, const C_TA, const C_TRAP_W, const C_TRAP_A
// expects: const LEARNED, const WEIGHT_NORM, const STEP_WORKGROUP, const SPAN_ROW
// expects: const OUTCOME_RUNNING, const OUTCOME_GLOBAL, const OUTCOME_SPURIOUS, const OUTCOME_DIVERGED
// expects: var cfg, var state, var params, var consts, var accum, fn is_finite, fn settle

const INV_2PI: f32 = 0.15915494309189535;
const PI: f32 = 3.141592653589793;
const SELF_DIAG: f32 = 0.5 - 0.15915494309189535; // κ(w, w)/‖w‖² − 1/2π

fn teacher_a(i: u32) -> f32 { return consts[C_TA + i]; }

// Scalars of a restart's row of `accum`, after its f2 and e3 (P floats): see the header.
const S_C = 0u;      // c1, c2, c3: a in the a-basis
const S_D = 3u;      // d1, d2: v in the v-basis
const S_NA = 5u;     // ‖a*‖, 1ᵀa*, 1ᵀe1, 1ᵀe2
const S_SA = 6u;
const S_S1 = 7u;
const S_R2 = 8u;
const S_NW = 9u;     // ‖w*‖
const S_T = 10u;     // the trap's a: its inner products with e1, e2, e3, and its ‖·‖²
const S_TT = 13u;
const S_Q = 14u;     // the trap's filter: its inner products with f1, f2, and its ‖·‖
const S_NQ = 16u;

fn inv(x: f32) -> f32 { return select(0.0, 1.0 / x, x > 0.0); }

// The bases of restart r from its initial point in `params` (row), into its row of `accum` (base).
fn span_start(row: u32, base: u32) {
  let S = base + P;
  // --- The a-basis and the coordinates of a, 1, a* and the trap's a in it. ---
  var nA2 = 0.0;
  var sA = 0.0;
  for (var i = 0u; i < K; i++) { let x = teacher_a(i); nA2 += x * x; sA += x; }
  let nA = sqrt(nA2);
  let inv_nA = inv(nA);
  let s1 = sA * inv_nA;                                   // 1ᵀe1
  var r2 = sqrt(max(f32(K) - s1 * s1, 0.0));              // 1ᵀe2 (0 when 1 ∥ a*)
  if (r2 <= 1e-4 * sqrt(f32(K))) { r2 = 0.0; }
  let inv_r2 = inv(r2);
  // e1[i] = a*_i/‖a*‖,  e2[i] = (1 − s1·e1[i])/r2
  var c1 = 0.0;
  var c2 = 0.0;
  for (var i = 0u; i < K; i++) {
    let a = params[row + A_OFF + i];
    let e1 = teacher_a(i) * inv_nA;
    c1 += a * e1;
    c2 += a * (1.0 - s1 * e1) * inv_r2;
  }
  var res2 = 0.0;
  for (var i = 0u; i < K; i++) {
    let e1 = teacher_a(i) * inv_nA;
    let e = params[row + A_OFF + i] - c1 * e1 - c2 * (1.0 - s1 * e1) * inv_r2;
    accum[base + A_OFF + i] = e;
    res2 += e * e;
  }
  let c3 = sqrt(res2);
  let inv_c3 = inv(c3);
  for (var i = 0u; i < K; i++) { accum[base + A_OFF + i] *= inv_c3; } // e3
  var t = vec3f(0.0);
  var tt = 0.0;
  if (cfg.trapHasA != 0u) {
    for (var i = 0u; i < K; i++) {
      let e1 = teacher_a(i) * inv_nA;
      let x = consts[C_TRAP_A + i];
      t += x * vec3f(e1, (1.0 - s1 * e1) * inv_r2, accum[base + A_OFF + i]);
      tt += x * x;
    }
  }

  // --- The v-basis: f1 = w*/‖w*‖, f2 = the rest of v; the trap filter's coordinates. ---
  var nW2 = 0.0;
  var d1 = 0.0;
  for (var u = 0u; u < M; u++) { let x = consts[C_TW + u]; nW2 += x * x; d1 += x * params[row + u]; }
  let nW = sqrt(nW2);
  let inv_nW = inv(nW);
  d1 *= inv_nW;
  var vres2 = 0.0;
  for (var u = 0u; u < M; u++) { let e = params[row + u] - d1 * consts[C_TW + u] * inv_nW; accum[base + u] = e; vres2 += e * e; }
  let d2 = sqrt(vres2);
  let inv_d2 = inv(d2);
  for (var u = 0u; u < M; u++) { accum[base + u] *= inv_d2; } // f2
  var q = vec2f(0.0);
  var qq = 0.0;
  if (cfg.hasTrap != 0u) {
    for (var u = 0u; u < M; u++) {
      let x = consts[C_TRAP_W + u];
      q += x * vec2f(consts[C_TW + u] * inv_nW, accum[base + u]);
      qq += x * x;
    }
  }

  accum[S + S_C] = c1;
  accum[S + S_C + 1u] = c2;
  accum[S + S_C + 2u] = c3;
  accum[S + S_D] = d1;
  accum[S + S_D + 1u] = d2;
  accum[S + S_NA] = nA;
  accum[S + S_SA] = sA;
  accum[S + S_S1] = s1;
  accum[S + S_R2] = r2;
  accum[S + S_NW] = nW;
  accum[S + S_T] = t.x;
  accum[S + S_T + 1u] = t.y;
  accum[S + S_T + 2u] = t.z;
  accum[S + S_TT] = tt;
  accum[S + S_Q] = q.x;
  accum[S + S_Q + 1u] = q.y;
  accum[S + S_NQ] = sqrt(qq);
}

// The full vectors a = c1 e1 + c2 e2 + c3 e3, v = d1 f1 + d2 f2 into `params` (row).
fn write_full(row: u32, base: u32, c: vec3f, dv: vec2f) {
  let S = base + P;
  let inv_nA = inv(accum[S + S_NA]);
  let s1 = accum[S + S_S1];
  let inv_r2 = inv(accum[S + S_R2]);
  for (var i = 0u; i < K; i++) {
    let e1 = teacher_a(i) * inv_nA;
    params[row + A_OFF + i] = c.x * e1 + c.y * (1.0 - s1 * e1) * inv_r2 + c.z * accum[base + A_OFF + i];
  }
  let inv_nW = inv(accum[S + S_NW]);
  for (var u = 0u; u < M; u++) {
    params[row + u] = dv.x * consts[C_TW + u] * inv_nW + dv.y * accum[base + u];
  }
}

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * STEP_WORKGROUP * groups.x;
  if (r >= cfg.restarts) { return; }
  var st = state[r];
  if (st.status != OUTCOME_RUNNING) { return; }
  let row = r * P;
  let base = r * SPAN_ROW;
  let S = base + P;
  if (cfg.stepBase == 0u) { span_start(row, base); }

  var c = vec3f(accum[S + S_C], accum[S + S_C + 1u], accum[S + S_C + 2u]);
  var dv = vec2f(accum[S + S_D], accum[S + S_D + 1u]);
  let nA = accum[S + S_NA];
  let sA = accum[S + S_SA];
  let nW = accum[S + S_NW];
  let tv = vec3f(accum[S + S_T], accum[S + S_T + 1u], accum[S + S_T + 2u]);
  let tt = accum[S + S_TT];
  let qv = vec2f(accum[S + S_Q], accum[S + S_Q + 1u]);
  let nQ = accum[S + S_NQ];
  let one = vec3f(accum[S + S_S1], accum[S + S_R2], 0.0); // 1 in the a-basis
  let astar = vec3f(nA, 0.0, 0.0);                          // a* in the a-basis
  var decided = false;
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    let t = cfg.stepBase + k;
    let vv = dot(dv, dv);
    let nv = sqrt(vv);
    let inv_nv = inv(nv);
    // Effective filter w = v/‖v‖ (weight normalisation) or v; a zero v is the zero filter.
    let scale = select(1.0, inv_nv, WEIGHT_NORM);
    let nw = nv * scale;
    let rho = dv.x * nW * scale;                  // wᵀw*
    let nn = nw * nW;
    let cs = select(0.0, clamp(rho / nn, -1.0, 1.0), nn > 0.0);
    let th = acos(cs);
    let sn = sqrt(max(0.0, 1.0 - cs * cs));
    let kappa = INV_2PI * (nn * sn + (PI - th) * rho);
    let base_k = INV_2PI * nn;
    let aa = dot(c, c);
    let sa = dot(c, one);
    let aas = c.x * nA;
    let q = SELF_DIAG * aa + INV_2PI * sa * sa;
    let loss = cfg.teacherSelf + 0.5 * nw * nw * q - (kappa - base_k) * aas - base_k * sa * sA;

    // ∇_a L = α a + β 1 + γ a*
    var ga = vec3f(0.0);
    if (LEARNED) {
      ga = (nw * nw * SELF_DIAG) * c + (nw * nw * INV_2PI * sa - base_k * sA) * one - (kappa - base_k) * astar;
    }
    // ∇_w L = q w + c* w* + c' ŵ, in the v-basis (w* = (‖w*‖, 0), ŵ = v/‖v‖, w = scale·v)
    let what = dv * inv_nv;
    var gw = (q * scale) * dv + vec2f(-aas * INV_2PI * (PI - th) * nW, 0.0)
      - (INV_2PI * nW * (aas * (sn - 1.0) + sa * sA)) * what;
    if (WEIGHT_NORM) {
      gw = (gw - dot(gw, what) * what) / nv; // (I − ŵŵᵀ)∇_w L / ‖v‖
    }
    let gg = dot(ga, ga) + dot(gw, gw);

    // The outcome rule (src/core/outcome.ts), on coordinates.
    let theta2 = vv + dot(c, c);
    var code = OUTCOME_RUNNING;
    if (!(is_finite(loss) && is_finite(gg) && is_finite(theta2)) || sqrt(theta2) > cfg.divergeNorm) {
      code = OUTCOME_DIVERGED;
    } else {
      let cos_teacher = select(0.0, dv.x / nv, nv > 0.0 && nW > 0.0);
      if (loss <= cfg.globalLoss && (cfg.angleCos < -1.0 || cos_teacher >= cfg.angleCos)) {
        code = OUTCOME_GLOBAL;
      } else {
        var in_trap = cfg.hasTrap != 0u;
        if (in_trap) {
          let cos_trap = select(0.0, dot(dv, qv) / (nv * nQ), nv > 0.0 && nQ > 0.0); // vᵀ(trap filter)
          in_trap = cos_trap >= cfg.trapCos;
        }
        if (in_trap && cfg.trapHasA != 0u) {
          // ‖a − a_trap‖² = ‖a‖² − 2aᵀa_trap + ‖a_trap‖²: O(1) terms against aTol² ~ 1e-3, so f32 suffices.
          in_trap = sqrt(max(dot(c, c) - 2.0 * dot(c, tv) + tt, 0.0)) <= cfg.trapATol;
        }
        if (in_trap || (loss > cfg.globalLoss && sqrt(gg) <= cfg.gradThreshold)) { code = OUTCOME_SPURIOUS; }
      }
    }
    if (settle(&st, code, t, loss)) { decided = true; break; }
    c -= cfg.lr * ga;
    dv -= cfg.lr * gw;
  }

  accum[S + S_C] = c.x;
  accum[S + S_C + 1u] = c.y;
  accum[S + S_C + 2u] = c.z;
  accum[S + S_D] = dv.x;
  accum[S + S_D + 1u] = dv.y;
  if (decided || r < cfg.traceRows) { write_full(row, base, c, dv); }
  state[r] = st;
}
