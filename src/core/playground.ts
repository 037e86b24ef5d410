/**
 * The optimizer playground's engine: runs torch-exact optimizers ({@link optimizerStep}) on a 2-D surface
 * (a fixture function or a parsed user expression), with optional Gaussian gradient noise, 1/√t learning-
 * rate decay, gradient-norm clipping and a divergence guard; plus learning-rate presets for the lessons
 * ("too small / right / too large") and a critical-point finder for user expressions.
 *
 * The simulation loop is the reference fixture's (`optim2d.json`): for t = 0..steps, record the point,
 * f and the gradient at t, then (if t < steps) take one optimizer step. With noise 0, decay off and no
 * clipping, {@link simulate} reproduces torch 1.13's paths to round-off (tested on all 98 fixture cases).
 */
import type { Box } from './contours.ts';
import { clipGradNorm } from './clipping.ts';
import type { Surface2D } from './expr.ts';
import { classifyCriticalPoint, hessianEigen, type CriticalPointKind } from './functions2d.ts';
import {
  initOptimizerState,
  makeOptimizerConfig,
  optimizerStep,
  type OptimizerConfig,
  type OptimizerState,
} from './optimizers.ts';
import { Rng, createRng, fork } from './rng.ts';

/** The optimizers a student can pick; Momentum and Nesterov are torch's SGD with momentum (nesterov). */
export type PlaygroundOptimizerKind =
  'SGD' | 'Momentum' | 'Nesterov' | 'Adagrad' | 'RMSprop' | 'Adam' | 'AdamW';

/** All kinds, in display order. */
export const PLAYGROUND_KINDS: readonly PlaygroundOptimizerKind[] = [
  'SGD',
  'Momentum',
  'Nesterov',
  'Adagrad',
  'RMSprop',
  'Adam',
  'AdamW',
];

/**
 * One optimizer's hyper-parameters, flat (every kind has every field; each kind reads only its own):
 *
 * - SGD / Momentum / Nesterov: lr, momentum, weightDecay (Nesterov needs momentum > 0);
 * - Adagrad: lr, eps, weightDecay;
 * - RMSprop: lr, alpha, eps, momentum, weightDecay;
 * - Adam / AdamW: lr, beta1, beta2, eps, weightDecay (AdamW's is decoupled).
 */
export interface PlaygroundOptimizer {
  kind: PlaygroundOptimizerKind;
  lr: number;
  /** SGD-family and RMSprop momentum: 0.9 for Momentum/Nesterov, 0 otherwise. */
  momentum: number;
  /** Adam/AdamW β₁ (0.9). */
  beta1: number;
  /** Adam/AdamW β₂ (0.999). */
  beta2: number;
  /** RMSprop smoothing constant α (0.99). */
  alpha: number;
  /** Denominator ε: Adagrad 1e-10, RMSprop/Adam/AdamW 1e-8; unused by the SGD family (0). */
  eps: number;
  /** L2 penalty (coupled, in the gradient) — except AdamW, where it is decoupled; AdamW default 0.01. */
  weightDecay: number;
}

/**
 * torch's defaults for the class behind `kind`: SGD has no default lr in torch, so the SGD family uses
 * 0.01 unless `lr` is given; Adagrad and RMSprop 0.01; Adam and AdamW 1e-3. Momentum/Nesterov get
 * momentum 0.9 (the conventional value; torch's default is 0, i.e. plain SGD).
 */
export function defaultOptimizer(kind: PlaygroundOptimizerKind, lr?: number): PlaygroundOptimizer {
  const base = { kind, momentum: 0, beta1: 0.9, beta2: 0.999, alpha: 0.99, eps: 0, weightDecay: 0 };
  switch (kind) {
    case 'SGD':
      return { ...base, lr: lr ?? 0.01 };
    case 'Momentum':
    case 'Nesterov':
      return { ...base, lr: lr ?? 0.01, momentum: 0.9 };
    case 'Adagrad':
      return { ...base, lr: lr ?? 0.01, eps: 1e-10 };
    case 'RMSprop':
      return { ...base, lr: lr ?? 0.01, eps: 1e-8 };
    case 'Adam':
      return { ...base, lr: lr ?? 1e-3, eps: 1e-8 };
    case 'AdamW':
      return { ...base, lr: lr ?? 1e-3, eps: 1e-8, weightDecay: 0.01 };
  }
}

