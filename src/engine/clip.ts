/**
 * Global-norm gradient clipping on the device, `torch.nn.utils.clip_grad_norm_` (torch 1.13, L2 norm,
 * `error_if_nonfinite=False`) without any readback: the norm and the coefficient stay tensors, so a
 * training step never waits for the GPU. The float64 reference is `src/core/clipping.ts`.
 *
 *     preNorm = sqrt(Σ_i Σ_j g_ij²)                  the global L2 norm BEFORE clipping (what torch returns)
 *     coef    = min(1, maxNorm / (preNorm + 1e-6))   torch's clip_coef_clamped; NaN stays NaN
 *     clipped = g_i · coef                           ALWAYS multiplied, as torch 1.13 does
 *
 * torch computes the norm as the L2 norm of the per-tensor L2 norms; mathematically that is the same
 * value as sqrt of the total sum of squares, which is computed here (one square-and-sum per tensor, one
 * add, one sqrt; fewer roundings than taking a sqrt per tensor and squaring it again).
 *
 * Non-finite gradients, as torch: a NaN entry makes preNorm, coef and every clipped entry NaN; a ±Infinity
 * entry gives preNorm = Infinity, coef = 0, finite entries ±0 and the infinite entry NaN (∞·0). Nothing
 * here guards against that: the trainer checks `isFinite(preNorm)` on the device and passes the result as
 * `ok` to `DeviceOptimizer.apply`, which then leaves the parameters unchanged.
 *
 * Divergence (float32): Σg² overflows float32 once |g| ≳ 1.8e19, giving preNorm = Infinity where a float64
 * norm would be finite; such a step is rejected by the same finiteness check. torch in float32 overflows
 * at the same place.
 */
import * as tf from '@tensorflow/tfjs';

/** The ε torch adds to the norm in the clip coefficient (`total_norm + 1e-6`). */
export const CLIP_EPS = 1e-6;

/** What {@link clipByGlobalNorm} returns; all tensors are new (or the inputs, when maxNorm is null). */
export interface ClipByGlobalNormResult {
  /** Each gradient times `coef`, same shapes and order as the input. */
  clipped: tf.Tensor[];
  /** Global L2 norm of all gradients before clipping, float32 scalar (NaN/Infinity possible). */
  preNorm: tf.Scalar;
  /** The factor applied: min(1, maxNorm/(preNorm + 1e-6)), NaN when preNorm is NaN; 1 when maxNorm is null. */
  coef: tf.Scalar;
}

/**
 * Σ of scalar tensors as stack + sum, never tf.addN: TF.js 4.22's WebGPU AddN returns 0 for many inputs
 * (SwiftShader; it zeroed the 18 per-tensor sums of CGCNN's clipping norm — caught by the parity e2e —
 * and, in the loss landscape, ‖θ‖ and every Hessian-vector dot product). Creates tensors: call in a tidy.
 */
export function sumScalars(xs: tf.Tensor[]): tf.Scalar {
  return xs.length === 0 ? tf.scalar(0) : tf.sum(tf.stack(xs));
}

/**
 * torch 1.13's `clip_grad_norm_(params, maxNorm, norm_type=2)` on a list of gradient tensors (any shapes),
 * on the device, no readback (see the module doc for the maths and NaN/Inf behaviour).
 *
 * `maxNorm = null` disables clipping: `coef` is the scalar 1 and `clipped` is the input array's tensors
 * themselves (not copies); `preNorm` is still computed, for the dashboard. An empty list gives preNorm 0
 * (torch returns `tensor(0.)`). Throws a RangeError for a maxNorm that is not a finite number ≥ 0.
 *
 * Intermediates are disposed; the caller owns the returned tensors (inside a step, call it in `tf.tidy`).
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number | null): ClipByGlobalNormResult {
  if (maxNorm !== null && !(Number.isFinite(maxNorm) && maxNorm >= 0)) {
    throw new RangeError(
      `gradient clipping: max norm must be a finite number ≥ 0 (or null for off), got ${maxNorm}`,
    );
  }
  // Intermediates are disposed here; only the returned tensors survive (the inputs, when returned as
  // `clipped`, were not created inside this tidy and are left alone).
  return tf.tidy(() => {
    const sumSq = sumScalars(grads.map((g) => tf.sum(tf.square(g))));
    const preNorm = tf.sqrt(sumSq);
    if (maxNorm === null) return { clipped: grads, preNorm, coef: tf.scalar(1) };
    const raw = tf.div(maxNorm, tf.add(preNorm, CLIP_EPS));
    // min(raw, 1) written as a select so that a NaN raw stays NaN on every backend (torch.clamp propagates
    // NaN; min kernels disagree on NaN: wasm's minimum(1, NaN) is 1).
    const coef = tf.where(tf.greater(raw, 1), tf.onesLike(raw), raw) as tf.Scalar;
    const clipped = grads.map((g) => tf.mul(g, coef));
    return { clipped, preNorm, coef };
  });
}
