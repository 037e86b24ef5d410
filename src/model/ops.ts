/**
 * Differentiable building blocks of the CGCNN step with hand-written gradients, chosen for speed on
 * TF.js's wasm backend and for determinism everywhere:
 *
 * - no transposed matrix products (`matMul(a, b, transposeA/B)`): wasm (tfjs-backend-wasm 4.22) runs
 *   XNNPACK only for untransposed, unbatched products and otherwise a scalar blocked loop, 5–10×
 *   slower (measured in Node: x[320,64]·Wᵀ 7.9 ms vs 1.2 ms; dzᵀ·bond 16.8 ms vs 3.4 ms with an
 *   explicit transpose). TF.js's own gradient of matMul uses them, so `dense` and `constMatMul`
 *   supply their own. XNNPACK packs the second operand B as "weights" on every new B tensor, so
 *   products are arranged with the small or reused matrix as B where there is a choice;
 * - no reductions over the row axis with `tf.sum(x, 0)` / `tf.mean(x, 0)` (wasm transposes first,
 *   2–12 ms for [3840, 128]): see `columnSums`;
 * - no `tf.fused.matMul` with a bias and a transposed operand: wrong numbers on wasm 4.22 (its
 *   scalar path indexes the bias by i·n + j clamped to the bias length, so rows after the first get
 *   the last bias entry; observed |Δ| of order 1 on [17,92]·[8,92]ᵀ + b).
 *
 * Every function creates tensors: call inside `tf.tidy` or a gradient function.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Column sums of x [R, C] as [1, C]. With `group` g dividing R (e.g. M neighbours per atom), first the
 * sums of each block of g consecutive rows (`sum` over the middle axis of [R/g, g, C], a fast kernel
 * on wasm), then ones[1, R/g]·blocks; otherwise ones[1, R]·x directly. (Not `tf.sum(x, 0)`: slow on
 * wasm, see the module comment. ones·x alone re-packs the whole x as XNNPACK weights on every call.)
 */
export function columnSums(x: tf.Tensor2D, group = 1): tf.Tensor2D {
  const [R, C] = x.shape;
  if (group > 1 && R % group === 0) {
    const blocks = tf.sum<tf.Tensor2D>(tf.reshape(x, [R / group, group, C]), 1);
    return tf.matMul(tf.ones([1, R / group]), blocks);
  }
  return tf.matMul(tf.ones([1, R]), x);
}

/**
 * Dense layer in torch layout: y = x·Wᵀ + b, x [R, in], W [out, in], b [out] → y [R, out].
 * Gradients: dx = dy·W, dW = dyᵀ·x (explicit transpose of dy), db = ones·dy.
 * With `xConstant` (e.g. the input features) x gets no gradient (and none is computed). With `xT`
 * (= xᵀ, [in, R], e.g. computed once for an input used by several layers) dW = (xᵀ·dy)ᵀ instead,
 * which transposes only the small [in, out] result, not dy.
 */
export function dense(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D | null,
  xConstant = false,
  xT: tf.Tensor2D | null = null,
): tf.Tensor2D {
  const [R, inX] = x.shape;
  const [out, inW] = W.shape;
  if (inX !== inW || (b !== null && b.shape[0] !== out)) {
    throw new RangeError(`dense: x [${R}, ${inX}], W [${out}, ${inW}], b [${b?.shape[0]}] do not fit.`);
  }
  const needX = !xConstant;
  const needB = b !== null;
  // Inputs of the custom op: only the tensors that get a gradient (W always; x and b when needed).
  const inputs: tf.Tensor[] = [W];
  if (needX) inputs.push(x);
  if (needB) inputs.push(b);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    const w = args[0] as tf.Tensor2D;
    const y0 = tf.matMul(x, tf.transpose(w));
    const value = needB ? tf.add(y0, b) : y0;
    // Tensors the gradient reads must be saved: the forward's scope is disposed before backprop.
    save(xT === null ? [w, x] : [w, xT]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ws, xs] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      // dW = dyᵀ·x   [out, in]
      const dW = xT === null ? tf.matMul(tf.transpose(d), xs) : tf.transpose(tf.matMul(xs, d));
      const grads: tf.Tensor[] = [dW];
      if (needX) {
        if (xT !== null) throw new Error('dense: xT is only for inputs without a gradient.');
        grads.push(tf.matMul(d, ws)); // dx = dy·W   [R, in]
      }
      if (needB) grads.push(tf.reshape(columnSums(d), [out])); // db = Σ_r dy   [out]
      return grads;
    };
    return { value, gradFunc };
  });
  return op(...inputs) as tf.Tensor2D;
}

/**
 * y = A·x for a constant matrix A [P, R] (e.g. the pooling matrix) and x [R, C]; dx = Aᵀ·dy with an
 * explicit transpose of A (no transposed product).
 */
export function constMatMul(A: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    (save as tf.GradSaveFunc)([A]);
    return {
      value: tf.matMul(A, xx as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(tf.transpose(saved[0]!), dy),
    };
  })(x) as tf.Tensor2D;
}

/** Batch statistics of a train-mode BatchNorm: mean [C] and unbiased variance [C] (torch's running update). */
export interface BatchNormStats {
  mean: tf.Tensor1D;
  varUnbiased: tf.Tensor1D;
}

