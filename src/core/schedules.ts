/**
 * Learning-rate (and momentum / Adam β₁) schedules with the exact semantics of PyTorch 1.13's
 * `torch.optim.lr_scheduler`, written as pure functions of the step.
 *
 * **Step convention.** `scheduleAt(config, t)` is the value the optimizer holds while it applies its
 * t-th update, for the canonical loop
 *
 *     for t in 0..: read param_groups[0]; optimizer.step(); scheduler.step()
 *
 * so t = 0 is the value set by the scheduler's constructor (torch's `last_epoch = 0`), and in general
 * t equals torch's `scheduler.last_epoch` at the time of the read.
 *
 * **Recursion vs closed form.** torch 1.13 computes StepLR, MultiStepLR, ExponentialLR, LinearLR and
 * CosineAnnealingLR *recursively* (the "chainable form": each `get_lr` multiplies the optimizer's current
 * lr). The closed forms agree with the recursion to ~1e-15 relative over 100 steps, but the rounding
 * drifts with t, so this module replays torch's recursion literally (same operations, same order) to
 * reproduce torch bit-for-bit in practice. `scheduleAt` for these kinds costs O(t);
 * `plannedSchedule` walks the recursion once, O(n).
 *
 * OneCycleLR and LambdaLR are closed forms in torch and here.
 *
 * ReduceLROnPlateau is metric-driven; it is the pure state machine `plateauInit` / `plateauStep`.
 *
 * All configs are plain JSON-able objects (no functions, no class instances). Use `withDefaults` to
 * complete a partial config with torch's defaults before storing it.
 */
import { assertNever } from './assert.ts';

// ---------------------------------------------------------------------------------------------------------
// Configs
// ---------------------------------------------------------------------------------------------------------

/** `torch.optim.lr_scheduler.OneCycleLR` (constructed with `total_steps`, `last_epoch=-1`). */
export interface OneCycleConfig {
  readonly kind: 'onecycle';
  /** Peak lr (`max_lr`). */
  readonly maxLr: number;
  /** `total_steps`: number of optimizer steps in the cycle (positive integer). */
  readonly totalSteps: number;
  /** `pct_start` ∈ [0, 1]: fraction of the cycle spent increasing the lr. torch default 0.3. */
  readonly pctStart: number;
  /** `anneal_strategy`. torch default 'cos'. */
  readonly annealStrategy: 'cos' | 'linear';
  /** `div_factor`: initial_lr = max_lr / div_factor. torch default 25. */
  readonly divFactor: number;
  /** `final_div_factor`: min_lr = initial_lr / final_div_factor. torch default 1e4. */
  readonly finalDivFactor: number;
  /** `three_phase`. torch default false. */
  readonly threePhase: boolean;
  /** `cycle_momentum`: cycle SGD momentum / Adam β₁ inversely to the lr. torch default true. */
  readonly cycleMomentum: boolean;
  /** `base_momentum`. torch default 0.85. */
  readonly baseMomentum: number;
  /** `max_momentum`. torch default 0.95. */
  readonly maxMomentum: number;
}

/** `StepLR(step_size, gamma)`: lr ← lr·γ every `stepSize` steps. */
export interface StepConfig {
  readonly kind: 'step';
  readonly baseLr: number;
  readonly stepSize: number;
  /** torch default 0.1. */
  readonly gamma: number;
}

/** `MultiStepLR(milestones, gamma)`: lr ← lr·γ^(multiplicity) at each milestone. */
export interface MultiStepConfig {
  readonly kind: 'multistep';
  readonly baseLr: number;
  /** Non-negative integer steps, any order; a repeated milestone multiplies by γ^count (torch's Counter). */
  readonly milestones: readonly number[];
  /** torch default 0.1. */
  readonly gamma: number;
}

/** `ExponentialLR(gamma)`: lr ← lr·γ every step. */
export interface ExponentialConfig {
  readonly kind: 'exponential';
  readonly baseLr: number;
  readonly gamma: number;
}

/** `CosineAnnealingLR(T_max, eta_min)` (chainable form, including its restart branch). */
export interface CosineConfig {
  readonly kind: 'cosine';
  readonly baseLr: number;
  /** `T_max` (positive integer). */
  readonly tMax: number;
  /** `eta_min`. torch default 0. */
  readonly etaMin: number;
}

/** `LambdaLR(lr_lambda=lambda epoch: 1.0 / math.sqrt(epoch + 1))`. */
export interface InvSqrtConfig {
  readonly kind: 'invsqrt';
  readonly baseLr: number;
}

