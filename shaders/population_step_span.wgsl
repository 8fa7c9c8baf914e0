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
// At the start of each chunk we take orthonormal bases of those spans,
//   a-basis e1 = a*/‖a*‖, e2 ∝ 1 − (1ᵀe1)e1, e3 ∝ the rest of a;   v-basis f1 = w*/‖w*‖, f2 ∝ the rest of v,
// run every step of the chunk on the five coordinates (the bases are orthonormal, so norms and
// angles are those of the coordinates), and write the full vectors back at the end. The outcome
// rule's trap point enters through its inner products with the basis vectors.
//
// Applies when F = FT = 1, S ≥ M, GD (AdaGrad's per-coordinate scaling leaves the span); the host
// picks it (host/kernels.ts stepKernelFor).
// provides: const INV_2PI, const PI, const SELF_DIAG, fn teacher_a, fn main
// expects: const M, const K, const P, const A_OFF, const C_TW, const C_TA, const C_TRAP_W, const C_TRAP_A
// expects: const LEARNED, const WEIGHT_NORM, const STEP_WORKGROUP
// expects: const OUTCOME_RUNNING, const OUTCOME_GLOBAL, const OUTCOME_SPURIOUS, const OUTCOME_DIVERGED
// expects: var cfg, var state, var params, var consts, fn is_finite, fn settle

const INV_2PI: f32 = 0.15915494309189535;
const PI: f32 = 3.141592653589793;
const SELF_DIAG: f32 = 0.5 - 0.15915494309189535; // κ(w, w)/‖w‖² − 1/2π

