/**
 * Regression losses with their analytic gradients, reproducing `torch.nn.functional` (torch 1.13,
 * float64) with `reduction='mean'`.
 *
 * Everything is plain float64 maths. With e = pred − target (element-wise) and n elements:
 *
 * | kind       | per-element ℓ(e)                                   | dℓ/de                              |
 * |------------|----------------------------------------------------|------------------------------------|
 * | `mse`      | e²                                                 | 2e                                 |
 * | `mae` (L1) | \|e\|                                              | sign(e), with sign(0) = 0          |
 * | `huber`    | \|e\| < δ ? ½e² : δ(\|e\| − ½δ)                    | \|e\| < δ ? e : δ·sign(e)          |
 * | `smoothl1` | \|e\| < β ? ½e²/β : \|e\| − ½β                     | \|e\| < β ? e/β : sign(e)          |
 *
 * The loss is mean(ℓ(e)) and the gradient with respect to the predictions is dℓ/de(eᵢ)/n. Like torch,
 * the linear branch is taken at |e| == δ (resp. β); value and slope agree there, so the choice only
 * matters for bit-exactness. Huber_δ = δ·SmoothL1_δ.
 */

/** Which loss, with its hyper-parameter; a plain serialisable object. */
export type LossConfig =
  | { readonly kind: 'mse' }
  | { readonly kind: 'mae' }
  | { readonly kind: 'huber'; readonly delta: number }
  | { readonly kind: 'smoothl1'; readonly beta: number };

/** The mean-reduced loss and its gradient d(loss)/d(pred), same length as `pred`. */
export interface LossValueAndGrad {
  readonly value: number;
  readonly grad: Float64Array;
}

/**
 * Throws a RangeError when the hyper-parameter is one torch would reject: Huber needs δ > 0
 * (`huber_loss` raises for δ ≤ 0), SmoothL1 needs β ≥ 0 (`smooth_l1_loss` raises for β < 0).
 */
export function checkLossConfig(config: LossConfig): void {
  switch (config.kind) {
    case 'mse':
    case 'mae':
      return;
    case 'huber':
      if (!(config.delta > 0) || !Number.isFinite(config.delta)) {
        throw new RangeError(`Huber loss: delta must be a finite number > 0, got ${config.delta}`);
      }
      return;
    case 'smoothl1':
      if (!(config.beta >= 0) || !Number.isFinite(config.beta)) {
        throw new RangeError(`SmoothL1 loss: beta must be a finite number >= 0, got ${config.beta}`);
      }
      return;
  }
}

/** sign(e) with sign(±0) = 0 and sign(NaN) = NaN, like `torch.sign`. */
function sign(e: number): number {
  return e > 0 ? 1 : e < 0 ? -1 : e === 0 ? 0 : Number.NaN;
}

/** ℓ(e) without validating the config (callers validate once). */
function elementLoss(config: LossConfig, e: number): number {
  switch (config.kind) {
    case 'mse':
      return e * e;
    case 'mae':
      return Math.abs(e);
    case 'huber': {
      // torch: z < delta ? 0.5*z*z : delta*(z - 0.5*delta)
      const z = Math.abs(e);
      const d = config.delta;
      return z < d ? 0.5 * z * z : d * (z - 0.5 * d);
    }
    case 'smoothl1': {
      // torch: beta == 0 dispatches to l1_loss; else z < beta ? 0.5*z*z/beta : z - 0.5*beta
      const z = Math.abs(e);
      const b = config.beta;
      if (b === 0) return z;
      return z < b ? (0.5 * z * z) / b : z - 0.5 * b;
    }
  }
}

/** dℓ/de without validating the config (callers validate once). */
function elementGrad(config: LossConfig, e: number): number {
  switch (config.kind) {
    case 'mse':
      return 2 * e;
    case 'mae':
      return sign(e);
    case 'huber': {
      // torch huber_loss_backward: x < -delta ? -delta : x > delta ? delta : x
      const d = config.delta;
      return e < -d ? -d : e > d ? d : e;
    }
    case 'smoothl1': {
      // torch smooth_l1_loss_backward: x <= -beta ? -1 : x >= beta ? 1 : x/beta (beta == 0 → L1)
      const b = config.beta;
      if (b === 0) return sign(e);
      return e <= -b ? -1 : e >= b ? 1 : e / b;
    }
  }
}

