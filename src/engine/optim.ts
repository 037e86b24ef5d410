/**
 * torch 1.13 optimizers on the device: SGD (momentum, dampening, Nesterov, weight decay), Adagrad,
 * RMSprop (centered, momentum), Adam (AMSGrad) and AdamW — the update rules of `src/core/optimizers.ts`
 * (the float64 reference, matched to torch on `optim2d.json`), operation by operation in float32 TF.js ops
 * on slot variables.
 *
 * Why not `tf.train.*`: the lab cycles the learning rate AND the momentum (SGD/RMSprop) or Adam's β₁ every
 * step (OneCycle). `tf.train.momentum` copies its momentum into a tensor at construction, so
 * `setMomentum()` changes nothing (optim.test.ts demonstrates it), and `tf.train.adam` has no lr or β₁
 * setters at all. Their rules also differ from torch's in the details the lab teaches: TF's momentum has
 * no dampening and no weight decay, and TF's Adam bias-corrects with a running product
 * ∏β₁ where torch uses the current β₁^t. Here lr and momentum/β₁ are arguments of every `apply`.
 *
 * **No readback, and a device-side guard.** `apply` takes `ok`, a bool scalar on the device (typically
 * "loss and gradient norm are finite"). The new parameters and slots are computed, then every variable is
 * assigned `where(ok, new, old)`: a rejected step (NaN/Inf gradients) changes nothing, bit for bit, and the
 * CPU never waits for the GPU. For the same reason, everything that depends on how many steps were really
 * taken lives on the device: the step count t (Adam's bias corrections, Adagrad's lr decay) and SGD's
 * "momentum buffer exists" flag (torch's first momentum step copies d instead of blending). The trainer
 * reads its `ok` flags later.
 *
 * **Bias corrections with the current β₁.** torch computes `1 − β₁^t` with the β₁ of the current step
 * (OneCycle changes it every step), not a running product; so does this code. On the device t is a float32
 * counter, and 1 − β^t is evaluated as −expm1(t·ln β) with ln β taken in float64 on the host and expm1 by a
 * degree-9 Taylor polynomial for |x| < 0.5 (exp(x) − 1 beyond): relative error ~1e-7, where the naive
 * float32 `1 − pow(β₂, t)` loses ~1e-5 to cancellation for β₂ = 0.999, and `tf.expm1` is `exp(x) − 1` on
 * WebGPU (same cancellation).
 *
 * Floating-point order: each line reproduces torch's grouping (`a.add(b, alpha=s)` = a + s·b,
 * `addcmul(t1, t2, value=s)` = a + (s·t1)·t2, `addcdiv(t1, t2, value=s)` = a + (s·t1)/t2); scalars that
 * torch computes in Python float64 (1 − β, 1 − lr·wd, −lr) are computed in float64 here too, then rounded to
 * float32 once, as torch's float32 kernels do. Bias corrections and Adagrad's decayed lr are the exception
 * (computed on the device in float32, see above).
 *
 * Divergences from torch:
 * - float32 everywhere (the lab's precision); the step counter is exact up to 2²⁴ steps.
 * - RMSprop: a momentum buffer missing because config.momentum was 0 is created as zeros when a per-step
 *   momentum > 0 arrives (torch would raise a KeyError), as in src/core/optimizers.ts.
 * - SGD keeps a step count (torch's SGD keeps none) so that `DeviceOptimizerState.step` is uniform.
 */
import * as tf from '@tensorflow/tfjs';
import { validateConfig, type OptimizerConfig } from '../core/optimizers.ts';

/** A checkpoint of the optimizer: its config, steps taken, and every slot tensor (torch state_dict names). */
export interface DeviceOptimizerState {
  config: OptimizerConfig;
  /** Steps actually applied (rejected `ok = false` steps not counted). */
  step: number;
  /**
   * `<param index>.<slot>` as torch's `optimizer.state_dict()['state'][i][slot]`: SGD `momentum_buffer`
   * (absent until the first step with momentum ≠ 0, as in torch), Adagrad `sum`, RMSprop `square_avg`,
   * `grad_avg` (centered), `momentum_buffer` (momentum > 0), Adam/AdamW `exp_avg`, `exp_avg_sq`,
   * `max_exp_avg_sq` (amsgrad). Data is row-major float32, shape = the parameter's.
   */
  slots: { name: string; data: Float32Array; shape: number[] }[];
}

