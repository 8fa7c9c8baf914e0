// lib/pair_kernel.wgsl — the pair kernel of the population loss, κ(n₁, n₂, ρ) = E[σ(X)σ(Y)] for
// (X, Y) ~ N(0, [[n₁², ρ], [ρ, n₂²]]), with ∂κ/∂ρ and ∂κ/∂n₁, and the mean μ(n) = E[σ(nZ)] (the
// kernel of units that share no coordinate is μ(n₁)μ(n₂)). src/core/pair-kernels.ts in f32: the
// closed forms of ReLU (arc-cosine degree 1), leaky ReLU (αρ + (1−α)²κ_relu), squared ReLU
// (arc-cosine degree 2) and erf (the arcsin form); sigmoid and tanh by the CPU's quadrature
// (lib/gauss_quadrature.wgsl) with Price's theorem for the gradient, ∂κ/∂ρ = E[σ'σ'],
// ∂κ/∂n₁ = n₁E[σ''(X)σ(Y)]. Where the CPU's quadratureKernel refuses — a norm beyond
// QUADRATURE_NORM_LIMIT — the value is NaN, so the restart's loss is not finite and the outcome rule
// labels it diverged (src/core/outcome.ts rule 1), as the CPU engine does (src/engine/cpu.ts);
// never a value the quadrature was not checked for.
// provides: const INV_SQRT_2PI, fn no_value, fn relu_pair, fn pair_kernel, fn act_mean, fn act_mean_deriv
// expects: const ACT, const ACT_RELU, const ACT_LEAKY_RELU, const ACT_SQUARED_RELU, const ACT_SIGMOID, const ACT_TANH
// expects: const ACT_ERF, const LEAKY_SLOPE, const PI, const INV_2PI, const QUADRATURE_NORM_LIMIT, fn pair_expectations

const INV_SQRT_2PI: f32 = 0.3989422804014327;

// A NaN triple (a constant NaN is not allowed in WGSL, hence built from the run-time n).
fn no_value(n: f32) -> vec3f { return vec3f(bitcast<f32>(0x7fc00000u + u32(n * 0.0))); }

// (κ, ∂κ/∂ρ, ∂κ/∂n₁) of the ReLU: Cho & Saul, B&G Lemma 3.2.
fn relu_pair(n1: f32, n2: f32, rho: f32) -> vec3f {
  let nn = n1 * n2;
  let cs = select(0.0, clamp(rho / nn, -1.0, 1.0), nn > 0.0);
  let th = acos(cs);
  let sn = sqrt(max(0.0, 1.0 - cs * cs));
  return INV_2PI * vec3f(nn * sn + (PI - th) * rho, PI - th, n2 * sn);
}

fn pair_kernel(n1: f32, n2: f32, rho: f32) -> vec3f {
  switch ACT {
    case ACT_RELU: { return relu_pair(n1, n2, rho); }
    case ACT_LEAKY_RELU: {
      let b = (1.0 - LEAKY_SLOPE) * (1.0 - LEAKY_SLOPE);
      return vec3f(LEAKY_SLOPE * rho, LEAKY_SLOPE, 0.0) + b * relu_pair(n1, n2, rho);
    }
    case ACT_SQUARED_RELU: {
      let nn = n1 * n2;
      let cs = select(0.0, clamp(rho / nn, -1.0, 1.0), nn > 0.0);
      let th = acos(cs);
      let sn = sqrt(max(0.0, 1.0 - cs * cs));
      return INV_2PI * vec3f(
        nn * nn * (3.0 * sn * cs + (PI - th) * (1.0 + 2.0 * cs * cs)),
        4.0 * (nn * sn + (PI - th) * rho),
        2.0 * n1 * n2 * n2 * (cs * sn + PI - th));
    }
    case ACT_ERF: {
      let d1 = 1.0 + 2.0 * n1 * n1;
      let d2 = 1.0 + 2.0 * n2 * n2;
      let root = sqrt(d1 * d2);
      let q = clamp(2.0 * rho / root, -1.0, 1.0);
      let c = 4.0 * INV_2PI / sqrt(max(1e-30, 1.0 - q * q));
      return vec3f(4.0 * INV_2PI * asin(q), 2.0 * c / root, -2.0 * c * q * n1 / d1);
    }
    case ACT_SIGMOID, ACT_TANH: {
      if (!(n1 <= QUADRATURE_NORM_LIMIT && n2 <= QUADRATURE_NORM_LIMIT)) { return no_value(n1); }
      let e = pair_expectations(n1, n2, rho);
      return vec3f(e.x, e.y, n1 * e.z);
    }
    default: { return no_value(n1); }
  }
}

fn act_mean(n: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return INV_SQRT_2PI * n; }
    case ACT_LEAKY_RELU: { return (1.0 - LEAKY_SLOPE) * INV_SQRT_2PI * n; }
    case ACT_SQUARED_RELU: { return 0.5 * n * n; }
    case ACT_SIGMOID: { return 0.5; }
    case ACT_ERF, ACT_TANH, default: { return 0.0; }
  }
}

fn act_mean_deriv(n: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return INV_SQRT_2PI; }
    case ACT_LEAKY_RELU: { return (1.0 - LEAKY_SLOPE) * INV_SQRT_2PI; }
    case ACT_SQUARED_RELU: { return n; }
    case ACT_ERF, ACT_SIGMOID, ACT_TANH, default: { return 0.0; }
  }
}
