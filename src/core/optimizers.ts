/**
 * torch.optim optimizers as pure steps on n-dimensional float64 parameter vectors.
 *
 * Each optimizer reproduces PyTorch 1.13's single-tensor code path (`foreach=False`, `maximize=False`,
 * `differentiable=False`, `capturable=False`, dense gradients) operation by operation, in the same
 * floating-point order, so that float64 trajectories agree with torch to round-off (~1e-13 on the 98
 * `optim2d.json` paths). In torch's element-wise kernels
 *
 * - `a.add(b, alpha=s)`  is `a + s·b`,
 * - `a.addcmul(t1, t2, value=s)` is `a + (s·t1)·t2`,
 * - `a.addcdiv(t1, t2, value=s)` is `a + (s·t1)/t2`,
 *
 * and the code below is written with exactly these groupings.
 *
 * Deliberate divergences:
 * - **No fused multiply-add.** torch's CPU scalar loops (which handle tensors too short for the vector
 *   path, e.g. the 2-element playground parameter) are compiled with FMA contraction, so `a + alpha*b`
 *   is rounded once. JavaScript has no FMA; we round the product and the sum separately (≤ 1 ulp per
 *   operation). Together with the gradient's operation order (analytic `grad_js` vs autograd) this is the
 *   whole residual: observed ≤ 7.3e-14 on the fixture paths (≤ 9.4e-13 on f), vs the 1e-9 tolerance.
 *   (Checked offline: SGD on Rosenbrock with an exactly rounded FMA and autograd-order gradients
 *   reproduces torch's path bit for bit.)
 * - Only `maximize=False`, dense gradients and one parameter tensor (an n-vector) are modelled; the
 *   `foreach`/`fused` multi-tensor kernels are not reproduced (same maths, possibly different rounding).
 *
 * Config and state are plain, JSON-serializable data (state buffers are `number[]`, never typed arrays), so
 * a checkpoint can store them and a worker can post them. Steps never mutate their inputs: they return new
 * parameter and state arrays.
 *
 * Schedules: torch's schedulers mutate `param_group['lr']` (and, for OneCycleLR with `cycle_momentum`,
 * `param_group['momentum']` for SGD/RMSprop or `param_group['betas'][0]` for Adam/AdamW) before each step.
 * Here the config stays fixed and {@link StepOverrides} carries the per-step values instead; passing them
 * is exactly equivalent to torch reading the mutated group in that step.
 */

/** The supported torch.optim classes. */
export type OptimizerKind = 'SGD' | 'Adagrad' | 'RMSprop' | 'Adam' | 'AdamW';