type SlotKind =
  'momentum_buffer' | 'sum' | 'square_avg' | 'grad_avg' | 'exp_avg' | 'exp_avg_sq' | 'max_exp_avg_sq';

/** The slot kinds a config always has (created at construction). */
function requiredSlots(config: OptimizerConfig): SlotKind[] {
  switch (config.kind) {
    case 'SGD':
      return [];
    case 'Adagrad':
      return ['sum'];
    case 'RMSprop':
      return [
        'square_avg',
        ...(config.centered ? (['grad_avg'] as const) : []),
        ...(config.momentum > 0 ? (['momentum_buffer'] as const) : []),
      ];
    case 'Adam':
    case 'AdamW':
      return ['exp_avg', 'exp_avg_sq', ...(config.amsgrad ? (['max_exp_avg_sq'] as const) : [])];
  }
}

/** Slot kinds that may appear later (lazily) for a config. */
function optionalSlots(config: OptimizerConfig): SlotKind[] {
  if (config.kind === 'SGD') return ['momentum_buffer'];
  if (config.kind === 'RMSprop' && !(config.momentum > 0)) return ['momentum_buffer'];
  return [];
}

/**
 * 1 − β^t for a float32 step count t ≥ 1 on the device, as −expm1(t·ln β): ln β in float64 on the host,
 * expm1(x) = x·(1 + x/2·(1 + x/3·(… (1 + x/9)))) for |x| < 0.5 (truncation < 6e-10 relative), exp(x) − 1
 * otherwise (no cancellation there: |exp(x) − 1| ≥ 0.39). β = 0 gives exactly 1 (0^t = 0 for t ≥ 1).
 * Exported for its test; creates intermediates (call inside `tf.tidy`).
 */
export function oneMinusPow(beta: number, t: tf.Scalar): tf.Scalar {
  if (beta === 0) return tf.scalar(1);
  const x = tf.mul(t, Math.log(beta));
  let poly: tf.Tensor = tf.add(1, tf.mul(x, 1 / 9));
  for (let k = 8; k >= 2; k--) poly = tf.add(1, tf.mul(tf.mul(x, 1 / k), poly));
  const small = tf.mul(x, poly);
  const large = tf.sub(tf.exp(x), 1);
  const expm1 = tf.where(tf.less(tf.abs(x), 0.5), small, large);
  return tf.neg(expm1) as tf.Scalar;
}

/** Deep equality of two plain configs, independent of key order. */
function sameConfig(a: OptimizerConfig, b: OptimizerConfig): boolean {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) {
    const x = ra[k];
    const y = rb[k];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((xi, j) => !Object.is(xi, y[j]))) return false;
    } else if (!Object.is(x, y)) {
      return false;
    }
  }
  return true;
}