/**
 * The torch config for a playground optimizer: SGD → torch SGD (momentum as given, normally 0), Momentum →
 * SGD(momentum), Nesterov → SGD(momentum, nesterov=True), the others one to one (torch defaults for every
 * field the playground does not expose: dampening 0, lr_decay 0, initial accumulator 0, centered False,
 * amsgrad False). Throws a RangeError, in torch's words, for values torch's constructor refuses (negative
 * lr, Nesterov with momentum 0, β outside [0, 1), …).
 */
export function toOptimizerConfig(o: PlaygroundOptimizer): OptimizerConfig {
  switch (o.kind) {
    case 'SGD':
    case 'Momentum':
    case 'Nesterov':
      return makeOptimizerConfig('SGD', {
        lr: o.lr,
        momentum: o.momentum,
        weightDecay: o.weightDecay,
        nesterov: o.kind === 'Nesterov',
      });
    case 'Adagrad':
      return makeOptimizerConfig('Adagrad', { lr: o.lr, eps: o.eps, weightDecay: o.weightDecay });
    case 'RMSprop':
      return makeOptimizerConfig('RMSprop', {
        lr: o.lr,
        alpha: o.alpha,
        eps: o.eps,
        momentum: o.momentum,
        weightDecay: o.weightDecay,
      });
    case 'Adam':
    case 'AdamW':
      return makeOptimizerConfig(o.kind, {
        lr: o.lr,
        betas: [o.beta1, o.beta2],
        eps: o.eps,
        weightDecay: o.weightDecay,
      });
  }
}

/** Knobs of one run. */
export interface SimulationSettings {
  /** Number of optimizer steps (the result has steps + 1 points). */
  steps: number;
  /** σ of the Gaussian noise added to each gradient component (absolute units of ∂f); 0 = exact. */
  noise: number;
  /** Seeds the noise stream `fork(createRng(seed), 'gradient-noise')` (ignored when noise = 0). */
  seed: number;
  /** lr_t = lr/√(t + 1) for the step taken at t (t = 0, 1, …). */
  decay: boolean;
  /** torch `clip_grad_norm_(max_norm = clipNorm)` (L2) on the 2-vector before each step; null = off. */
  clipNorm: number | null;
  /**
   * Refuse (skip) an update whose new point or f is non-finite or has |x| or |y| > {@link ESCAPE_LIMIT},
   * keep the point and the optimizer state, and halve the lr for every later step.
   */
  nanGuard: boolean;
}

/** The trajectory of one run, as parallel Float64Arrays of length steps + 1 (index t = after t steps). */
export interface SimulationResult {
  xs: Float64Array;
  ys: Float64Array;
  /** f at each point. */
  fs: Float64Array;
  /** ‖g‖₂ of the (noisy) gradient at each point, before clipping. */
  gradNorm: Float64Array;
  /** How many steps the clipping shrank (clip coefficient < 1). */
  clipped: number;
  /** Steps t whose update the guard refused (point t + 1 = point t). */
  skipped: number[];
  /**
   * First index t whose point or f is non-finite or has |x| or |y| > {@link ESCAPE_LIMIT}; from t on the
   * arrays hold NaN (the run stops there). null when the run stayed finite and bounded.
   */
  diverged: number | null;
}

/** |x| or |y| beyond this counts as escaped (divergence / guard). */
export const ESCAPE_LIMIT = 1e6;

const escaped = (x: number, y: number, f: number): boolean =>
  !(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(f)) ||
  Math.abs(x) > ESCAPE_LIMIT ||
  Math.abs(y) > ESCAPE_LIMIT;

