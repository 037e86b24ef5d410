/**
 * Regression losses on the device (TF.js), mean-reduced, with torch 1.13's values AND torch's gradients.
 *
 * The maths is `src/core/losses.ts` (the float64 reference, matched to torch on `losses.json`), here as
 * float32 tensor ops. With e = pred − target (element-wise, any shape, n elements):
 *
 * | kind       | ℓ(e)                                   | dℓ/de (what backward uses)                      |
 * |------------|----------------------------------------|-------------------------------------------------|
 * | `mse`      | e²                                     | 2e                                              |
 * | `mae`      | \|e\|                                  | sign(e), sign(0) = 0, sign(NaN) = NaN           |
 * | `huber`    | \|e\| < δ ? ½e² : δ(\|e\| − ½δ)        | e < −δ ? −δ : e > δ ? δ : e                     |
 * | `smoothl1` | \|e\| < β ? ½e²/β : \|e\| − ½β (β=0: L1) | e ≤ −β ? −1 : e ≥ β ? 1 : e/β (β=0: sign(e))  |
 *
 * loss = (1/n)·Σ ℓ(eᵢ);  d loss/d predᵢ = (norm·slope(eᵢ))·dy with norm = 2/n (MSE) or 1/n, as torch's
 * backward kernels group it; d loss/d target = −d loss/d pred.
 *
 * Why a custom gradient: TF.js differentiates `abs` as `step(x, −1)`, i.e. d|x|/dx = −1 at x = 0, where
 * torch uses sign(0) = 0 (measured on cpu and wasm, TF.js 4.22; see loss.test.ts). An exactly-zero
 * residual (a perfectly fitted sample, or padding) would then push the prediction downwards under L1.
 * The gradient is therefore written out with `tf.customGrad`, in the table's form, for every kind — one
 * explicit formula per loss instead of relying on autodiff through `abs` and `where`. The branch tests are
 * written so that a NaN residual gives a NaN slope (as torch), never a silent 0 or ±δ (`tf.sign(NaN)` is 0
 * and wasm's `clipByValue(NaN)` returns the lower bound).
 *
 * Like torch, the linear branch is taken at |e| == δ (β): value and slope agree there, so this matters for
 * bit-exactness only. δ and β are rounded to float32 on the device (0.2 → 0.20000000298…), so "exactly at
 * the boundary" means at float32(δ).
 */
import * as tf from '@tensorflow/tfjs';
import { checkLossConfig, type LossConfig } from '../core/losses.ts';

/** sign(e) with sign(±0) = 0 and sign(NaN) = NaN (torch.sign); `tf.sign(NaN)` alone would give 0. */
function signNaN(e: tf.Tensor): tf.Tensor {
  return tf.where(tf.isNaN(e), e, tf.sign(e));
}

/** ℓ(e) element-wise, same shape as e. */
function elementLoss(config: LossConfig, e: tf.Tensor): tf.Tensor {
  switch (config.kind) {
    case 'mse':
      return tf.square(e);
    case 'mae':
      return tf.abs(e);
    case 'huber': {
      // torch: z < delta ? 0.5*z*z : delta*(z - 0.5*delta)
      const z = tf.abs(e);
      const d = config.delta;
      const quad = tf.mul(tf.mul(0.5, z), z);
      const lin = tf.mul(d, tf.sub(z, 0.5 * d));
      return tf.where(tf.less(z, d), quad, lin);
    }
    case 'smoothl1': {
      // torch: beta == 0 dispatches to l1_loss; else z < beta ? 0.5*z*z/beta : z - 0.5*beta
      const z = tf.abs(e);
      const b = config.beta;
      if (b === 0) return z;
      const quad = tf.div(tf.mul(tf.mul(0.5, z), z), b);
      const lin = tf.sub(z, 0.5 * b);
      return tf.where(tf.less(z, b), quad, lin);
    }
  }
}

/** dℓ/de element-wise without the 1/n (2/n) factor: torch's backward slope, NaN-propagating. */
function elementSlope(config: LossConfig, e: tf.Tensor): tf.Tensor {
  switch (config.kind) {
    case 'mse':
      return e; // the factor 2 lives in norm = 2/n, as in torch's mse_loss_backward
    case 'mae':
      return signNaN(e);
    case 'huber': {
      // torch huber_loss_backward: x < -delta ? -delta : x > delta ? delta : x
      const d = config.delta;
      return tf.where(
        tf.less(e, -d),
        tf.fill(e.shape, -d),
        tf.where(tf.greater(e, d), tf.fill(e.shape, d), e),
      );
    }
    case 'smoothl1': {
      // torch smooth_l1_loss_backward: x <= -beta ? -1 : x >= beta ? 1 : x/beta (beta == 0 → L1)
      const b = config.beta;
      if (b === 0) return signNaN(e);
      return tf.where(
        tf.lessEqual(e, -b),
        tf.fill(e.shape, -1),
        tf.where(tf.greaterEqual(e, b), tf.fill(e.shape, 1), tf.div(e, b)),
      );
    }
  }
}

/**
 * The mean-reduced loss of `pred` against `target` as a float32 scalar on the device, differentiable
 * (use inside `tf.variableGrads` / `tf.grads`) with torch's gradient: d/dpred = norm·slope(e)·dy, norm =
 * 2/n for MSE and 1/n otherwise (see the module table), and d/dtarget = −d/dpred.
 *
 * Shapes: `pred` and `target` must have the same shape (e.g. [B, 1] model outputs and normalised
 * targets); any rank. No broadcasting (torch would broadcast with a warning — almost always a bug).
 * Throws a RangeError for mismatched shapes, an empty batch, δ ≤ 0 or β < 0.
 *
 * torch: `F.mse_loss / l1_loss / huber_loss(delta) / smooth_l1_loss(beta)(pred, target, reduction='mean')`.
 */
export function lossTensor(config: LossConfig, pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  checkLossConfig(config);
  if (!tf.util.arraysEqual(pred.shape, target.shape)) {
    throw new RangeError(
      `loss: predictions have shape [${pred.shape.join(', ')}] but targets have shape [${target.shape.join(', ')}]; they must match`,
    );
  }
  const n = pred.size;
  if (n === 0) throw new RangeError('loss: the batch is empty (0 predictions)');
  const norm = (config.kind === 'mse' ? 2 : 1) / n;

  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const e = tf.sub(p, t);
    save([e]);
    const value = tf.mean<tf.Scalar>(elementLoss(config, e));
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [es] = saved as [tf.Tensor];
        const g = tf.mul(tf.mul(norm, elementSlope(config, es)), dy);
        return [g, tf.neg(g)];
      },
    };
  });
  return f(pred, target);
}
