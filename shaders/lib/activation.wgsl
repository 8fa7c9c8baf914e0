// lib/activation.wgsl — activations σ and their derivatives σ', selected by the compile-time
// constant ACT (src/core/model.ts ACTIVATION_CODE). At the ReLU kink σ'(0) = 0, as on the CPU.
// provides: fn act_forward, fn act_backward, fn act_forward4, fn act_backward4
// expects: const ACT, const ACT_RELU, const ACT_LEAKY_RELU, const ACT_SQUARED_RELU, const ACT_SIGMOID, const ACT_TANH
// expects: const LEAKY_SLOPE

fn act_forward(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return max(z, 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE * z, z, z > 0.0); }
    case ACT_SQUARED_RELU: { return select(0.0, z * z, z > 0.0); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case ACT_TANH, default: { return tanh(z); }
  }
}

fn act_backward(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, 1.0, z > 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE, 1.0, z > 0.0); }
    case ACT_SQUARED_RELU: { return select(0.0, 2.0 * z, z > 0.0); }
    case ACT_SIGMOID: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
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
    case ACT_TANH, default: { return tanh(z); }
  }
}

fn act_backward4(z: vec4f) -> vec4f {
  switch ACT {
    case ACT_RELU: { return select(vec4f(0.0), vec4f(1.0), z > vec4f(0.0)); }
    case ACT_LEAKY_RELU: { return select(vec4f(LEAKY_SLOPE), vec4f(1.0), z > vec4f(0.0)); }
    case ACT_SQUARED_RELU: { return select(vec4f(0.0), 2.0 * z, z > vec4f(0.0)); }
    case ACT_SIGMOID: { let e = 1.0 / (1.0 + exp(-z)); return e * (1.0 - e); }
    case ACT_TANH, default: { let t = tanh(z); return 1.0 - t * t; }
  }
}