/**
 * Runs `settings.steps` optimizer steps from `start` on `surface` (loop as in the module doc). Per step t:
 *
 * 1. g = ∇f(p_t) + σ·(z₁, z₂), z ~ N(0, 1) from the noise stream (two draws per point, also at the last
 *    point; nothing is drawn when σ = 0, so the path is then exactly the torch path);
 * 2. gradNorm[t] = ‖g‖₂;
 * 3. if clipNorm ≠ null: g ← g·min(1, clipNorm/(‖g‖ + 1e-6)) (torch's clip_grad_norm_);
 * 4. lr_t = lr·(decay ? 1/√(t + 1) : 1)·2^(−k), k = number of updates refused so far by the guard;
 * 5. p_{t+1}, state ← optimizerStep(config, state, p_t, g, { lr: lr_t }); with the guard, an update
 *    leading to an escaped point (see {@link SimulationResult.diverged}) is refused: p_{t+1} = p_t, the
 *    state is kept, t is added to `skipped` and k increases.
 *
 * The noise stream depends only on `settings.seed`, so different optimizers with the same seed see the
 * same noise sequence (z at point t), which keeps runs comparable. Throws a RangeError for invalid
 * settings or hyper-parameters (see {@link toOptimizerConfig}).
 */
export function simulate(
  surface: Surface2D,
  start: readonly [number, number],
  opt: PlaygroundOptimizer,
  settings: SimulationSettings,
): SimulationResult {
  const { steps, noise, decay, clipNorm, nanGuard } = settings;
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new RangeError(`The number of steps must be a whole number ≥ 0, got ${steps}.`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`The gradient noise σ must be a finite number ≥ 0, got ${noise}.`);
  }
  if (clipNorm !== null && !(clipNorm > 0)) {
    throw new RangeError(`The clipping threshold must be > 0 (or off), got ${clipNorm}.`);
  }
  const config = toOptimizerConfig(opt);
  let state: OptimizerState = initOptimizerState(config, 2);
  const rng = noise > 0 ? new Rng(fork(createRng(settings.seed), 'gradient-noise')) : null;
  const n = steps + 1;
  const xs = new Float64Array(n).fill(Number.NaN);
  const ys = new Float64Array(n).fill(Number.NaN);
  const fs = new Float64Array(n).fill(Number.NaN);
  const gradNorm = new Float64Array(n).fill(Number.NaN);
  const skipped: number[] = [];
  let clipped = 0;
  let diverged: number | null = null;
  let lrScale = 1;
  let p: [number, number] = [start[0], start[1]];
  let f = surface.f(p[0], p[1]);
  for (let t = 0; t <= steps; t++) {
    const [x, y] = p;
    if (escaped(x, y, f)) {
      diverged = t;
      break;
    }
    xs[t] = x;
    ys[t] = y;
    fs[t] = f;
    let [gx, gy] = surface.grad(x, y);
    if (rng !== null) {
      gx += noise * rng.normal();
      gy += noise * rng.normal();
    }
    gradNorm[t] = Math.hypot(gx, gy);
    if (t === steps) break;
    if (clipNorm !== null) {
      const c = clipGradNorm([[gx, gy]], clipNorm, 2);
      const g = c.clipped[0] as Float64Array;
      gx = g[0] as number;
      gy = g[1] as number;
      if (c.fired) clipped++;
    }
    const lr = (decay ? opt.lr / Math.sqrt(t + 1) : opt.lr) * lrScale;
    const next = optimizerStep(config, state, p, [gx, gy], { lr });
    const q: [number, number] = [next.params[0] as number, next.params[1] as number];
    const fq = surface.f(q[0], q[1]);
    if (nanGuard && escaped(q[0], q[1], fq)) {
      skipped.push(t);
      lrScale /= 2;
      continue; // p, f and state unchanged
    }
    p = q;
    f = fq;
    state = next.state;
  }
  return { xs, ys, fs, gradNorm, clipped, skipped, diverged };
}

/** The first t whose point lies within Euclidean distance `tol` of `point`, or null if none does. */
export function firstWithin(
  result: SimulationResult,
  point: readonly [number, number],
  tol: number,
): number | null {
  for (let t = 0; t < result.xs.length; t++) {
    const d = Math.hypot((result.xs[t] as number) - point[0], (result.ys[t] as number) - point[1]);
    if (d <= tol) return t;
  }
  return null;
}

