// empirical_step.wgsl — fused empirical-loss training step: one thread per restart runs up to
// cfg.chunkSteps steps of forward + backward over its batch (lib/sample_grad.wgsl: the whole
// fixed sample, a minibatch of it, or fresh Gaussian inputs), then the update, with the outcome
// rule applied before every step (src/core/empirical.ts and src/engine/cpu.ts are the CPU mirror).
// The one empirical kernel with Kawaguchi & Kaelbling's extra neuron (lib/extra_neuron.wgsl; the
// vec4 and cooperative kernels refuse it at compile time, host/kernels.ts stepKernelFor).
// provides: fn loss_and_grad, fn main
// expects: const P, const STEP_WORKGROUP, var grad, var step_overflow, fn effective_filters, fn finish_gradient
// expects: fn batch_size, fn add_sample, fn add_extra_regulariser, fn step_chunk

fn loss_and_grad(restart: u32, t: u32) -> f32 {
  effective_filters();
  step_overflow = false;
  for (var p = 0u; p < P; p++) { grad[p] = 0.0; }
  let nb = batch_size();
  var loss = 0.0;
  for (var b = 0u; b < nb; b++) { loss += add_sample(restart, t, b); }
  let inv = 1.0 / f32(nb);
  for (var p = 0u; p < P; p++) { grad[p] *= inv; }
  finish_gradient();
  return add_extra_regulariser(loss * inv);
}

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  step_chunk(gid.x + gid.y * STEP_WORKGROUP * groups.x);
}
