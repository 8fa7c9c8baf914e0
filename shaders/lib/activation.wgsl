// lib/activation.wgsl — activations σ and their derivatives σ', selected by the compile-time
// constant ACT (src/core/model.ts ACTIVATION_CODE). At the ReLU kink σ'(0) = 0, as on the CPU.
// WGSL has no erf: erf_approx is the Maclaurin series to x¹¹ for |z| < 0.5 and Numerical Recipes'
// erfcc Chebyshev fit (fractional error < 1.2e-7) beyond; evaluated in f32 its absolute error
// against an f64 erf is < 2e-7 on [−6, 6] (1.9e-7 at worst) (tests/unit/gaussian-quadrature.test.ts mirrors it).
// provides: const TWO_OVER_SQRT_PI, fn erf_approx, fn act_forward, fn act_backward, fn act_forward4, fn act_backward4
// expects: const ACT, const ACT_RELU, const ACT_LEAKY_RELU, const ACT_SQUARED_RELU, const ACT_SIGMOID, const ACT_TANH
// expects: const ACT_ERF, const LEAKY_SLOPE

const TWO_OVER_SQRT_PI: f32 = 1.1283791670955126;

fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    let x2 = x * x;
    var p = -1.0 / 1320.0;
    p = p * x2 + 1.0 / 216.0;
    p = p * x2 - 1.0 / 42.0;
    p = p * x2 + 1.0 / 10.0;
    p = p * x2 - 1.0 / 3.0;
    p = p * x2 + 1.0;
    return TWO_OVER_SQRT_PI * x * p;
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  var p = 0.17087277;
  p = p * t - 0.82215223;
  p = p * t + 1.48851587;
  p = p * t - 1.13520398;
  p = p * t + 0.27886807;
  p = p * t - 0.18628806;
  p = p * t + 0.09678418;
  p = p * t + 0.37409196;
  p = p * t + 1.00002368;
  p = p * t - 1.26551223;
  let e = 1.0 - t * exp(-z * z + p);
  return select(-e, e, x >= 0.0);
}

fn act_forward(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return max(z, 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE * z, z, z > 0.0); }
    case ACT_SQUARED_RELU: { return select(0.0, z * z, z > 0.0); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case ACT_ERF: { return erf_approx(z); }
    case ACT_TANH, default: { return tanh(z); }
  }
}

fn act_backward(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, 1.0, z > 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE, 1.0, z > 0.0); }
    case ACT_SQUARED_RELU: { return select(0.0, 2.0 * z, z > 0.0); }
    case ACT_SIGMOID: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
    case ACT_ERF: { return TWO_OVER_SQRT_PI * exp(-z * z); }
    case ACT_TANH, default: { let t = tanh(z); return 1.0 - t * t; }
  }
}

// The same, componentwise on four values at once (the four restarts of empirical_step_vec4).
fn act_forward4(z: vec4f) -> vec4f {
  switch ACT {
    case ACT_RELU: { return max(z, vec4f(0.0)); }
    case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE * z, z, z > vec4f(0.0)); }
    case ACT_SQUARED_RELU: { return select(vec4f(0.0), z * z, z > vec4f(0.0)); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case ACT_ERF: { return vec4f(erf_approx(z.x), erf_approx(z.y), erf_approx(z.z), erf_approx(z.w)); }
    case ACT_TANH, default: { return tanh(z); }
  }
}

fn act_backward4(z: vec4f) -> vec4f {
  switch ACT {
    case ACT_RELU: { return select(vec4f(0.0), vec4f(1.0), z > vec4f(0.0)); }
    case ACT_LEAKY_RELU: { return select(vec4f(LEAKY_SLOPE), vec4f(1.0), z > vec4f(0.0)); }
    case ACT_SQUARED_RELU: { return select(vec4f(0.0), 2.0 * z, z > vec4f(0.0)); }
    case ACT_SIGMOID: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
    case ACT_ERF: { return TWO_OVER_SQRT_PI * exp(-z * z); }
    case ACT_TANH, default: { let t = tanh(z); return 1.0 - t * t; }
  }
}
