// population_step.wgsl — fused population-loss gradient descent: one thread per restart runs up
// to cfg.chunkSteps steps of the exact Gaussian population gradient (Cho–Saul arc-cosine kernel
// for ReLU; lib/pair_kernel.wgsl's closed forms for leaky/squared ReLU and erf, its quadrature for
// sigmoid and tanh)
// for the model family with any overlap, then the update, with the outcome rule applied
// before every step. The algorithm is src/core/population.ts's: units (filter j, patch i)
// interact through κ(u, u') = (1/2π)[√(‖u‖²‖u'‖² − ρ²) + (π − θ)ρ], which depends only on the
// filters and the patch offset δ; for |δ|·S ≥ M the patches do not overlap and κ is the constant
// ‖w_j‖‖w_j'‖/2π, so the cost is O((F + FT)·F·BAND·(K + M)) per step, not O(K²) (BAND = ⌈M / S⌉).
// provides: const NF, const INV_2PI, const PI, var wv, var vnorm, var nrm, var coef, var sums
// provides: fn loss_and_grad, fn main
// expects: const P, const M, const S, const K, const F, const FT, const A_OFF, const BAND
// expects: const C_TW, const C_TA, const LEARNED, const WEIGHT_NORM, const STEP_WORKGROUP
// expects: var cfg, var consts, var theta, var grad, fn effective_filters, fn finish_gradient, fn step_chunk
// expects: fn pair_kernel, fn act_mean, fn act_mean_deriv

const NF: u32 = F + FT;
const INV_2PI: f32 = 0.15915494309189535;
const PI: f32 = 3.141592653589793;

var<private> wv: array<f32, NF * M>;    // effective filters: student (normalised if WN), then teacher
var<private> vnorm: array<f32, F>;      // ‖v_j‖ of the stored student filters
var<private> nrm: array<f32, NF>;       // ‖w_J‖
var<private> coef: array<f32, NF * K>;  // output weights: a, then −a*
var<private> sums: array<f32, NF>;      // Σ_i coef[J, i]

fn loss_and_grad(restart: u32, t: u32) -> f32 {
  effective_filters();
  for (var j = 0u; j < F; j++) { nrm[j] = select(vnorm[j], 1.0, WEIGHT_NORM); }
  for (var j = 0u; j < FT; j++) {
    var ss = 0.0;
    for (var u = 0u; u < M; u++) {
      let x = consts[C_TW + j * M + u];
      wv[(F + j) * M + u] = x;
      ss += x * x;
    }
    nrm[F + j] = sqrt(ss);
  }
  for (var q = 0u; q < F * K; q++) { coef[q] = theta[A_OFF + q]; }
  for (var q = 0u; q < FT * K; q++) { coef[F * K + q] = -consts[C_TA + q]; }
  for (var J = 0u; J < NF; J++) {
    var s = 0.0;
    for (var i = 0u; i < K; i++) { s += coef[J * K + i]; }
    sums[J] = s;
  }
  for (var p = 0u; p < P; p++) { grad[p] = 0.0; }

  // Teacher–teacher terms are a constant computed on the host in f64 (cfg.teacherSelf).
  var loss = cfg.teacherSelf;
  for (var J = 0u; J < F; J++) {
    let inv_n = select(0.0, 1.0 / nrm[J], nrm[J] > 0.0);
    for (var J2 = 0u; J2 < NF; J2++) {
      // Student–student pairs appear twice in ½ΣΣ (once as (J, J2), once as (J2, J)) and this
      // loop visits both; student–teacher pairs only once, so they weigh 1.
      let weight = select(1.0, 0.5, J2 < F);
      let mu2 = act_mean(nrm[J2]);
      let base = act_mean(nrm[J]) * mu2;
      var near = 0.0;
      for (var db = 0u; db < 2u * BAND - 1u; db++) {
        let delta = i32(db) - i32(BAND) + 1;
        // C(δ) = Σ_i coef[J, i]·coef[J2, i − δ]
        var c = 0.0;
        for (var i = max(0, delta); i < min(i32(K), i32(K) + delta); i++) {
          c += coef[J * K + u32(i)] * coef[J2 * K + u32(i - delta)];
        }
        // ρ(δ) = Σ_t w_J[t]·w_J2[t + Sδ]
        let shift = delta * i32(S);
        var rho = 0.0;
        for (var u = max(0, -shift); u < min(i32(M), i32(M) - shift); u++) {
          rho += wv[J * M + u32(u)] * wv[J2 * M + u32(u + shift)];
        }
        let kv = pair_kernel(nrm[J], nrm[J2], rho); // (κ, ∂κ/∂ρ, ∂κ/∂‖w_J‖)
        let kappa = kv.x;
        loss += weight * c * (kappa - base);
        near += c;
        for (var u = 0u; u < M; u++) {
          let tt = i32(u) + shift;
          var other = 0.0;
          if (tt >= 0 && tt < i32(M)) { other = wv[J2 * M + u32(tt)]; }
          grad[J * M + u] += c * (kv.y * other + kv.z * wv[J * M + u] * inv_n);
        }
        if (LEARNED) {
          for (var i = max(0, delta); i < min(i32(K), i32(K) + delta); i++) {
            grad[A_OFF + J * K + u32(i)] += (kappa - base) * coef[J2 * K + u32(i - delta)];
          }
        }
      }
      loss += weight * base * sums[J] * sums[J2];
      let far = sums[J] * sums[J2] - near;
      for (var u = 0u; u < M; u++) {
        grad[J * M + u] += far * act_mean_deriv(nrm[J]) * mu2 * wv[J * M + u] * inv_n;
      }
      if (LEARNED) {
        for (var i = 0u; i < K; i++) { grad[A_OFF + J * K + i] += base * sums[J2]; }
      }
    }
  }
  finish_gradient();
  return loss;
}

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  step_chunk(gid.x + gid.y * STEP_WORKGROUP * groups.x);
}