// ----------------------------------------------------------------------------------------------------------
// Learning-rate presets
// ----------------------------------------------------------------------------------------------------------

/** Three learning rates for a lesson: one that barely moves, the best one, one that bounces or blows up. */
export interface LrPresets {
  tooSmall: number;
  right: number;
  tooLarge: number;
}

/** A plotting window / feasible box (the same shape as contours' Box). */
export type Box2D = Box;

/** Noise, decay, clipping and guard off, 100 steps: the plain torch path (what the oracle holds). */
export const DEFAULT_SIMULATION: SimulationSettings = {
  steps: 100,
  noise: 0,
  seed: 0,
  decay: false,
  clipNorm: null,
  nanGuard: false,
};

/**
 * The learning-rate grid the reference fixture chose from: {1, 2, 3, 5}·10^k for 1e-4 ≤ lr < 1, and 1
 * (17 values; the fixture's 98 cases use 11 of them).
 */
export const LR_GRID: readonly number[] = [
  1e-4, 2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1,
];

/** Values tried below the grid (for 'tooSmall') and above it (for 'tooLarge') when the grid has none. */
const BELOW_GRID: readonly number[] = [5e-5, 2e-5, 1e-5, 5e-6, 2e-6, 1e-6, 1e-7, 1e-8];
const ABOVE_GRID: readonly number[] = [2, 3, 5, 10, 20, 50, 100, 1000, 1e4];

/**
 * 'tooSmall' moves the point at most this fraction of the distance 'right' moves it (start to final
 * point); 'tooLarge' achieves at most this fraction of right's decrease of f, or leaves the box.
 */
export const PRESET_FRACTION = 0.1;

/** One plain run: final f (+∞ when the path is non-finite or leaves the box), start-to-end distance. */
function plainRun(
  surface: Surface2D,
  start: readonly [number, number],
  kind: PlaygroundOptimizerKind,
  box: Box2D,
  lr: number,
  steps: number,
): { score: number; moved: number } {
  const r = simulate(surface, start, defaultOptimizer(kind, lr), {
    steps,
    noise: 0,
    seed: 0,
    decay: false,
    clipNorm: null,
    nanGuard: false,
  });
  if (r.diverged !== null) return { score: Number.POSITIVE_INFINITY, moved: Number.POSITIVE_INFINITY };
  for (let t = 0; t <= steps; t++) {
    const x = r.xs[t] as number;
    const y = r.ys[t] as number;
    if (!(x >= box.x[0] && x <= box.x[1] && y >= box.y[0] && y <= box.y[1])) {
      return { score: Number.POSITIVE_INFINITY, moved: Number.POSITIVE_INFINITY };
    }
  }
  const moved = Math.hypot((r.xs[steps] as number) - start[0], (r.ys[steps] as number) - start[1]);
  return { score: r.fs[steps] as number, moved };
}

/**
 * The score of one lr for {@link lrPresets}: f at the end of a plain run (no noise, no decay, no clipping,
 * no guard, `steps` steps, torch defaults for the kind) if every point of the path is finite and inside
 * `box` (edges included), else +Infinity.
 */
export function scoreLr(
  surface: Surface2D,
  start: readonly [number, number],
  kind: PlaygroundOptimizerKind,
  box: Box2D,
  lr: number,
  steps = 100,
): number {
  return plainRun(surface, start, kind, box, lr, steps).score;
}

/**
 * Learning-rate presets for one (surface, start, optimizer kind), from plain runs of `steps` steps
 * (torch defaults for the kind, no noise/decay/clipping/guard) scored by {@link scoreLr} (final f, +∞ if
 * the path is non-finite or leaves `box`):
 *
 * - right: the {@link LR_GRID} value with the lowest score (the fixture's rule, but per start and with
 *   `box` in place of the fixture's |x|, |y| ≤ box_half_width; the smaller lr on a tie);
 * - tooSmall: the largest lr below right (grid, then 5e-5 … 1e-8) whose path stays in the box, ends at
 *   most {@link PRESET_FRACTION} of right's start-to-end distance from the start, and scores no better
 *   than right — it "barely moves"; if none does, the smallest value tried (1e-8);
 * - tooLarge: the smallest lr above right (grid, then 2 … 1e4) that leaves the box or blows up, or whose
 *   f decrease f(start) − f_final is at most {@link PRESET_FRACTION} of right's — it "oscillates or blows
 *   up"; if none, 1e4.
 *
 * Hence score(right) ≤ score(tooSmall) always, and score(right) ≤ score(tooLarge) whenever right
 * decreases f. If no grid lr keeps the path in the box (e.g. the start lies outside it), right is the
 * smallest grid value. Cost: up to 34 runs of `steps` steps (about 5 ms for 100 steps).
 */
