// lib/deep_net.wgsl — what both deep-net step kernels share: the row layout, the step's
// configuration and the bindings of the parameters and the data (deep_step.wgsl, tiled;
// deep_step_thread.wgsl, per restart; host/deep-engine.ts writes DeepCfg).
// provides: const E0, const P, const SGD, struct DeepCfg, var cfg, var params, var xs, var ys
// expects: const DIN, const NL, const M, const DOUT, const NS, const ND, const EXTRA

/** Offset of the extra neurons in the row (the base row's length), and the row's length (deep-net.ts deepLayout). */
const E0: u32 = M * DIN + NL * M * M + DOUT * M;
const P: u32 = E0 + select(0u, DOUT * (2u + DIN), EXTRA);
/** Minibatches: NS of the ND samples per step (deep-net.ts deepMinibatch). */
const SGD: bool = NS < ND;

struct DeepCfg {
  restarts: u32,
  chunkSteps: u32,
  stepBase: u32,
  /** Steps of the whole run: the row length of `losses`. */
  totalSteps: u32,
  lr: f32,
  /** The extra neuron's λ (the paper's; F gains ½·NS·λ·‖a‖²). */
  lambda: f32,
  /** The minibatch draws' key: the run's seed and the global index of restart 0 of this dispatch. */
  seed: u32,
  restartBase: u32,
}

@group(0) @binding(0) var<uniform> cfg: DeepCfg;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read> ys: array<f32>;