/**
 * Per-element loss ℓ(e) of one residual e = pred − target (no reduction), for plotting the loss
 * against the residual. `mean(lossOfResidual(c, eᵢ))` is `lossValueAndGrad(c, …).value`.
 *
 * torch: `F.<loss>(e, 0, reduction='none')` for MSELoss, L1Loss, HuberLoss(delta), SmoothL1Loss(beta)
 * (β = 0 gives L1, as torch does). Throws a RangeError for δ ≤ 0 or β < 0 (torch raises too).
 */
export function lossOfResidual(config: LossConfig, e: number): number {
  checkLossConfig(config);
  return elementLoss(config, e);
}

/**
 * Derivative dℓ/de of the per-element loss at residual e (no 1/n factor), for plotting the gradient
 * against the residual: 2e (MSE), sign(e) with sign(0) = 0 (L1), clamp(e, −δ, δ) (Huber),
 * clamp(e/β, −1, 1) (SmoothL1). This is torch's backward for `reduction='none'` with unit upstream
 * gradient. At |e| == δ (β) the linear-branch slope ±δ (±1) is returned, equal to the quadratic one.
 */
export function lossGradOfResidual(config: LossConfig, e: number): number {
  checkLossConfig(config);
  return elementGrad(config, e);
}

/**
 * Mean-reduced loss and its gradient with respect to the predictions, as torch computes
 * `F.mse_loss / l1_loss / huber_loss / smooth_l1_loss(pred, target, reduction='mean')` and
 * `.backward()` in float64: value = (1/n)·Σ ℓ(predᵢ − targetᵢ), gradᵢ = dℓ/de(predᵢ − targetᵢ)/n.
 *
 * Shapes are flat: any row-major tensor (e.g. an [8,1] batch) is just its n elements. The gradient is
 * evaluated in torch's operation order (norm·slope with norm = 2/n or 1/n), which makes it bit-identical
 * to torch on the fixture. The sum uses Neumaier-compensated summation; torch's vectorised cascade sum
 * differs only in the last bit or so (fixture: ≤ 1.6e-16 relative). Divergences: n = 0 returns value NaN (torch's mean of an
 * empty tensor, which it also warns about) and an empty gradient; mismatched lengths throw
 * (torch would broadcast, with a warning), as does δ ≤ 0 or β < 0. Inputs are not mutated.
 */
export function lossValueAndGrad(
  config: LossConfig,
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
): LossValueAndGrad {
  checkLossConfig(config);
  const n = pred.length;
  if (target.length !== n) {
    throw new RangeError(`lossValueAndGrad: pred has ${n} elements but target has ${target.length}`);
  }
  const grad = new Float64Array(n);
  if (n === 0) return { value: Number.NaN, grad };
  // torch's backward kernels multiply a reduction factor `norm` (2/n for MSE, 1/n otherwise) by the
  // per-element slope (e for MSE, sign(e), clamp(e, ±δ), clamp(e/β, ±1)): the same operation order here
  // makes the gradient bit-identical to torch's vectorised CPU kernels.
  const isMse = config.kind === 'mse';
  const norm = (isMse ? 2 : 1) / n;
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const e = (pred[i] as number) - (target[i] as number);
    const l = elementLoss(config, e);
    const t = sum + l;
    comp += Math.abs(sum) >= Math.abs(l) ? sum - t + l : l - t + sum;
    sum = t;
    grad[i] = norm * (isMse ? e : elementGrad(config, e));
  }
  // A non-finite running sum (±Infinity or NaN from non-finite residuals) makes the compensation NaN;
  // the plain sum is then the IEEE answer torch gives.
  const total = Number.isFinite(sum) ? sum + comp : sum;
  return { value: total / n, grad };
}