/** torch.optim.SGD hyper-parameters (torch defaults: momentum 0, dampening 0, weight_decay 0, nesterov false). */
export interface SGDConfig {
  readonly kind: 'SGD';
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

/** torch.optim.Adagrad hyper-parameters (defaults: lr 0.01, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10). */
export interface AdagradConfig {
  readonly kind: 'Adagrad';
  readonly lr: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
}

/** torch.optim.RMSprop hyper-parameters (defaults: lr 0.01, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered false). */
export interface RMSpropConfig {
  readonly kind: 'RMSprop';
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
}

/** torch.optim.Adam hyper-parameters (defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0, amsgrad false). */
export interface AdamConfig {
  readonly kind: 'Adam';
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  /** L2 penalty added to the gradient (coupled), as torch.optim.Adam. */
  readonly weightDecay: number;
  readonly amsgrad: boolean;
}

/** torch.optim.AdamW hyper-parameters (defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01, amsgrad false). */
export interface AdamWConfig {
  readonly kind: 'AdamW';
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  /** Decoupled decay: p ← p·(1 − lr·weight_decay) before the Adam update. */
  readonly weightDecay: number;
  readonly amsgrad: boolean;
}

/** Serializable optimizer configuration, discriminated by `kind` (the torch class name). */
export type OptimizerConfig = SGDConfig | AdagradConfig | RMSpropConfig | AdamConfig | AdamWConfig;

/** SGD state. `momentumBuffer` is null until the first step with momentum ≠ 0 (torch: state has no buffer). */
export interface SGDState {
  readonly kind: 'SGD';
  /** Number of steps taken (torch's SGD keeps no step count; kept here for uniformity). */
  readonly step: number;
  readonly momentumBuffer: number[] | null;
}

/** Adagrad state: `sum` is torch's `state['sum']`, initialised to initial_accumulator_value. */
export interface AdagradState {
  readonly kind: 'Adagrad';
  readonly step: number;
  readonly sum: number[];
}

/** RMSprop state: `square_avg`, plus `grad_avg` (centered) and `momentum_buffer` (momentum > 0). */
export interface RMSpropState {
  readonly kind: 'RMSprop';
  readonly step: number;
  readonly squareAvg: number[];
  readonly gradAvg: number[] | null;
  readonly momentumBuffer: number[] | null;
}

/** Adam/AdamW state: `exp_avg`, `exp_avg_sq` and (amsgrad) `max_exp_avg_sq`. */
export interface AdamState {
  readonly kind: 'Adam' | 'AdamW';
  readonly step: number;
  readonly expAvg: number[];
  readonly expAvgSq: number[];
  readonly maxExpAvgSq: number[] | null;
}

/** Serializable optimizer state for one parameter vector. */
export type OptimizerState = SGDState | AdagradState | RMSpropState | AdamState;

/**
 * Per-step values that replace the config's, as a scheduler would have written them into torch's
 * `param_group` before `optimizer.step()`:
 *
 * - `lr`: the learning rate for this step (every optimizer);
 * - `momentum`: SGD/RMSprop `momentum`, or Adam/AdamW `betas[0]` (torch OneCycleLR's `use_beta1` mapping).
 *   Adagrad has neither; passing it throws, as torch's OneCycleLR refuses `cycle_momentum` for it.
 */
export interface StepOverrides {
  readonly lr?: number;
  readonly momentum?: number;
}

/** Result of one step: new parameters and new state (inputs untouched). */
export interface StepResult {
  readonly params: number[];
  readonly state: OptimizerState;
}

/** torch 1.13 constructor defaults per class (AdamW's weight_decay default is 0.01, unlike Adam's 0). */
export const TORCH_DEFAULTS: {
  readonly SGD: Omit<SGDConfig, 'lr'>;
  readonly Adagrad: AdagradConfig;
  readonly RMSprop: RMSpropConfig;
  readonly Adam: AdamConfig;
  readonly AdamW: AdamWConfig;
} = {
  // torch's SGD has no default lr (it is required).
  SGD: { kind: 'SGD', momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  Adagrad: { kind: 'Adagrad', lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
  RMSprop: {
    kind: 'RMSprop',
    lr: 0.01,
    alpha: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    momentum: 0,
    centered: false,
  },
  Adam: { kind: 'Adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false },
  AdamW: { kind: 'AdamW', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
};

type ConfigOf<K extends OptimizerKind> = Extract<OptimizerConfig, { kind: K }>;

/**
 * A full config from torch's defaults plus overrides, e.g. `makeOptimizerConfig('SGD', { lr: 0.1,
 * momentum: 0.9, nesterov: true })`; `undefined` overrides are ignored. SGD requires `lr` (torch has no
 * default). Validates the ranges torch's
 * constructors check (lr ≥ 0, eps ≥ 0, momentum ≥ 0, weight_decay ≥ 0, 0 ≤ betas < 1, alpha ≥ 0,
 * lr_decay ≥ 0, initial_accumulator_value ≥ 0, nesterov needs momentum > 0 and dampening = 0).
 */
export function makeOptimizerConfig<K extends OptimizerKind>(
  kind: K,
  overrides: Partial<Omit<ConfigOf<K>, 'kind'>> = {},
): ConfigOf<K> {
  if (kind === 'SGD' && (overrides as Partial<SGDConfig>).lr === undefined) {
    throw new RangeError('SGD needs an explicit lr (torch.optim.SGD has no default)');
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...TORCH_DEFAULTS[kind], ...defined, kind } as unknown as ConfigOf<K>;
  validateConfig(config);
  return config;
}

/** Throws a RangeError when a hyper-parameter is outside the range torch's constructor accepts. */
export function validateConfig(config: OptimizerConfig): void {
  const bad = (what: string, v: unknown): never => {
    throw new RangeError(`${config.kind}: invalid ${what}: ${String(v)}`);
  };
  if (!(config.lr >= 0)) bad('learning rate', config.lr);
  if (!(config.weightDecay >= 0)) bad('weight_decay value', config.weightDecay);
  switch (config.kind) {
    case 'SGD':
      if (!(config.momentum >= 0)) bad('momentum value', config.momentum);
      if (config.nesterov && (config.momentum <= 0 || config.dampening !== 0)) {
        bad('nesterov (requires a momentum and zero dampening)', config.nesterov);
      }
      return;
    case 'Adagrad':
      if (!(config.lrDecay >= 0)) bad('lr_decay value', config.lrDecay);
      if (!(config.initialAccumulatorValue >= 0))
        bad('initial_accumulator_value', config.initialAccumulatorValue);
      if (!(config.eps >= 0)) bad('epsilon value', config.eps);
      return;
    case 'RMSprop':
      if (!(config.eps >= 0)) bad('epsilon value', config.eps);
      if (!(config.momentum >= 0)) bad('momentum value', config.momentum);
      if (!(config.alpha >= 0)) bad('alpha value', config.alpha);
      return;
    case 'Adam':
    case 'AdamW':
      if (!(config.eps >= 0)) bad('epsilon value', config.eps);
      if (!(config.betas[0] >= 0 && config.betas[0] < 1)) bad('beta parameter at index 0', config.betas[0]);
      if (!(config.betas[1] >= 0 && config.betas[1] < 1)) bad('beta parameter at index 1', config.betas[1]);
      return;
  }
}

/**
 * Fresh state for an n-parameter vector, as torch creates it lazily on the first step:
 * SGD — no momentum buffer yet; Adagrad — `sum` = initial_accumulator_value (torch fills it at
 * construction); RMSprop — `square_avg` = 0, `grad_avg` = 0 if centered, `momentum_buffer` = 0 if
 * momentum > 0; Adam/AdamW — `exp_avg` = `exp_avg_sq` = 0, `max_exp_avg_sq` = 0 if amsgrad. step = 0.
 */
export function initOptimizerState(config: OptimizerConfig, n: number): OptimizerState {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`parameter count must be ≥ 0, got ${n}`);
  const zeros = (): number[] => new Array<number>(n).fill(0);
  switch (config.kind) {
    case 'SGD':
      return { kind: 'SGD', step: 0, momentumBuffer: null };
    case 'Adagrad':
      return { kind: 'Adagrad', step: 0, sum: new Array<number>(n).fill(config.initialAccumulatorValue) };
    case 'RMSprop':
      return {
        kind: 'RMSprop',
        step: 0,
        squareAvg: zeros(),
        gradAvg: config.centered ? zeros() : null,
        momentumBuffer: config.momentum > 0 ? zeros() : null,
      };
    case 'Adam':
    case 'AdamW':
      return {
        kind: config.kind,
        step: 0,
        expAvg: zeros(),
        expAvgSq: zeros(),
        maxExpAvgSq: config.amsgrad ? zeros() : null,
      };
  }
}

function checkLengths(what: string, expected: number, actual: number): void {
  if (actual !== expected) throw new RangeError(`${what} has length ${actual}, expected ${expected}`);
}

/**
 * torch.optim.SGD, `_single_tensor_sgd` (1.13). Per element, with g the gradient:
 *
 *     d = g + wd·p                                   (if wd ≠ 0)
 *     if μ ≠ 0:
 *       buf = d                                      (first step with momentum: clone, no dampening)
 *       buf = μ·buf + (1 − dampening)·d              (later steps; computed as buf·μ + (1−τ)·d)
 *       d = nesterov ? d + μ·buf : buf
 *     p = p + (−lr)·d
 *
 * μ and lr may be overridden per step (unlike tf.train.momentum, whose momentum is fixed at creation). In a
 * step with μ = 0 torch skips the momentum branch and leaves an existing buffer untouched; when μ becomes
 * non-zero again the old buffer is continued. Both are reproduced.
 */
export function sgdStep(
  config: SGDConfig,
  state: SGDState,
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  overrides: StepOverrides = {},
): StepResult {
  const n = params.length;
  checkLengths('grad', n, grad.length);
  if (state.momentumBuffer !== null) checkLengths('SGD momentum buffer', n, state.momentumBuffer.length);
  const lr = overrides.lr ?? config.lr;
  const mu = overrides.momentum ?? config.momentum;
  const { dampening, weightDecay: wd, nesterov } = config;
  const out = new Array<number>(n);
  // Fresh arrays for everything returned, so the new state never aliases the old one.
  const buf: number[] | null = mu !== 0 ? new Array<number>(n) : (state.momentumBuffer?.slice() ?? null);
  for (let i = 0; i < n; i++) {
    const p = params[i] as number;
    let d = grad[i] as number;
    if (wd !== 0) d = d + wd * p;
    if (mu !== 0 && buf !== null) {
      const prev = state.momentumBuffer;
      const b = prev === null ? d : (prev[i] as number) * mu + (1 - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + mu * b : b;
    }
    out[i] = p + -lr * d;
  }
  return { params: out, state: { kind: 'SGD', step: state.step + 1, momentumBuffer: buf } };
}

/**
 * torch.optim.Adagrad, `_single_tensor_adagrad` (1.13). With t the new step count:
 *
 *     g = g + wd·p                      (if wd ≠ 0)
 *     clr = lr / (1 + (t − 1)·lr_decay)
 *     sum = sum + (1·g)·g               (addcmul_, value 1)
 *     std = sqrt(sum) + eps
 *     p = p + ((−clr)·g) / std          (addcdiv_, value −clr)
 */
export function adagradStep(
  config: AdagradConfig,
  state: AdagradState,
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  overrides: StepOverrides = {},
): StepResult {
  if (overrides.momentum !== undefined) {
    throw new RangeError(
      'Adagrad has no momentum/beta1 to override (torch OneCycleLR refuses cycle_momentum)',
    );
  }
  const n = params.length;
  checkLengths('grad', n, grad.length);
  checkLengths('Adagrad sum', n, state.sum.length);
  const lr = overrides.lr ?? config.lr;
  const { lrDecay, weightDecay: wd, eps } = config;
  const step = state.step + 1;
  const clr = lr / (1 + (step - 1) * lrDecay);
  const out = new Array<number>(n);
  const sum = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const p = params[i] as number;
    let g = grad[i] as number;
    if (wd !== 0) g = g + wd * p;
    const s = (state.sum[i] as number) + 1 * g * g;
    sum[i] = s;
    const std = Math.sqrt(s) + eps;
    out[i] = p + (-clr * g) / std;
  }
  return { params: out, state: { kind: 'Adagrad', step, sum } };
}

/**
 * torch.optim.RMSprop, `_single_tensor_rmsprop` (1.13):
 *
 *     g = g + wd·p                                   (if wd ≠ 0)
 *     sq = sq·α + ((1 − α)·g)·g
 *     if centered: ga = ga·α + (1 − α)·g;  avg = sqrt(sq + ((−1)·ga)·ga) + eps
 *     else:        avg = sqrt(sq) + eps
 *     if μ > 0: buf = buf·μ + (1·g)/avg;  p = p + (−lr)·buf
 *     else:     p = p + ((−lr)·g)/avg
 *
 * Divergence: torch creates `momentum_buffer` only if momentum > 0 at the first step and would raise a
 * KeyError if a schedule later raised it from 0; here a missing buffer is created as zeros when needed.
 */
export function rmspropStep(
  config: RMSpropConfig,
  state: RMSpropState,
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  overrides: StepOverrides = {},
): StepResult {
  const n = params.length;
  checkLengths('grad', n, grad.length);
  checkLengths('RMSprop square_avg', n, state.squareAvg.length);
  const lr = overrides.lr ?? config.lr;
  const mu = overrides.momentum ?? config.momentum;
  const { alpha, eps, weightDecay: wd, centered } = config;
  const oneMinusAlpha = 1 - alpha;
  const prevGradAvg = centered ? (state.gradAvg ?? new Array<number>(n).fill(0)) : null;
  const prevBuf = mu > 0 ? (state.momentumBuffer ?? new Array<number>(n).fill(0)) : null;
  if (prevGradAvg !== null) checkLengths('RMSprop grad_avg', n, prevGradAvg.length);
  if (prevBuf !== null) checkLengths('RMSprop momentum_buffer', n, prevBuf.length);
  const out = new Array<number>(n);
  const squareAvg = new Array<number>(n);
  const gradAvg = prevGradAvg === null ? (state.gradAvg?.slice() ?? null) : new Array<number>(n);
  const buf = prevBuf === null ? (state.momentumBuffer?.slice() ?? null) : new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const p = params[i] as number;
    let g = grad[i] as number;
    if (wd !== 0) g = g + wd * p;
    const sq = (state.squareAvg[i] as number) * alpha + oneMinusAlpha * g * g;
    squareAvg[i] = sq;
    let avg: number;
    if (prevGradAvg !== null && gradAvg !== null) {
      const ga = (prevGradAvg[i] as number) * alpha + oneMinusAlpha * g;
      gradAvg[i] = ga;
      avg = Math.sqrt(sq + -1 * ga * ga) + eps;
    } else {
      avg = Math.sqrt(sq) + eps;
    }
    if (prevBuf !== null && buf !== null) {
      const b = (prevBuf[i] as number) * mu + (1 * g) / avg;
      buf[i] = b;
      out[i] = p + -lr * b;
    } else {
      out[i] = p + (-lr * g) / avg;
    }
  }
  return {
    params: out,
    state: { kind: 'RMSprop', step: state.step + 1, squareAvg, gradAvg, momentumBuffer: buf },
  };
}

/**
 * torch.optim.Adam / AdamW, `_single_tensor_adam` / `_single_tensor_adamw` (1.13). With t the new step:
 *
 *     AdamW: p = p·(1 − lr·wd)                       (decoupled decay, first, on the parameter)
 *     Adam:  g = g + wd·p                            (if wd ≠ 0; L2 penalty in the gradient)
 *     m = m·β₁ + (1 − β₁)·g
 *     v = v·β₂ + ((1 − β₂)·g)·g
 *     bc1 = 1 − β₁^t;  bc2 = 1 − β₂^t               (Python float ** : C pow)
 *     step_size = lr / bc1
 *     v̂ = amsgrad ? (vmax = max(vmax, v)) : v
 *     denom = sqrt(v̂) / sqrt(bc2) + eps
 *     p = p + ((−step_size)·m) / denom
 *
 * lr and β₁ (as `overrides.momentum`) may be overridden per step, as OneCycleLR does. Note torch's
 * bias correction uses the *current* β₁ for all past steps (1 − β₁^t), which is reproduced.
 */
export function adamStep(
  config: AdamConfig | AdamWConfig,
  state: AdamState,
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  overrides: StepOverrides = {},
): StepResult {
  const n = params.length;
  checkLengths('grad', n, grad.length);
  checkLengths('exp_avg', n, state.expAvg.length);
  checkLengths('exp_avg_sq', n, state.expAvgSq.length);
  const lr = overrides.lr ?? config.lr;
  const beta1 = overrides.momentum ?? config.betas[0];
  const beta2 = config.betas[1];
  const { eps, weightDecay: wd, amsgrad } = config;
  const decoupled = config.kind === 'AdamW';
  const prevMax = amsgrad ? (state.maxExpAvgSq ?? new Array<number>(n).fill(0)) : null;
  if (prevMax !== null) checkLengths('max_exp_avg_sq', n, prevMax.length);
  const step = state.step + 1;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  const decay = 1 - lr * wd;
  const out = new Array<number>(n);
  const expAvg = new Array<number>(n);
  const expAvgSq = new Array<number>(n);
  const maxExpAvgSq = prevMax === null ? (state.maxExpAvgSq?.slice() ?? null) : new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let p = params[i] as number;
    let g = grad[i] as number;
    if (decoupled) p = p * decay;
    else if (wd !== 0) g = g + wd * p;
    const m = (state.expAvg[i] as number) * beta1 + oneMinusBeta1 * g;
    const v = (state.expAvgSq[i] as number) * beta2 + oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    let vHat = v;
    if (prevMax !== null && maxExpAvgSq !== null) {
      vHat = Math.max(prevMax[i] as number, v);
      maxExpAvgSq[i] = vHat;
    }
    const denom = Math.sqrt(vHat) / biasCorrection2Sqrt + eps;
    out[i] = p + (-stepSize * m) / denom;
  }
  return {
    params: out,
    state: { kind: config.kind, step, expAvg, expAvgSq, maxExpAvgSq },
  };
}

/**
 * One optimizer step `(config, state, params, grad) → { params, state }`, dispatching on `config.kind`
 * to {@link sgdStep}, {@link adagradStep}, {@link rmspropStep} or {@link adamStep} (Adam and AdamW).
 * Equivalent to torch's `optimizer.step()` on one float64 parameter tensor whose `.grad` is `grad`, with
 * `param_group` = config (+ overrides). Throws if the state belongs to another optimizer kind or the
 * lengths disagree. Inputs are never mutated.
 */
export function optimizerStep(
  config: OptimizerConfig,
  state: OptimizerState,
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  overrides: StepOverrides = {},
): StepResult {
  const mismatch = (): never => {
    throw new TypeError(`optimizer state of kind ${state.kind} does not match config kind ${config.kind}`);
  };
  switch (config.kind) {
    case 'SGD':
      return state.kind === 'SGD' ? sgdStep(config, state, params, grad, overrides) : mismatch();
    case 'Adagrad':
      return state.kind === 'Adagrad' ? adagradStep(config, state, params, grad, overrides) : mismatch();
    case 'RMSprop':
      return state.kind === 'RMSprop' ? rmspropStep(config, state, params, grad, overrides) : mismatch();
    case 'Adam':
    case 'AdamW':
      return state.kind === config.kind ? adamStep(config, state, params, grad, overrides) : mismatch();
  }
}
