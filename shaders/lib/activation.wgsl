// Activations σ and their derivatives σ', selected by the compile-time constant ACT
// (codes as in src/core/model.ts ACTIVATION_CODE). At the ReLU kink σ'(0) = 0, as on the CPU.
const LEAKY_SLOPE: f32 = 0.01;

fn act_forward(z: f32) -> f32 {
  switch ACT {
    case 0u: { return max(z, 0.0); }
    case 1u: { return select(LEAKY_SLOPE * z, z, z > 0.0); }
    case 2u: { return select(0.0, z * z, z > 0.0); }
    case 3u: { return 1.0 / (1.0 + exp(-z)); }
    default: { return tanh(z); }
  }
}

fn act_backward(z: f32) -> f32 {
  switch ACT {
    case 0u: { return select(0.0, 1.0, z > 0.0); }
    case 1u: { return select(LEAKY_SLOPE, 1.0, z > 0.0); }
    case 2u: { return select(0.0, 2.0 * z, z > 0.0); }
    case 3u: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
    default: { let t = tanh(z); return 1.0 - t * t; }
  }
}

// The same, componentwise on four values at once (the four restarts of empirical_step_vec4).
fn act_forward4(z: vec4f) -> vec4f {
  switch ACT {
    case 0u: { return max(z, vec4f(0.0)); }
    case 1u: { return select(LEAKY_SLOPE * z, z, z > vec4f(0.0)); }
    case 2u: { return select(vec4f(0.0), z * z, z > vec4f(0.0)); }
    case 3u: { return 1.0 / (1.0 + exp(-z)); }
    default: { return tanh(z); }
  }
}

fn act_backward4(z: vec4f) -> vec4f {
  switch ACT {
    case 0u: { return select(vec4f(0.0), vec4f(1.0), z > vec4f(0.0)); }
    case 1u: { return select(vec4f(LEAKY_SLOPE), vec4f(1.0), z > vec4f(0.0)); }
    case 2u: { return select(vec4f(0.0), 2.0 * z, z > vec4f(0.0)); }
    case 3u: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
    default: { let t = tanh(z); return 1.0 - t * t; }
  }
}