/** A non-trainable float32 scalar variable (the initial tensor is freed: tf.variable keeps its own handle). */
function scalarVariable(value: number): tf.Variable {
  const init = tf.scalar(value);
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

const isFiniteNonNeg = (x: number): boolean => Number.isFinite(x) && x >= 0;

/**
 * A torch-exact optimizer over a fixed list of float32 variables (e.g. `CgcnnModel.params`), with its
 * slots as non-trainable `tf.Variable`s created once (SGD's momentum buffers and a lazily needed RMSprop
 * momentum buffer at the first step that needs them). Every `apply` runs inside one `tf.tidy`.
 */
export class DeviceOptimizer {
  readonly config: OptimizerConfig;
  private readonly vars: tf.Variable[];
  /** Steps applied, float32 scalar on the device. */
  private readonly stepVar: tf.Variable;
  /** SGD: 1 once the momentum buffers hold torch's first-step copy, else 0 (device-side, so `ok` can veto it). */
  private readonly bufInit: tf.Variable | null;
  private readonly slots = new Map<SlotKind, tf.Variable[]>();
  private disposed = false;

  /**
   * @param config torch hyper-parameters (see `makeOptimizerConfig` in src/core/optimizers.ts); validated
   *   with torch's constructor checks.
   * @param vars the float32 variables to update, in a fixed order (slot names use these indices).
   */
  constructor(config: OptimizerConfig, vars: tf.Variable[]) {
    validateConfig(config);
    vars.forEach((v, i) => {
      if (v.dtype !== 'float32') {
        throw new TypeError(
          `optimizer: variable ${i} (${v.name}) is ${v.dtype}; only float32 variables can be trained`,
        );
      }
    });
    this.config = config;
    this.vars = vars.slice();
    this.stepVar = scalarVariable(0);
    this.bufInit = config.kind === 'SGD' ? scalarVariable(0) : null;
    for (const kind of requiredSlots(config)) {
      const init = config.kind === 'Adagrad' ? config.initialAccumulatorValue : 0;
      this.allocate(kind, init);
    }
    if (config.kind === 'SGD' && config.momentum !== 0) this.allocate('momentum_buffer', 0);
  }

  private allocate(kind: SlotKind, fillValue: number): tf.Variable[] {
    const existing = this.slots.get(kind);
    if (existing !== undefined) return existing;
    const made = this.vars.map((v) => {
      const init = tf.fill(v.shape, fillValue, 'float32');
      const slot = tf.variable(init, false);
      init.dispose();
      return slot;
    });
    this.slots.set(kind, made);
    return made;
  }

  private slot(kind: SlotKind, i: number): tf.Variable {
    const v = this.slots.get(kind)?.[i];
    if (v === undefined) throw new Error(`optimizer internal error: slot ${i}.${kind} missing`);
    return v;
  }

  /**
   * One torch-exact update of every variable with this step's `lr` and `momentum` (SGD/RMSprop momentum,
   * Adam/AdamW β₁; null = the config's; must be null for Adagrad). `grads[i]` is the (clipped) gradient of
   * `vars[i]`, same shape. `ok` (bool scalar on the device): when false, params, slots and the step count
   * all keep their old values bit for bit. No readback.
   */
  apply(grads: tf.Tensor[], lr: number, momentum: number | null, ok: tf.Scalar): void {
    if (this.disposed) throw new Error('optimizer: apply() after dispose()');
    const c = this.config;
    if (grads.length !== this.vars.length) {
      throw new RangeError(`optimizer: got ${grads.length} gradients for ${this.vars.length} variables`);
    }
    grads.forEach((g, i) => {
      const v = this.vars[i] as tf.Variable;
      if (!tf.util.arraysEqual(g.shape, v.shape)) {
        throw new RangeError(
          `optimizer: gradient ${i} has shape [${g.shape.join(', ')}] but variable ${v.name} has [${v.shape.join(', ')}]`,
        );
      }
    });
    if (!isFiniteNonNeg(lr))
      throw new RangeError(`optimizer: learning rate must be a finite number ≥ 0, got ${lr}`);
    if (ok.dtype !== 'bool' || ok.rank !== 0) {
      throw new TypeError(`optimizer: ok must be a bool scalar tensor, got ${ok.dtype} of rank ${ok.rank}`);
    }
    if (c.kind === 'Adagrad' && momentum !== null) {
      throw new RangeError(
        'optimizer: Adagrad has no momentum/β₁ to set (torch OneCycleLR refuses cycle_momentum for it)',
      );
    }
    if (momentum !== null) {
      const isBeta = c.kind === 'Adam' || c.kind === 'AdamW';
      if (!isFiniteNonNeg(momentum) || (isBeta && momentum >= 1)) {
        throw new RangeError(
          `optimizer: ${isBeta ? 'β₁ must be in [0, 1)' : 'momentum must be a finite number ≥ 0'}, got ${momentum}`,
        );
      }
    }
    // Lazily needed slots are created here, outside the tidy (variables must outlive it).
    if (c.kind === 'SGD' && (momentum ?? c.momentum) !== 0) this.allocate('momentum_buffer', 0);
    if (c.kind === 'RMSprop' && (momentum ?? c.momentum) > 0) this.allocate('momentum_buffer', 0);

    tf.tidy(() => {
      const t = tf.add<tf.Scalar>(this.stepVar, 1); // the step count this update would have (torch: state['step'] += 1)
      const keep = (target: tf.Variable, next: tf.Tensor): void => {
        target.assign(tf.where(ok, next, target));
      };
      switch (c.kind) {
        case 'SGD':
          this.sgd(c, grads, lr, momentum ?? c.momentum, ok, keep);
          break;
        case 'Adagrad':
          this.adagrad(c, grads, lr, t, keep);
          break;
        case 'RMSprop':
          this.rmsprop(c, grads, lr, momentum ?? c.momentum, keep);
          break;
        case 'Adam':
        case 'AdamW':
          this.adam(c, grads, lr, momentum ?? c.betas[0], t, keep);
          break;
      }
      keep(this.stepVar, t);
    });
  }

  /**
   * SGD (`_single_tensor_sgd`): d = g + wd·p; if μ ≠ 0: buf = first ? d : buf·μ + (1 − τ)·d, d = nesterov ?
   * d + μ·buf : buf; p = p + (−lr)·d. With μ = 0 the buffers are left untouched (torch skips the branch).
   */
  private sgd(
    c: Extract<OptimizerConfig, { kind: 'SGD' }>,
    grads: tf.Tensor[],
    lr: number,
    mu: number,
    ok: tf.Scalar,
    keep: (v: tf.Variable, next: tf.Tensor) => void,
  ): void {
    const negLr = tf.scalar(-lr);
    const oneMinusDamp = 1 - c.dampening;
    const hasBuf = mu !== 0 && this.bufInit !== null ? tf.greater(this.bufInit, 0) : null;
    this.vars.forEach((p, i) => {
      const g = grads[i] as tf.Tensor;
      let d = c.weightDecay !== 0 ? tf.add(g, tf.mul(p, c.weightDecay)) : g;
      if (mu !== 0 && hasBuf !== null) {
        const buf = this.slot('momentum_buffer', i);
        const blended = tf.add(tf.mul(buf, mu), oneMinusDamp === 1 ? d : tf.mul(d, oneMinusDamp));
        const next = tf.where(hasBuf, blended, d);
        keep(buf, next);
        d = c.nesterov ? tf.add(d, tf.mul(next, mu)) : next;
      }
      keep(p, tf.add(p, tf.mul(d, negLr)));
    });
    if (mu !== 0 && this.bufInit !== null) {
      const one = tf.onesLike(this.bufInit);
      this.bufInit.assign(tf.where(ok, one, this.bufInit));
    }
  }

  /**
   * Adagrad (`_single_tensor_adagrad`): g = g + wd·p; clr = lr/(1 + (t − 1)·lr_decay); sum = sum + g·g;
   * p = p + ((−clr)·g)/(sqrt(sum) + eps).
   */
  private adagrad(
    c: Extract<OptimizerConfig, { kind: 'Adagrad' }>,
    grads: tf.Tensor[],
    lr: number,
    t: tf.Scalar,
    keep: (v: tf.Variable, next: tf.Tensor) => void,
  ): void {
    const negClr =
      c.lrDecay === 0 ? tf.scalar(-lr) : tf.neg(tf.div(lr, tf.add(1, tf.mul(tf.sub(t, 1), c.lrDecay))));
    this.vars.forEach((p, i) => {
      let g = grads[i] as tf.Tensor;
      if (c.weightDecay !== 0) g = tf.add(g, tf.mul(p, c.weightDecay));
      const sumV = this.slot('sum', i);
      const sum = tf.add(sumV, tf.mul(g, g));
      const std = tf.add(tf.sqrt(sum), c.eps);
      keep(sumV, sum);
      keep(p, tf.add(p, tf.div(tf.mul(g, negClr), std)));
    });
  }

  /**
   * RMSprop (`_single_tensor_rmsprop`): g = g + wd·p; sq = sq·α + ((1 − α)·g)·g; centered: ga = ga·α +
   * (1 − α)·g, avg = sqrt(sq − ga·ga) + eps, else avg = sqrt(sq) + eps; μ > 0: buf = buf·μ + g/avg,
   * p = p + (−lr)·buf; else p = p + ((−lr)·g)/avg.
   */
  private rmsprop(
    c: Extract<OptimizerConfig, { kind: 'RMSprop' }>,
    grads: tf.Tensor[],
    lr: number,
    mu: number,
    keep: (v: tf.Variable, next: tf.Tensor) => void,
  ): void {
    const negLr = tf.scalar(-lr);
    const oneMinusAlpha = 1 - c.alpha;
    this.vars.forEach((p, i) => {
      let g = grads[i] as tf.Tensor;
      if (c.weightDecay !== 0) g = tf.add(g, tf.mul(p, c.weightDecay));
      const sqV = this.slot('square_avg', i);
      const sq = tf.add(tf.mul(sqV, c.alpha), tf.mul(tf.mul(g, oneMinusAlpha), g));
      keep(sqV, sq);
      let avg: tf.Tensor;
      if (c.centered) {
        const gaV = this.slot('grad_avg', i);
        const ga = tf.add(tf.mul(gaV, c.alpha), tf.mul(g, oneMinusAlpha));
        keep(gaV, ga);
        avg = tf.add(tf.sqrt(tf.sub(sq, tf.mul(ga, ga))), c.eps); // sq.addcmul(ga, ga, value=-1)
      } else {
        avg = tf.add(tf.sqrt(sq), c.eps);
      }
      if (mu > 0) {
        const bufV = this.slot('momentum_buffer', i);
        const buf = tf.add(tf.mul(bufV, mu), tf.div(g, avg));
        keep(bufV, buf);
        keep(p, tf.add(p, tf.mul(buf, negLr)));
      } else {
        keep(p, tf.add(p, tf.div(tf.mul(g, negLr), avg)));
      }
    });
  }

  /**
   * Adam/AdamW (`_single_tensor_adam(w)`): AdamW p = p·(1 − lr·wd) | Adam g = g + wd·p; m = m·β₁ + (1 − β₁)·g;
   * v = v·β₂ + ((1 − β₂)·g)·g; bc1 = 1 − β₁^t, bc2 = 1 − β₂^t (current β₁); v̂ = amsgrad ? max(vmax, v) : v;
   * p = p + ((−lr/bc1)·m)/(sqrt(v̂)/sqrt(bc2) + eps).
   */
  private adam(
    c: Extract<OptimizerConfig, { kind: 'Adam' | 'AdamW' }>,
    grads: tf.Tensor[],
    lr: number,
    beta1: number,
    t: tf.Scalar,
    keep: (v: tf.Variable, next: tf.Tensor) => void,
  ): void {
    const beta2 = c.betas[1];
    const bc1 = oneMinusPow(beta1, t);
    const bc2Sqrt = tf.sqrt(oneMinusPow(beta2, t));
    const negStepSize = tf.neg(tf.div(lr, bc1));
    const decay = 1 - lr * c.weightDecay;
    this.vars.forEach((p0, i) => {
      let p: tf.Tensor = p0;
      let g = grads[i] as tf.Tensor;
      if (c.kind === 'AdamW') p = tf.mul(p, decay);
      else if (c.weightDecay !== 0) g = tf.add(g, tf.mul(p, c.weightDecay));
      const mV = this.slot('exp_avg', i);
      const vV = this.slot('exp_avg_sq', i);
      const m = tf.add(tf.mul(mV, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(vV, beta2), tf.mul(tf.mul(g, 1 - beta2), g));
      keep(mV, m);
      keep(vV, v);
      let vHat = v;
      if (c.amsgrad) {
        const maxV = this.slot('max_exp_avg_sq', i);
        vHat = tf.maximum(maxV, v);
        keep(maxV, vHat);
      }
      const denom = tf.add(tf.div(tf.sqrt(vHat), bc2Sqrt), c.eps);
      keep(p0, tf.add(p, tf.div(tf.mul(m, negStepSize), denom)));
    });
  }

  /** Reads the step count and every slot back (async: no blocking readback on WebGPU). */
  async getState(): Promise<DeviceOptimizerState> {
    if (this.disposed) throw new Error('optimizer: getState() after dispose()');
    const step = (await this.stepVar.data())[0] as number;
    const bufPresent = this.bufInit === null ? true : (await this.bufInit.data())[0] === 1;
    const slots: DeviceOptimizerState['slots'] = [];
    const kinds = [...requiredSlots(this.config), ...optionalSlots(this.config)];
    for (let i = 0; i < this.vars.length; i++) {
      for (const kind of kinds) {
        const vs = this.slots.get(kind);
        if (vs === undefined) continue;
        if (this.config.kind === 'SGD' && !bufPresent) continue; // torch: no buffer before the first momentum step
        const v = vs[i] as tf.Variable;
        const data = ((await v.data()) as Float32Array).slice();
        slots.push({ name: `${i}.${kind}`, data, shape: v.shape.slice() });
      }
    }
    return { config: structuredClone(this.config), step, slots };
  }

  /**
   * Restores a state from {@link getState} (exact round trip: continuing from it is bit-identical). The
   * config must equal this optimizer's and every slot must match its parameter's shape; otherwise throws
   * with what differs, before changing anything.
   */
  setState(s: DeviceOptimizerState): void {
    if (this.disposed) throw new Error('optimizer: setState() after dispose()');
    if (!sameConfig(s.config, this.config)) {
      throw new RangeError(
        `optimizer: the checkpoint was written for ${JSON.stringify(s.config)} but this optimizer is ${JSON.stringify(this.config)}; create the optimizer from the checkpoint's config`,
      );
    }
    if (!Number.isSafeInteger(s.step) || s.step < 0)
      throw new RangeError(`optimizer: invalid step count ${s.step}`);
    const required = requiredSlots(this.config);
    const allowed = new Set<string>([...required, ...optionalSlots(this.config)]);
    const byName = new Map<string, { data: Float32Array; shape: number[] }>();
    for (const slot of s.slots) {
      const m = /^(\d+)\.([a-z_]+)$/.exec(slot.name);
      const i = m === null ? -1 : Number(m[1]);
      const kind = m?.[2] ?? '';
      const v = this.vars[i];
      if (v === undefined || !allowed.has(kind)) {
        throw new RangeError(
          `optimizer: unexpected slot "${slot.name}" for ${this.config.kind} over ${this.vars.length} variables`,
        );
      }
      if (!tf.util.arraysEqual(slot.shape, v.shape) || slot.data.length !== v.size) {
        throw new RangeError(
          `optimizer: slot ${slot.name} has shape [${slot.shape.join(', ')}] (${slot.data.length} values), variable ${i} has [${v.shape.join(', ')}]`,
        );
      }
      byName.set(slot.name, slot);
    }
    const kinds = [...allowed] as SlotKind[];
    const present = new Map<SlotKind, boolean>();
    for (const kind of kinds) {
      const n = this.vars.filter((_, i) => byName.has(`${i}.${kind}`)).length;
      if (n !== 0 && n !== this.vars.length) {
        throw new RangeError(`optimizer: slot ${kind} is present for ${n} of ${this.vars.length} variables`);
      }
      if (n === 0 && required.includes(kind))
        throw new RangeError(`optimizer: the checkpoint lacks the ${kind} slots`);
      present.set(kind, n !== 0);
    }
    // Validated: write.
    for (const kind of kinds) {
      const has = present.get(kind) === true;
      if (!has && !this.slots.has(kind)) continue;
      const vs = this.allocate(kind, 0);
      vs.forEach((v, i) => {
        const slot = byName.get(`${i}.${kind}`);
        const value = slot === undefined ? tf.zeros(v.shape) : tf.tensor(slot.data, v.shape, 'float32');
        v.assign(value);
        value.dispose();
      });
    }
    const stepT = tf.scalar(s.step);
    this.stepVar.assign(stepT);
    stepT.dispose();
    if (this.bufInit !== null) {
      const flag = tf.scalar(present.get('momentum_buffer') === true ? 1 : 0);
      this.bufInit.assign(flag);
      flag.dispose();
    }
  }

  /** Frees the slot variables and counters (not the parameters). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const vs of this.slots.values()) tf.dispose(vs);
    this.slots.clear();
    this.stepVar.dispose();
    this.bufInit?.dispose();
  }
}