/** `LinearLR(start_factor, end_factor, total_iters)`: linear warm-up (or decay) of a multiplicative factor. */
export interface LinearWarmupConfig {
  readonly kind: 'linear-warmup';
  readonly baseLr: number;
  /** ∈ (0, 1]. torch default 1/3. */
  readonly startFactor: number;
  /** ∈ [0, 1]. torch default 1. */
  readonly endFactor: number;
  /** Non-negative integer. torch default 5. */
  readonly totalIters: number;
}

/** No scheduler: the optimizer keeps `baseLr`. (Not torch's `ConstantLR`, which scales by a factor.) */
export interface ConstantConfig {
  readonly kind: 'constant';
  readonly baseLr: number;
}

/** A complete, JSON-serialisable schedule description, discriminated by `kind`. */
export type ScheduleConfig =
  | OneCycleConfig
  | StepConfig
  | MultiStepConfig
  | ExponentialConfig
  | CosineConfig
  | InvSqrtConfig
  | LinearWarmupConfig
  | ConstantConfig;

export type ScheduleKind = ScheduleConfig['kind'];

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/**
 * A schedule config in which every field that has a torch default may be omitted. `withDefaults` turns
 * it into a complete `ScheduleConfig`.
 */
export type ScheduleConfigInput =
  | Optional<
      OneCycleConfig,
      | 'pctStart'
      | 'annealStrategy'
      | 'divFactor'
      | 'finalDivFactor'
      | 'threePhase'
      | 'cycleMomentum'
      | 'baseMomentum'
      | 'maxMomentum'
    >
  | Optional<StepConfig, 'gamma'>
  | Optional<MultiStepConfig, 'gamma'>
  | ExponentialConfig
  | Optional<CosineConfig, 'etaMin'>
  | InvSqrtConfig
  | Optional<LinearWarmupConfig, 'startFactor' | 'endFactor' | 'totalIters'>
  | ConstantConfig;

/** torch 1.13's constructor defaults, per kind. */
export const SCHEDULE_DEFAULTS = {
  onecycle: {
    pctStart: 0.3,
    annealStrategy: 'cos',
    divFactor: 25,
    finalDivFactor: 1e4,
    threePhase: false,
    cycleMomentum: true,
    baseMomentum: 0.85,
    maxMomentum: 0.95,
  },
  step: { gamma: 0.1 },
  multistep: { gamma: 0.1 },
  cosine: { etaMin: 0 },
  'linear-warmup': { startFactor: 1 / 3, endFactor: 1, totalIters: 5 },
} as const;

/**
 * Completes a partial config with torch 1.13's constructor defaults (see `SCHEDULE_DEFAULTS`) and
 * returns a fresh, complete, plain object (arrays copied). Fields given explicitly win, `undefined`
 * counts as omitted. Does not validate; `validateSchedule` does.
 */