export function lrPresets(
  surface: Surface2D,
  start: readonly [number, number],
  kind: PlaygroundOptimizerKind,
  box: Box2D,
  steps = 100,
): LrPresets {
  const run = (lr: number): { score: number; moved: number } =>
    plainRun(surface, start, kind, box, lr, steps);
  const f0 = surface.f(start[0], start[1]);
  const runs = LR_GRID.map(run);
  let best = 0;
  runs.forEach((r, i) => {
    if (r.score < (runs[best] as { score: number }).score) best = i;
  });
  const right = LR_GRID[best] as number;
  const { score: rightScore, moved: rightMoved } = runs[best] as { score: number; moved: number };
  const barelyMoves = (r: { score: number; moved: number }): boolean =>
    Number.isFinite(r.score) && r.score >= rightScore && r.moved <= PRESET_FRACTION * rightMoved;
  // "At most a fraction of right's f decrease": f_final ≥ f0 − fraction·(f0 − f_right). Only when right
  // does decrease f; otherwise only leaving the box counts.
  const progress = f0 - rightScore;
  const threshold = Number.isFinite(progress) && progress > 0 ? f0 - PRESET_FRACTION * progress : null;
  const bounces = (score: number): boolean =>
    !Number.isFinite(score) || (threshold !== null && score >= threshold);

  let tooSmall: number | null = null;
  for (let i = best - 1; i >= 0 && tooSmall === null; i--) {
    if (barelyMoves(runs[i] as { score: number; moved: number })) tooSmall = LR_GRID[i] as number;
  }
  for (const lr of BELOW_GRID) {
    if (tooSmall !== null) break;
    if (barelyMoves(run(lr))) tooSmall = lr;
  }
  let tooLarge: number | null = null;
  for (let i = best + 1; i < LR_GRID.length && tooLarge === null; i++) {
    if (bounces((runs[i] as { score: number }).score)) tooLarge = LR_GRID[i] as number;
  }
  for (const lr of ABOVE_GRID) {
    if (tooLarge !== null) break;
    if (bounces(run(lr).score)) tooLarge = lr;
  }
  return {
    tooSmall: tooSmall ?? (BELOW_GRID[BELOW_GRID.length - 1] as number),
    right,
    tooLarge: tooLarge ?? (ABOVE_GRID[ABOVE_GRID.length - 1] as number),
  };
}

// ----------------------------------------------------------------------------------------------------------
// Critical points of user expressions
// ----------------------------------------------------------------------------------------------------------

/** A critical point found numerically. */
export interface FoundCriticalPoint {
  x: number;
  y: number;
  f: number;
  kind: CriticalPointKind;
}

/** Newton starts per axis in {@link findCriticalPoints}. */
const NEWTON_GRID = 13;
const NEWTON_ITERATIONS = 100;
/** A Newton step shorter than this times the box diagonal counts as converged. */
const NEWTON_STEP_TOL = 1e-13;