/**
 * Train-mode BatchNorm1d over the R rows of x [R, C] (torch semantics, R ≥ 2):
 *
 *   μ = Σ_r x_r / R,  σ² = Σ_r (x_r − μ)² / R  (biased),  x̂ = (x − μ)/√(σ² + eps),  y = γ·x̂ + β
 *
 * Gradients (the standard closed form, with s = γ/√(σ² + eps)):
 *
 *   dβ = Σ_r dy_r,  dγ = Σ_r dy_r·x̂_r,  dx = s·(dy − dβ/R − x̂·dγ/R)
 *
 * Also returns μ and the unbiased variance σ²·R/(R−1) as ordinary tensors of the caller's scope.
 * `group`: see `columnSums` (pass M for the N·M edge rows).
 */
export function batchNormTrain(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  group = 1,
): { y: tf.Tensor2D; stats: BatchNormStats } {
  const [R, C] = x.shape;
  // Row vectors as 1-D [C] tensors: wasm broadcasts [R, C] ⊙ [C] faster than [R, C] ⊙ [1, C].
  const colMeans = (t: tf.Tensor2D) => tf.reshape<tf.Rank.R1>(tf.mul(columnSums(t, group), 1 / R), [C]);
  let kept: tf.Tensor[] = [];
  const op = tf.customGrad(
    (
      xIn: tf.Tensor | tf.GradSaveFunc,
      gIn: tf.Tensor | tf.GradSaveFunc,
      bIn: tf.Tensor | tf.GradSaveFunc,
      save: tf.Tensor | tf.GradSaveFunc,
    ) => {
      const xx = xIn as tf.Tensor2D;
      const mean = colMeans(xx); // [C]
      const xc = tf.sub(xx, mean);
      const varB = colMeans(tf.mul(xc, xc)); // [C], biased
      const inv = tf.rsqrt(tf.add(varB, eps)); // [C]
      const xhat = tf.mul(xc, inv);
      const value = tf.add(tf.mul(xhat, gIn as tf.Tensor1D), bIn as tf.Tensor1D);
      // The forward runs inside its own tidy: keep the statistics past it (handed over below).
      kept = [tf.keep(mean), tf.keep(tf.mul(varB, R / (R - 1)))];
      (save as tf.GradSaveFunc)([xhat, tf.mul(inv, gIn as tf.Tensor1D)]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, s] = saved as [tf.Tensor2D, tf.Tensor1D];
        const d = dy as tf.Tensor2D;
        const dBeta = tf.reshape<tf.Rank.R1>(columnSums(d, group), [C]);
        const dGamma = tf.reshape<tf.Rank.R1>(columnSums(tf.mul(d, xh), group), [C]);
        // dx = s·(dy − x̂·dγ/R − dβ/R)
        const dx = tf.mul(tf.sub(tf.sub(d, tf.mul(xh, tf.mul(dGamma, 1 / R))), tf.mul(dBeta, 1 / R)), s);
        return [dx, dGamma, dBeta];
      };
      return { value, gradFunc };
    },
  );
  const y = op(x, gamma, beta) as tf.Tensor2D;
  // Move the kept statistics into the caller's scope (clone shares the data), so the caller's tidy owns them.
  const [keptMean, keptVar] = kept as [tf.Tensor1D, tf.Tensor1D];
  const stats = { mean: tf.clone(keptMean), varUnbiased: tf.clone(keptVar) };
  tf.dispose(kept);
  return { y, stats };
}

/**
 * CGCNN's gated neighbour sum: s[i] = Σ_m σ(f[i,m])·softplus(c[i,m]) for f, c [N·M, F] (rows i·M+m)
 * → s [N, F]. Gradients (with ds broadcast over m):
 *
 *   df = ds·softplus(c)·σ(f)·(1 − σ(f)),   dc = ds·σ(f)·σ(c)
 *
 * softplus is TF.js's (see cgcnn.ts for how it compares with torch's).
 */
export function gatedNeighbourSum(f: tf.Tensor2D, c: tf.Tensor2D, N: number, M: number): tf.Tensor2D {
  const [R, F] = f.shape;
  if (R !== N * M || c.shape[0] !== R || c.shape[1] !== F) {
    throw new RangeError(
      `gatedNeighbourSum: f [${R}, ${F}] and c [${c.shape.join(', ')}] must both be [N·M, F] = [${N * M}, ${F}].`,
    );
  }
  const op = tf.customGrad(
    (
      fIn: tf.Tensor | tf.GradSaveFunc,
      cIn: tf.Tensor | tf.GradSaveFunc,
      save: tf.Tensor | tf.GradSaveFunc,
    ) => {
      const sf = tf.sigmoid(fIn as tf.Tensor2D);
      const sp = tf.softplus(cIn as tf.Tensor2D);
      const value = tf.sum(tf.reshape(tf.mul(sf, sp), [N, M, F]), 1);
      (save as tf.GradSaveFunc)([sf, sp, cIn as tf.Tensor2D]);
      const gradFunc = (ds: tf.Tensor, saved: tf.Tensor[]) => {
        const [sfS, spS, cS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const d3 = tf.reshape(ds, [N, 1, F]);
        const sf3 = tf.reshape(sfS, [N, M, F]);
        const df = tf.mul(tf.mul(tf.reshape(spS, [N, M, F]), d3), tf.mul(sf3, tf.sub(1, sf3)));
        const dc = tf.mul(tf.mul(sf3, d3), tf.reshape(tf.sigmoid(cS), [N, M, F]));
        return [tf.reshape(df, [R, F]), tf.reshape(dc, [R, F])];
      };
      return { value, gradFunc };
    },
  );
  return op(f, c) as tf.Tensor2D;
}

/** Eval-mode BatchNorm1d: y = (x − running_mean)·γ/√(running_var + eps) + β (autodiff gradients). */
export function batchNormEval(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  eps: number,
): tf.Tensor2D {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(runningVar, eps)));
  return tf.add(tf.mul(tf.sub(x, runningMean), scale), beta);
}