fn teacher_a(i: u32) -> f32 { return consts[C_TA + i]; }

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * STEP_WORKGROUP * groups.x;
  if (r >= cfg.restarts) { return; }
  var st = state[r];
  if (st.status != OUTCOME_RUNNING) { return; }
  let row = r * P;

  // --- The a-basis and the coordinates of a, 1, a* and the trap's a in it. ---
  var nA2 = 0.0;
  var sA = 0.0;
  for (var i = 0u; i < K; i++) { let x = teacher_a(i); nA2 += x * x; sA += x; }
  let nA = sqrt(nA2);
  let inv_nA = select(0.0, 1.0 / nA, nA > 0.0);
  let s1 = sA * inv_nA;                                   // 1ᵀe1
  var r2 = sqrt(max(f32(K) - s1 * s1, 0.0));              // 1ᵀe2 (0 when 1 ∥ a*)
  if (r2 <= 1e-4 * sqrt(f32(K))) { r2 = 0.0; }
  let inv_r2 = select(0.0, 1.0 / r2, r2 > 0.0);
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
    res2 += e * e;
  }
  let c3_0 = sqrt(res2);
  let inv_c3 = select(0.0, 1.0 / c3_0, c3_0 > 0.0);
  // The trap's output layer: its coordinates on e1, e2, and its inner product with the raw rest
  // ρ = a − c1e1 − c2e2 (not with e3 = ρ/‖ρ‖: once a has all but settled into span{e1, e2}, ‖ρ‖
  // is rounding noise and dividing by it would be too).
  var t1 = 0.0;
  var t2 = 0.0;
  var t_rho = 0.0;
  var tt = 0.0;
  if (cfg.trapHasA != 0u) {
    for (var i = 0u; i < K; i++) {
      let e1 = teacher_a(i) * inv_nA;
      let e2 = (1.0 - s1 * e1) * inv_r2;
      let rho_i = params[row + A_OFF + i] - c1 * e1 - c2 * e2;
      let x = consts[C_TRAP_A + i];
      t1 += x * e1;
      t2 += x * e2;
      t_rho += x * rho_i;
      tt += x * x;
    }
  }

  // --- The v-basis: f1 = w*/‖w*‖, f2 = the rest of v; the trap filter's coordinates. ---
  var nW2 = 0.0;
  var d1 = 0.0;
  for (var u = 0u; u < M; u++) { let x = consts[C_TW + u]; nW2 += x * x; d1 += x * params[row + u]; }
  let nW = sqrt(nW2);
  let inv_nW = select(0.0, 1.0 / nW, nW > 0.0);
  d1 *= inv_nW;
  var vres2 = 0.0;
  for (var u = 0u; u < M; u++) { let e = params[row + u] - d1 * consts[C_TW + u] * inv_nW; vres2 += e * e; }
  let d2_0 = sqrt(vres2);
  let inv_d2 = select(0.0, 1.0 / d2_0, d2_0 > 0.0);
  var q1 = 0.0;
  var q_rho = 0.0;
  var qq = 0.0;
  if (cfg.hasTrap != 0u) {
    for (var u = 0u; u < M; u++) {
      let f1 = consts[C_TW + u] * inv_nW;
      let x = consts[C_TRAP_W + u];
      q1 += x * f1;
      q_rho += x * (params[row + u] - d1 * f1);
      qq += x * x;
    }
  }
  let nQ = sqrt(qq);

  // --- The steps, on (c1, c2, c3) and (d1, d2). ---
  var c = vec3f(c1, c2, c3_0);
  var dv = vec2f(d1, d2_0);
  let one = vec3f(s1, r2, 0.0);   // 1 in the a-basis
  let astar = vec3f(nA, 0.0, 0.0); // a* in the a-basis
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    let t = cfg.stepBase + k;
    let vv = dot(dv, dv);
    let nv = sqrt(vv);
    let inv_nv = select(0.0, 1.0 / nv, nv > 0.0);
    // Effective filter w = v/‖v‖ (weight normalisation) or v; a zero v is the zero filter.
    let scale = select(1.0, inv_nv, WEIGHT_NORM);
    let nw = nv * scale;
    let rho = dv.x * nW * scale;                  // wᵀw*
    let nn = nw * nW;
    let cs = select(0.0, clamp(rho / nn, -1.0, 1.0), nn > 0.0);
    let th = acos(cs);
    let sn = sqrt(max(0.0, 1.0 - cs * cs));
    let kappa = INV_2PI * (nn * sn + (PI - th) * rho);
    let base = INV_2PI * nn;
    let aa = dot(c, c);
    let sa = dot(c, one);
    let aas = c.x * nA;
    let q = SELF_DIAG * aa + INV_2PI * sa * sa;
    let loss = cfg.teacherSelf + 0.5 * nw * nw * q - (kappa - base) * aas - base * sa * sA;

    // ∇_a L = α a + β 1 + γ a*
    var ga = vec3f(0.0);
    if (LEARNED) {
      ga = (nw * nw * SELF_DIAG) * c + (nw * nw * INV_2PI * sa - base * sA) * one - (kappa - base) * astar;
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
          let vq = dv.x * q1 + dv.y * inv_d2 * q_rho; // vᵀ(trap filter)
          let cos_trap = select(0.0, vq / (nv * nQ), nv > 0.0 && nQ > 0.0);
          in_trap = cos_trap >= cfg.trapCos;
        }
        if (in_trap && cfg.trapHasA != 0u) {
          // ‖a − a_trap‖² = ‖a‖² − 2aᵀa_trap + ‖a_trap‖²: O(1) terms against aTol² ~ 1e-3, so f32 suffices.
          let at = c.x * t1 + c.y * t2 + c.z * inv_c3 * t_rho;
          in_trap = sqrt(max(dot(c, c) - 2.0 * at + tt, 0.0)) <= cfg.trapATol;
        }
        if (in_trap || (loss > cfg.globalLoss && sqrt(gg) <= cfg.gradThreshold)) { code = OUTCOME_SPURIOUS; }
      }
    }
    if (settle(&st, code, t, loss)) { break; }
    c -= cfg.lr * ga;
    dv -= cfg.lr * gw;
  }

  // --- Back to full vectors: a = c1 e1 + c2 e2 + c3 e3, v = d1 f1 + d2 f2. ---
  for (var i = 0u; i < K; i++) {
    let e1 = teacher_a(i) * inv_nA;
    let e2 = (1.0 - s1 * e1) * inv_r2;
    let e3 = (params[row + A_OFF + i] - c1 * e1 - c2 * e2) * inv_c3;
    params[row + A_OFF + i] = c.x * e1 + c.y * e2 + c.z * e3;
  }
  for (var u = 0u; u < M; u++) {
    let f1 = consts[C_TW + u] * inv_nW;
    let f2 = (params[row + u] - d1 * f1) * inv_d2;
    params[row + u] = dv.x * f1 + dv.y * f2;
  }
  state[r] = st;
}