/**
 * Critical points (∇f = 0) of `surface` inside `box`, for labelling a user expression's plot: Newton's
 * method p ← p − H⁻¹∇f from a 13 × 13 grid of starts spanning the box, with H⁻¹ applied through the
 * eigen-decomposition (directions with |λ| ≤ 1e-12·max|λ| are left alone, so a singular Hessian does not
 * blow up) and each step capped at a quarter of the box diagonal. A run (at most 100 iterations) counts
 * when its Newton step has shrunk below 1e-13 of the box diagonal, ‖∇f‖ ≤ 1e-8·max(1, |f|) there, and
 * the point is inside the box. Degenerate points converge only linearly (the monkey saddle's origin
 * halves the distance per step, (x² + y²)² shrinks it by 2/3) but within the 100 iterations. Points
 * closer than 1e-6 of the box diagonal are merged (the one with the smaller gradient is kept). Each is
 * classified by {@link classifyCriticalPoint} from its Hessian. Sorted by x, then y (x values within 1e-9
 * of the diagonal count as equal). Best effort: a critical point whose basin of attraction misses every
 * start is not found, and a continuum of critical points (e.g. f = x²) yields many samples of it. Cost:
 * up to 169 × 100 evaluations of f, ∇f and H (a few ms to tens of ms).
 */
export function findCriticalPoints(surface: Surface2D, box: Box2D): FoundCriticalPoint[] {
  const [x0, x1] = box.x;
  const [y0, y1] = box.y;
  const w = x1 - x0;
  const h = y1 - y0;
  const diag = Math.hypot(w, h);
  const maxStep = diag / 4;
  const slackX = 1e-9 * Math.max(1, Math.abs(x0), Math.abs(x1));
  const slackY = 1e-9 * Math.max(1, Math.abs(y0), Math.abs(y1));
  const inside = (x: number, y: number): boolean =>
    x >= x0 - slackX && x <= x1 + slackX && y >= y0 - slackY && y <= y1 + slackY;
  const found: { x: number; y: number; g: number }[] = [];
  for (let j = 0; j < NEWTON_GRID; j++) {
    for (let i = 0; i < NEWTON_GRID; i++) {
      // Starts at cell centres of a 13 × 13 partition (never exactly on the box edge).
      let x = x0 + ((i + 0.5) / NEWTON_GRID) * w;
      let y = y0 + ((j + 0.5) / NEWTON_GRID) * h;
      let ok = false;
      let gNorm = Number.POSITIVE_INFINITY;
      for (let it = 0; it < NEWTON_ITERATIONS; it++) {
        const [gx, gy] = surface.grad(x, y);
        gNorm = Math.hypot(gx, gy);
        const f = surface.f(x, y);
        if (!Number.isFinite(gNorm) || !Number.isFinite(f)) break;
        const small = gNorm <= 1e-8 * Math.max(1, Math.abs(f));
        if (gNorm === 0) {
          ok = true;
          break;
        }
        const { values, vectors } = hessianEigen(surface.hessian(x, y));
        const scale = Math.max(Math.abs(values[0]), Math.abs(values[1]));
        if (!Number.isFinite(scale)) break;
        let dx = 0;
        let dy = 0;
        for (let k = 0; k < 2; k++) {
          const lambda = values[k] as number;
          const v = vectors[k] as [number, number];
          if (Math.abs(lambda) <= 1e-12 * scale || lambda === 0) continue;
          const c = (v[0] * gx + v[1] * gy) / lambda;
          dx -= c * v[0];
          dy -= c * v[1];
        }
        const len = Math.hypot(dx, dy);
        // Converged: the Newton step is negligible and the gradient small (a degenerate point converges
        // only linearly, so a small gradient alone is not enough to stop: keep halving the distance).
        if (len <= NEWTON_STEP_TOL * diag) {
          ok = small;
          break;
        }
        if (len > maxStep) {
          dx *= maxStep / len;
          dy *= maxStep / len;
        }
        x += dx;
        y += dy;
        if (Math.abs(x - x0) > 2 * w + 1 || Math.abs(y - y0) > 2 * h + 1) break;
      }
      if (!ok || !inside(x, y)) continue;
      const same = found.findIndex((q) => Math.hypot(q.x - x, q.y - y) <= 1e-6 * diag);
      if (same < 0) found.push({ x, y, g: gNorm });
      else if (gNorm < (found[same] as { g: number }).g) found[same] = { x, y, g: gNorm };
    }
  }
  return found
    .map(({ x, y }) => ({ x, y, f: surface.f(x, y), kind: classifyCriticalPoint(surface.hessian(x, y)) }))
    .sort((a, b) => (Math.abs(a.x - b.x) > 1e-9 * diag ? a.x - b.x : a.y - b.y));
}