export function withDefaults(input: ScheduleConfigInput): ScheduleConfig {
  switch (input.kind) {
    case 'onecycle': {
      const d = SCHEDULE_DEFAULTS.onecycle;
      return {
        kind: 'onecycle',
        maxLr: input.maxLr,
        totalSteps: input.totalSteps,
        pctStart: input.pctStart ?? d.pctStart,
        annealStrategy: input.annealStrategy ?? d.annealStrategy,
        divFactor: input.divFactor ?? d.divFactor,
        finalDivFactor: input.finalDivFactor ?? d.finalDivFactor,
        threePhase: input.threePhase ?? d.threePhase,
        cycleMomentum: input.cycleMomentum ?? d.cycleMomentum,
        baseMomentum: input.baseMomentum ?? d.baseMomentum,
        maxMomentum: input.maxMomentum ?? d.maxMomentum,
      };
    }
    case 'step':
      return {
        kind: 'step',
        baseLr: input.baseLr,
        stepSize: input.stepSize,
        gamma: input.gamma ?? SCHEDULE_DEFAULTS.step.gamma,
      };
    case 'multistep':
      return {
        kind: 'multistep',
        baseLr: input.baseLr,
        milestones: [...input.milestones],
        gamma: input.gamma ?? SCHEDULE_DEFAULTS.multistep.gamma,
      };
    case 'exponential':
      return { kind: 'exponential', baseLr: input.baseLr, gamma: input.gamma };
    case 'cosine':
      return {
        kind: 'cosine',
        baseLr: input.baseLr,
        tMax: input.tMax,
        etaMin: input.etaMin ?? SCHEDULE_DEFAULTS.cosine.etaMin,
      };
    case 'invsqrt':
      return { kind: 'invsqrt', baseLr: input.baseLr };
    case 'linear-warmup': {
      const d = SCHEDULE_DEFAULTS['linear-warmup'];
      return {
        kind: 'linear-warmup',
        baseLr: input.baseLr,
        startFactor: input.startFactor ?? d.startFactor,
        endFactor: input.endFactor ?? d.endFactor,
        totalIters: input.totalIters ?? d.totalIters,
      };
    }
    case 'constant':
      return { kind: 'constant', baseLr: input.baseLr };
    default:
      return assertNever(input, 'schedule kind');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

function isNonNegInt(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function isPosInt(x: number): boolean {
  return Number.isSafeInteger(x) && x > 0;
}

function checkLr(kind: string, name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0) {
    throw new RangeError(`${kind}: ${name} must be a finite number >= 0, got ${x}`);
  }
}

function checkPositive(kind: string, name: string, x: number): void {
  if (!Number.isFinite(x) || !(x > 0)) {
    throw new RangeError(`${kind}: ${name} must be a finite number > 0, got ${x}`);
  }
}

function checkMomentum(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0 || x >= 1) {
    throw new RangeError(`onecycle: ${name} must be in [0, 1), got ${x}`);
  }
}

/**
 * Throws a RangeError with a human-readable message when `config` is not a valid schedule.
 *
 * The checks are torch's own where torch has them (OneCycleLR: `total_steps` a positive integer,
 * `pct_start` ∈ [0, 1], `anneal_strategy` ∈ {cos, linear}; LinearLR: 0 < start_factor ≤ 1,
 * 0 ≤ end_factor ≤ 1), plus checks torch leaves to luck (deliberately stricter): learning rates finite
 * and ≥ 0 (torch's optimizers reject lr < 0), divisors/γ finite and > 0, momenta in [0, 1) (Adam's β₁
 * range), step sizes / T_max positive integers, milestones / total_iters non-negative integers.
 */
export function validateSchedule(config: ScheduleConfig): void {
  switch (config.kind) {
    case 'onecycle': {
      const k = 'onecycle';
      checkLr(k, 'maxLr', config.maxLr);
      if (!isPosInt(config.totalSteps)) {
        throw new RangeError(`${k}: totalSteps must be a positive integer, got ${config.totalSteps}`);
      }
      if (!Number.isFinite(config.pctStart) || config.pctStart < 0 || config.pctStart > 1) {
        throw new RangeError(`${k}: pctStart must be a number in [0, 1], got ${config.pctStart}`);
      }
      if (config.annealStrategy !== 'cos' && config.annealStrategy !== 'linear') {
        throw new RangeError(
          `${k}: annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(config.annealStrategy)}`,
        );
      }
      checkPositive(k, 'divFactor', config.divFactor);
      checkPositive(k, 'finalDivFactor', config.finalDivFactor);
      if (typeof config.threePhase !== 'boolean') {
        throw new RangeError(`${k}: threePhase must be a boolean`);
      }
      if (typeof config.cycleMomentum !== 'boolean') {
        throw new RangeError(`${k}: cycleMomentum must be a boolean`);
      }
      checkMomentum('baseMomentum', config.baseMomentum);
      checkMomentum('maxMomentum', config.maxMomentum);
      return;
    }
    case 'step':
      checkLr('step', 'baseLr', config.baseLr);
      if (!isPosInt(config.stepSize)) {
        throw new RangeError(`step: stepSize must be a positive integer, got ${config.stepSize}`);
      }
      checkPositive('step', 'gamma', config.gamma);
      return;
    case 'multistep': {
      checkLr('multistep', 'baseLr', config.baseLr);
      const milestones: unknown = config.milestones; // JSON input may not be an array
      if (!Array.isArray(milestones)) {
        throw new RangeError('multistep: milestones must be an array of non-negative integers');
      }
      for (const m of config.milestones) {
        if (!isNonNegInt(m)) {
          throw new RangeError(`multistep: milestones must be non-negative integers, got ${m}`);
        }
      }
      checkPositive('multistep', 'gamma', config.gamma);
      return;
    }
    case 'exponential':
      checkLr('exponential', 'baseLr', config.baseLr);
      checkPositive('exponential', 'gamma', config.gamma);
      return;
    case 'cosine':
      checkLr('cosine', 'baseLr', config.baseLr);
      if (!isPosInt(config.tMax)) {
        throw new RangeError(`cosine: tMax must be a positive integer, got ${config.tMax}`);
      }
      checkLr('cosine', 'etaMin', config.etaMin);
      return;
    case 'invsqrt':
      checkLr('invsqrt', 'baseLr', config.baseLr);
      return;
    case 'linear-warmup':
      checkLr('linear-warmup', 'baseLr', config.baseLr);
      if (!Number.isFinite(config.startFactor) || config.startFactor > 1 || config.startFactor <= 0) {
        throw new RangeError(
          `linear-warmup: startFactor must be greater than 0 and at most 1, got ${config.startFactor}`,
        );
      }
      if (!Number.isFinite(config.endFactor) || config.endFactor > 1 || config.endFactor < 0) {
        throw new RangeError(`linear-warmup: endFactor must be in [0, 1], got ${config.endFactor}`);
      }
      if (!isNonNegInt(config.totalIters)) {
        throw new RangeError(
          `linear-warmup: totalIters must be a non-negative integer, got ${config.totalIters}`,
        );
      }
      return;
    case 'constant':
      checkLr('constant', 'baseLr', config.baseLr);
      return;
    default:
      assertNever(config, 'schedule kind');
  }
}

function checkStep(step: number): void {
  if (!isNonNegInt(step)) {
    throw new RangeError(`schedule step must be a non-negative integer, got ${step}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// OneCycleLR (closed form)
// ---------------------------------------------------------------------------------------------------------

/** torch `OneCycleLR._annealing_cos`: end + (start − end)/2 · (cos(π·pct) + 1). */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

/** torch `OneCycleLR._annealing_linear`: (end − start)·pct + start. */
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

interface Phase {
  readonly endStep: number;
  readonly startLr: number;
  readonly endLr: number;
  readonly startMomentum: number;
  readonly endMomentum: number;
}

/** torch's `_schedule_phases`, with the `group[...]` names resolved to numbers. */
function oneCyclePhases(c: OneCycleConfig): Phase[] {
  const initialLr = c.maxLr / c.divFactor;
  const minLr = initialLr / c.finalDivFactor;
  const T = c.totalSteps;
  if (c.threePhase) {
    return [
      {
        endStep: c.pctStart * T - 1,
        startLr: initialLr,
        endLr: c.maxLr,
        startMomentum: c.maxMomentum,
        endMomentum: c.baseMomentum,
      },
      {
        endStep: 2 * c.pctStart * T - 2,
        startLr: c.maxLr,
        endLr: initialLr,
        startMomentum: c.baseMomentum,
        endMomentum: c.maxMomentum,
      },
      {
        endStep: T - 1,
        startLr: initialLr,
        endLr: minLr,
        startMomentum: c.maxMomentum,
        endMomentum: c.maxMomentum,
      },
    ];
  }
  return [
    {
      endStep: c.pctStart * T - 1,
      startLr: initialLr,
      endLr: c.maxLr,
      startMomentum: c.maxMomentum,
      endMomentum: c.baseMomentum,
    },
    {
      endStep: T - 1,
      startLr: c.maxLr,
      endLr: minLr,
      startMomentum: c.baseMomentum,
      endMomentum: c.maxMomentum,
    },
  ];
}

/** The value returned by `scheduleAt`: the lr, and the momentum / β₁ when the schedule drives it. */
export interface ScheduleValue {
  readonly lr: number;
  /** SGD momentum or Adam/AdamW β₁ set by OneCycle with `cycleMomentum`; null when untouched. */
  readonly momentum: number | null;
}

function oneCycleAt(c: OneCycleConfig, phases: readonly Phase[], step: number): ScheduleValue {
  if (step > c.totalSteps) {
    throw new RangeError(
      `onecycle: step ${step} is past the end of the cycle (totalSteps = ${c.totalSteps}; the last valid ` +
        `step is ${c.totalSteps}). torch raises "Tried to step ${step + 1} times. The specified number ` +
        `of total steps is ${c.totalSteps}".`,
    );
  }
  const anneal = c.annealStrategy === 'cos' ? annealCos : annealLinear;
  let startStep = 0;
  for (let i = 0; i < phases.length; i++) {
    const phase = phases[i] as Phase;
    const endStep = phase.endStep;
    if (step <= endStep || i === phases.length - 1) {
      const span = endStep - startStep;
      if (span === 0) {
        // Python raises ZeroDivisionError here (e.g. pctStart = 1 at step == totalSteps).
        throw new RangeError(
          `onecycle: phase ${i} has zero length at step ${step} (pctStart = ${c.pctStart}, ` +
            `totalSteps = ${c.totalSteps}); torch raises ZeroDivisionError here`,
        );
      }
      const pct = (step - startStep) / span;
      const lr = anneal(phase.startLr, phase.endLr, pct);
      const momentum = c.cycleMomentum ? anneal(phase.startMomentum, phase.endMomentum, pct) : null;
      return { lr, momentum };
    }
    startStep = phase.endStep;
  }
  /* c8 ignore next */
  throw new Error('onecycle: unreachable (no phase selected)');
}

// ---------------------------------------------------------------------------------------------------------
// Chainable (recursive) schedulers
// ---------------------------------------------------------------------------------------------------------

type ChainableConfig = StepConfig | MultiStepConfig | ExponentialConfig | CosineConfig | LinearWarmupConfig;

/** Python's `a % m` for m > 0 (result has the sign of m). */
function pyMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/**
 * One torch `get_lr()` call of a chainable scheduler at `last_epoch = t` (t ≥ 1), given the optimizer's
 * current lr `prev` (= the value at t − 1). `counts` holds MultiStepLR's milestone multiplicities.
 */
function chainNext(c: ChainableConfig, prev: number, t: number, counts: ReadonlyMap<number, number>): number {
  switch (c.kind) {
    case 'step':
      // if last_epoch == 0 or last_epoch % step_size != 0: lr; else lr * gamma
      return t % c.stepSize !== 0 ? prev : prev * c.gamma;
    case 'multistep': {
      // if last_epoch not in milestones: lr; else lr * gamma ** milestones[last_epoch]
      const n = counts.get(t);
      return n === undefined ? prev : prev * c.gamma ** n;
    }
    case 'exponential':
      return prev * c.gamma;
    case 'cosine': {
      const T = c.tMax;
      if (pyMod(t - 1 - T, 2 * T) === 0) {
        // group['lr'] + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2
        return prev + ((c.baseLr - c.etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
      }
      // (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t - 1) / T_max)) * (group['lr'] - eta_min) + eta_min
      return (
        ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (prev - c.etaMin) +
        c.etaMin
      );
    }
    case 'linear-warmup': {
      if (t > c.totalIters) return prev;
      const d = c.endFactor - c.startFactor;
      return prev * (1 + d / (c.totalIters * c.startFactor + (t - 1) * d));
    }
    default:
      return assertNever(c, 'schedule kind');
  }
}

/** torch's value at construction (`last_epoch = 0`) of a chainable scheduler. */
function chainInit(c: ChainableConfig, counts: ReadonlyMap<number, number>): number {
  switch (c.kind) {
    case 'step':
    case 'exponential':
    case 'cosine':
      return c.baseLr;
    case 'multistep': {
      // 1.13 has no `last_epoch == 0` guard: a milestone at 0 applies at construction.
      const n = counts.get(0);
      return n === undefined ? c.baseLr : c.baseLr * c.gamma ** n;
    }
    case 'linear-warmup':
      return c.baseLr * c.startFactor;
    default:
      return assertNever(c, 'schedule kind');
  }
}

function milestoneCounts(c: ChainableConfig): Map<number, number> {
  const counts = new Map<number, number>();
  if (c.kind === 'multistep') for (const m of c.milestones) counts.set(m, (counts.get(m) ?? 0) + 1);
  return counts;
}

/**
 * The number of recursion steps that can change the lr up to `step` (past it the chain is constant), so
 * scheduleAt stays cheap for large steps of StepLR/MultiStepLR/LinearLR.
 */
function chainHorizon(c: ChainableConfig, step: number): number {
  switch (c.kind) {
    case 'multistep':
      return Math.min(
        step,
        c.milestones.reduce((a, b) => Math.max(a, b), 0),
      );
    case 'linear-warmup':
      return Math.min(step, c.totalIters);
    case 'step':
    case 'exponential':
    case 'cosine':
      return step;
    default:
      return assertNever(c, 'schedule kind');
  }
}

function isChainable(c: ScheduleConfig): c is ChainableConfig {
  return (
    c.kind === 'step' ||
    c.kind === 'multistep' ||
    c.kind === 'exponential' ||
    c.kind === 'cosine' ||
    c.kind === 'linear-warmup'
  );
}

// ---------------------------------------------------------------------------------------------------------
// Public evaluation
// ---------------------------------------------------------------------------------------------------------

/**
 * The lr (and momentum / β₁) the optimizer holds for its `step`-th update (step 0 = the value set by
 * the scheduler's constructor, i.e. torch's `last_epoch == step`). Validates `config` and `step`
 * (non-negative integer) and throws a RangeError on bad input.
 *
 * Per kind (torch 1.13, `last_epoch=-1` at construction, `scheduler.step()` without `epoch`):
 *
 * - `onecycle` — OneCycleLR, closed form. initial_lr = maxLr/divFactor, min_lr = initial_lr/finalDivFactor.
 *   Phases (two-phase): end₀ = pctStart·T − 1 (a float, *not* rounded: 0.3·100 − 1 = 29.000000000000004,
 *   0.3·7 − 1 = 1.0999999999999996; with T = 3 it is −0.1 < 0, so the warm-up is skipped and step 0
 *   already anneals down from max_lr), end₁ = T − 1. Three-phase: end₀ = pctStart·T − 1,
 *   end₁ = 2·pctStart·T − 2, end₂ = T − 1 (lr initial→max→initial→min, momentum max→base→max→max).
 *   For the first phase with step ≤ end (or the last phase), pct = (step − start)/(end − start), where
 *   start is the previous phase's end (0 for the first), and value = anneal(start, end, pct) with
 *   cos: end + (start − end)/2·(cos(π·pct) + 1), linear: (end − start)·pct + start — torch's
 *   `_annealing_cos`/`_annealing_linear`, same operation order. momentum is annealed between
 *   max/base momentum the same way when `cycleMomentum`, else null (the optimizer's own momentum is left
 *   untouched, as in torch). step == totalSteps is allowed (torch only raises when
 *   `last_epoch > total_steps`); step > totalSteps throws, naming torch's "Tried to step {step+1} times.
 *   The specified number of total steps is {totalSteps}" ValueError. A zero-length phase reached by
 *   `step` (e.g. pctStart = 1 at step == totalSteps) throws, where Python raises ZeroDivisionError.
 * - `step` — StepLR: lr_t = lr_{t−1}·γ if t % stepSize == 0 (t > 0), else lr_{t−1}.
 * - `multistep` — MultiStepLR: lr_t = lr_{t−1}·γ^count(t) where count(t) is the multiplicity of t in
 *   `milestones` (torch's `Counter`); a milestone at 0 applies at construction (torch 1.13 has no
 *   `last_epoch == 0` guard there).
 * - `exponential` — ExponentialLR: lr_0 = baseLr, lr_t = lr_{t−1}·γ (recursive, as torch; the closed form
 *   baseLr·γ^t agrees to ~1e-15 only).
 * - `cosine` — CosineAnnealingLR, chainable form: lr_0 = baseLr; if (t − 1 − T_max) mod 2T_max == 0
 *   (Python modulo): lr_t = lr_{t−1} + (baseLr − η_min)(1 − cos(π/T_max))/2; otherwise
 *   lr_t = (1 + cos(πt/T_max))/(1 + cos(π(t−1)/T_max))·(lr_{t−1} − η_min) + η_min. (The
 *   `_step_count == 1 and last_epoch > 0` branch only applies when resuming with last_epoch ≥ 0 and is
 *   not modelled.) Past T_max the lr rises again (torch's cosine is periodic, not clamped).
 * - `invsqrt` — LambdaLR with `lambda epoch: 1.0 / math.sqrt(epoch + 1)`: lr_t = baseLr·(1/√(t+1)).
 * - `linear-warmup` — LinearLR: lr_0 = baseLr·startFactor; for 1 ≤ t ≤ totalIters
 *   lr_t = lr_{t−1}·(1 + (end − start)/(totalIters·start + (t − 1)(end − start))); after that constant.
 * - `constant` — lr_t = baseLr.
 *
 * Only OneCycle with `cycleMomentum` returns a non-null momentum.
 *
 * Cost: O(1) for closed forms; O(min(step, horizon)) for the chainable kinds, which replay torch's
 * recursion. Use `plannedSchedule` for whole curves.
 */
export function scheduleAt(config: ScheduleConfig, step: number): ScheduleValue {
  validateSchedule(config);
  checkStep(step);
  switch (config.kind) {
    case 'onecycle':
      return oneCycleAt(config, oneCyclePhases(config), step);
    case 'invsqrt':
      return { lr: config.baseLr * (1.0 / Math.sqrt(step + 1)), momentum: null };
    case 'constant':
      return { lr: config.baseLr, momentum: null };
    case 'step':
    case 'multistep':
    case 'exponential':
    case 'cosine':
    case 'linear-warmup': {
      const counts = milestoneCounts(config);
      let lr = chainInit(config, counts);
      const horizon = chainHorizon(config, step);
      for (let t = 1; t <= horizon; t++) lr = chainNext(config, lr, t, counts);
      return { lr, momentum: null };
    }
    default:
      return assertNever(config, 'schedule kind');
  }
}

/** Whether the schedule drives the optimizer's momentum / β₁ (OneCycle with `cycleMomentum`). */
export function schedulesMomentum(config: ScheduleConfig): boolean {
  return config.kind === 'onecycle' && config.cycleMomentum;
}

/** lr (and momentum) curves for steps 0..nSteps−1. */
export interface PlannedSchedule {
  readonly lr: Float64Array;
  /** Same length as `lr`; null when the schedule does not drive momentum (see `schedulesMomentum`). */
  readonly momentum: Float64Array | null;
}

/**
 * `scheduleAt(config, t)` for t = 0..nSteps−1, as Float64Arrays (chart previews). Element-for-element
 * identical to `scheduleAt` (same arithmetic), but O(nSteps) overall for the recursive kinds.
 * Throws like `scheduleAt` (e.g. a OneCycle preview with nSteps > totalSteps + 1 throws, because step
 * totalSteps + 1 is past torch's limit). nSteps must be a non-negative integer.
 */
export function plannedSchedule(config: ScheduleConfig, nSteps: number): PlannedSchedule {
  validateSchedule(config);
  if (!isNonNegInt(nSteps)) {
    throw new RangeError(`plannedSchedule: nSteps must be a non-negative integer, got ${nSteps}`);
  }
  const lr = new Float64Array(nSteps);
  const momentum = schedulesMomentum(config) ? new Float64Array(nSteps) : null;
  if (isChainable(config)) {
    const counts = milestoneCounts(config);
    let cur = chainInit(config, counts);
    for (let t = 0; t < nSteps; t++) {
      if (t > 0) cur = chainNext(config, cur, t, counts);
      lr[t] = cur;
    }
    return { lr, momentum };
  }
  const phases = config.kind === 'onecycle' ? oneCyclePhases(config) : [];
  for (let t = 0; t < nSteps; t++) {
    const v =
      config.kind === 'onecycle'
        ? oneCycleAt(config, phases, t)
        : config.kind === 'invsqrt'
          ? { lr: config.baseLr * (1.0 / Math.sqrt(t + 1)), momentum: null }
          : { lr: config.baseLr, momentum: null };
    lr[t] = v.lr;
    if (momentum !== null) momentum[t] = v.momentum ?? Number.NaN;
  }
  return { lr, momentum };
}

// ---------------------------------------------------------------------------------------------------------
// ReduceLROnPlateau (state machine)
// ---------------------------------------------------------------------------------------------------------

/** `torch.optim.lr_scheduler.ReduceLROnPlateau` constructor arguments (one param group). */
export interface PlateauConfig {
  /** torch default 'min'. */
  readonly mode: 'min' | 'max';
  /** Multiplicative decay, 0 < factor < 1 (torch raises for factor ≥ 1). torch default 0.1. */
  readonly factor: number;
  /** Bad epochs tolerated before a reduction (non-negative integer). torch default 10. */
  readonly patience: number;
  /** torch default 1e-4. */
  readonly threshold: number;
  /** torch default 'rel'. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction (non-negative integer). torch default 0. */
  readonly cooldown: number;
  /** torch default 0. */
  readonly minLr: number;
  /** Reductions smaller than eps are skipped. torch default 1e-8. */
  readonly eps: number;
}

/** torch 1.13's ReduceLROnPlateau defaults. */
export const PLATEAU_DEFAULTS: PlateauConfig = {
  mode: 'min',
  factor: 0.1,
  patience: 10,
  threshold: 1e-4,
  thresholdMode: 'rel',
  cooldown: 0,
  minLr: 0,
  eps: 1e-8,
};

/** Completes a partial plateau config with torch's defaults (fresh plain object). */
export function plateauWithDefaults(input: Partial<PlateauConfig> = {}): PlateauConfig {
  return {
    mode: input.mode ?? PLATEAU_DEFAULTS.mode,
    factor: input.factor ?? PLATEAU_DEFAULTS.factor,
    patience: input.patience ?? PLATEAU_DEFAULTS.patience,
    threshold: input.threshold ?? PLATEAU_DEFAULTS.threshold,
    thresholdMode: input.thresholdMode ?? PLATEAU_DEFAULTS.thresholdMode,
    cooldown: input.cooldown ?? PLATEAU_DEFAULTS.cooldown,
    minLr: input.minLr ?? PLATEAU_DEFAULTS.minLr,
    eps: input.eps ?? PLATEAU_DEFAULTS.eps,
  };
}

/**
 * Throws a RangeError for an invalid plateau config: torch's checks (factor < 1, mode ∈ {min, max},
 * threshold_mode ∈ {rel, abs}) plus stricter ones torch leaves open: factor > 0, patience and cooldown
 * non-negative integers, threshold, minLr and eps finite and ≥ 0.
 */
export function validatePlateau(config: PlateauConfig): void {
  if (config.mode !== 'min' && config.mode !== 'max') {
    throw new RangeError(`plateau: mode must be 'min' or 'max', got ${JSON.stringify(config.mode)}`);
  }
  if (config.thresholdMode !== 'rel' && config.thresholdMode !== 'abs') {
    throw new RangeError(
      `plateau: thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(config.thresholdMode)}`,
    );
  }
  if (!(config.factor < 1)) throw new RangeError(`plateau: factor should be < 1.0, got ${config.factor}`);
  if (!(config.factor > 0)) throw new RangeError(`plateau: factor should be > 0, got ${config.factor}`);
  if (!isNonNegInt(config.patience)) {
    throw new RangeError(`plateau: patience must be a non-negative integer, got ${config.patience}`);
  }
  if (!isNonNegInt(config.cooldown)) {
    throw new RangeError(`plateau: cooldown must be a non-negative integer, got ${config.cooldown}`);
  }
  for (const [name, v] of [
    ['threshold', config.threshold],
    ['minLr', config.minLr],
    ['eps', config.eps],
  ] as const) {
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`plateau: ${name} must be a finite number >= 0, got ${v}`);
  }
}

/**
 * ReduceLROnPlateau's mutable state, as an immutable value. `best` starts at +∞ ('min') or −∞ ('max'),
 * torch's `mode_worse`; note that JSON.stringify writes ±∞ as null, so encode it (e.g. as the string
 * "Infinity") if the state must be persisted.
 */
export interface PlateauState {
  /** The optimizer's current lr (`param_groups[0]['lr']`). */
  readonly lr: number;
  readonly best: number;
  readonly numBadEpochs: number;
  readonly cooldownCounter: number;
  /** torch's `last_epoch`: 0 after construction, +1 per `step`. */
  readonly lastEpoch: number;
  /** How many times the lr was actually lowered. */
  readonly numReductions: number;
}

/**
 * State right after `ReduceLROnPlateau(optimizer(lr=initialLr), **config)`: best = mode_worse (±∞),
 * num_bad_epochs = 0, cooldown_counter = 0, last_epoch = 0. Validates the config.
 */
export function plateauInit(config: PlateauConfig, initialLr: number): PlateauState {
  validatePlateau(config);
  if (!Number.isFinite(initialLr) || initialLr < 0) {
    throw new RangeError(`plateau: initialLr must be a finite number >= 0, got ${initialLr}`);
  }
  return {
    lr: initialLr,
    best: config.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
    numBadEpochs: 0,
    cooldownCounter: 0,
    lastEpoch: 0,
    numReductions: 0,
  };
}

/**
 * torch 1.13 `ReduceLROnPlateau.is_better(a, best)`:
 * min/rel: a < best·(1 − threshold); min/abs: a < best − threshold;
 * max/rel: a > best·(threshold + 1); max/abs: a > best + threshold.
 * Any comparison with NaN is false, so a NaN metric is never "better".
 */
export function plateauIsBetter(config: PlateauConfig, a: number, best: number): boolean {
  if (config.mode === 'min') {
    return config.thresholdMode === 'rel' ? a < best * (1 - config.threshold) : a < best - config.threshold;
  }
  return config.thresholdMode === 'rel' ? a > best * (config.threshold + 1) : a > best + config.threshold;
}

/**
 * One `scheduler.step(metric)` of torch 1.13's ReduceLROnPlateau, returning the new state (the input is
 * not modified):
 *
 *     last_epoch += 1
 *     if is_better(metric, best): best = metric; num_bad_epochs = 0
 *     else: num_bad_epochs += 1
 *     if cooldown_counter > 0: cooldown_counter -= 1; num_bad_epochs = 0   # bad epochs ignored in cooldown
 *     if num_bad_epochs > patience:
 *         new_lr = max(lr·factor, min_lr); if lr − new_lr > eps: lr = new_lr   # _reduce_lr
 *         cooldown_counter = cooldown; num_bad_epochs = 0
 *
 * Note the cooldown counter is reset and the bad-epoch count cleared even when `_reduce_lr` skipped the
 * change (lr already at min_lr or the step below eps), exactly as torch does.
 *
 * NaN metric: torch does `float(metrics)` and compares; every comparison with NaN is False, so NaN is
 * never better, counts as a bad epoch, and leaves `best` unchanged. We do the same (no special case).
 * ±∞ metrics likewise follow IEEE comparisons as in Python.
 */
export function plateauStep(config: PlateauConfig, state: PlateauState, metric: number): PlateauState {
  const current = metric;
  const lastEpoch = state.lastEpoch + 1;
  let best = state.best;
  let numBadEpochs: number;
  if (plateauIsBetter(config, current, state.best)) {
    best = current;
    numBadEpochs = 0;
  } else {
    numBadEpochs = state.numBadEpochs + 1;
  }
  let cooldownCounter = state.cooldownCounter;
  if (cooldownCounter > 0) {
    cooldownCounter -= 1;
    numBadEpochs = 0;
  }
  let lr = state.lr;
  let numReductions = state.numReductions;
  if (numBadEpochs > config.patience) {
    const oldLr = lr;
    const newLr = Math.max(oldLr * config.factor, config.minLr);
    if (oldLr - newLr > config.eps) {
      lr = newLr;
      numReductions += 1;
    }
    cooldownCounter = config.cooldown;
    numBadEpochs = 0;
  }
  return { lr, best, numBadEpochs, cooldownCounter, lastEpoch, numReductions };
}
