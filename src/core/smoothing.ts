/**
 * Debiased exponential moving averages for loss curves.
 *
 * Two flavours of the same maths, s_n = β·s_{n−1} + (1 − β)·x_n with s_0 = 0, reported debiased as
 * s_n / (1 − βⁿ) (the bias correction of Adam's moments: a constant series c gives exactly c in exact
 * arithmetic, instead of c·(1 − βⁿ)):
 *
 * - `debiasedEma` — TensorBoard's scalar-chart smoothing slider (weight w = β), which skips non-finite
 *   points;
 * - `avgSmoothLoss*` / `fastaiSmoothLosses` — fastai's `AvgSmoothLoss` metric (β = 0.98), which is what
 *   fastai's Recorder stores as the training loss and what its LR finder sees; it does not skip NaN/±∞.
 */

function checkBeta(beta: number): void {
  if (!Number.isFinite(beta) || beta < 0 || beta >= 1) {
    throw new RangeError(`smoothing: beta must be in [0, 1), got ${beta}`);
  }
}

/**
 * TensorBoard's smoothing (`resmoothDataset` in `vz_line_chart2/line-chart.ts`, and the same loop in
 * TensorBoard's newer Angular frontend): with `last = 0`, `numAccum = 0`, for each value x
 *
 *     if x is not finite:  out = x                 (passed through, not accumulated)
 *     else:                last = last*w + (1 - w)*x; numAccum += 1
 *                          out = last / (1 - w**numAccum)
 *
 * (same operation order). Non-finite values (NaN, ±∞) therefore appear unchanged in the output at their
 * position and do not disturb the average of the finite ones around them; the debias exponent counts
 * finite points only.
 *
 * Divergences from TensorBoard, deliberate: β must be in [0, 1) (TensorBoard's slider stops at 0.999;
 * at w = 1 its code skips the debias and shows all zeros, which we reject instead). The older
 * `vz_line_chart2` also returns a series whose values are all equal unchanged (TensorBoard #786, to hide
 * rounding wiggles); we do not special-case it, the result equals the constant up to rounding.
 * β = 0 returns the finite values unchanged.
 */
export function debiasedEma(values: ArrayLike<number>, beta: number): Float64Array {
  checkBeta(beta);
  const out = new Float64Array(values.length);
  let last = 0;
  let numAccum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (!Number.isFinite(x)) {
      out[i] = x;
      continue;
    }
    last = last * beta + (1 - beta) * x;
    numAccum++;
    out[i] = last / (1 - beta ** numAccum);
  }
  return out;
}

/** fastai `AvgSmoothLoss` state: `count` accumulated losses, raw (biased) average `val`. */
export interface AvgSmoothLossState {
  readonly beta: number;
  readonly count: number;
  readonly val: number;
}

/** fastai's AvgSmoothLoss β (`AvgSmoothLoss(beta=0.98)`). */
export const FASTAI_SMOOTH_BETA = 0.98;

/** fastai `AvgSmoothLoss.reset`: `count, val = 0, tensor(0.)`. */
export function avgSmoothLossInit(beta: number = FASTAI_SMOOTH_BETA): AvgSmoothLossState {
  checkBeta(beta);
  return { beta, count: 0, val: 0 };
}

/** torch.lerp(start, end, weight) (ATen `lerp`): |w| < 0.5 ? start + w·(end − start) : end − (end − start)·(1 − w). */
function torchLerp(start: number, end: number, weight: number): number {
  return Math.abs(weight) < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight);
}

/**
 * fastai `AvgSmoothLoss.accumulate`: `count += 1; val = torch.lerp(loss, val, beta)`, i.e.
 * val ← β·val + (1 − β)·loss, evaluated as torch's lerp does (for β ≥ 0.5:
 * val − (val − loss)·(1 − β)). Non-finite losses are *not* skipped: a NaN poisons the average for good,
 * and +∞ turns into NaN at the next finite loss (∞ − ∞), exactly as in fastai.
 * fastai runs this in float32; we stay in float64 (deliberate).
 */
export function avgSmoothLossStep(state: AvgSmoothLossState, loss: number): AvgSmoothLossState {
  return { beta: state.beta, count: state.count + 1, val: torchLerp(loss, state.val, state.beta) };
}

/** fastai `AvgSmoothLoss.value`: `val / (1 - beta**count)` (NaN before the first loss, as 0/0 in torch). */
export function avgSmoothLossValue(state: AvgSmoothLossState): number {
  return state.val / (1 - state.beta ** state.count);
}

/**
 * The smoothed losses fastai's Recorder records for a run of raw batch losses: the AvgSmoothLoss value
 * after each batch (`avgSmoothLossStep` then `avgSmoothLossValue`). NaN / ±∞ propagate (see
 * `avgSmoothLossStep`), unlike `debiasedEma`.
 */
export function fastaiSmoothLosses(
  losses: ArrayLike<number>,
  beta: number = FASTAI_SMOOTH_BETA,
): Float64Array {
  let s = avgSmoothLossInit(beta);
  const out = new Float64Array(losses.length);
  for (let i = 0; i < losses.length; i++) {
    s = avgSmoothLossStep(s, losses[i] as number);
    out[i] = avgSmoothLossValue(s);
  }
  return out;
}
