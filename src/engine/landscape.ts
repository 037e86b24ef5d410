/**
 * Loss-landscape tools on the real model: a 2-D loss surface around the current weights along two
 * filter-normalised random directions (Li, Xu, Taylor, Studer & Goldstein, "Visualizing the Loss
 * Landscape of Neural Nets", NeurIPS 2018), the top Hessian eigenvalue and Keskar's ε-sharpness (Keskar,
 * Mudigere, Nocedal, Smelyanskiy & Tang, "On Large-Batch Training for Deep Learning: Generalization Gap
 * and Sharp Minima", ICLR 2017), and the 1-D linear interpolation between two weight sets (Goodfellow,
 * Vinyals & Saxe 2015).
 *
 * Notation: θ = the model's trainable parameters (one tensor per torch parameter, `model.params`,
 * Linear weights [out, in], biases and BatchNorm γ/β [C]); the BatchNorm running statistics
 * (`model.buffers`) are NOT parameters. L(θ) = the mean over `n` crystals of a per-crystal loss ℓ(e) of
 * the residual e = pred − (y − mean)/std, in normalised units as the training loss, evaluated in EVAL
 * mode (BatchNorm uses its running statistics, as loss_landscapes and Li et al. do: a train-mode loss
 * would depend on how the rows are batched).
 *
 * Every job:
 * - runs under `trainer.runExclusive`, i.e. between two training steps of a running run (the run waits),
 *   and puts every weight back bit-exactly afterwards (device copies of the variables, assigned back),
 *   whatever happened (cancel, error). It never touches the trainer's RNG, optimizer slots, BN running
 *   statistics (except interpolation, which restores them too) or position, so a run with jobs in the
 *   middle gives the same numbers bit for bit as one without (tested);
 * - uploads the crystals once (`trainer.batchTensors`, cut by `evalBatchSize` exactly as `evaluate`
 *   cuts them) and reuses them for every point; per point one `tf.tidy` (weights assigned, forward) and
 *   ONE readback, with the next point's kernels queued while it is in flight (see `pipelinedPoints`);
 *   the losses are computed on the host in float64 (src/core/losses.ts), summed in the same order as
 *   `Trainer.evaluate`, so at θ₀ the job's recipe loss equals the engine's evaluation;
 * - yields a macrotask between points (so a worker handles a cancel message meanwhile), checks
 *   `hooks.cancelled()` before each point (throws {@link JobCancelled}) and reports
 *   `hooks.progress(done, total, elapsedMs)` after each one.
 */
import * as tf from '@tensorflow/tfjs';
import { checkLossConfig, lossOfResidual, type LossConfig } from '../core/losses.ts';
import { createRng, fork, normalArray, type RngState } from '../core/rng.ts';
import { disposeBatchTensors, type BatchTensors } from '../model/batch.ts';
import { CgcnnModel } from '../model/cgcnn.ts';
import { lossTensor } from './loss.ts';
import { sumScalars } from './clip.ts';
import { yieldMacrotask, type Trainer } from './trainer.ts';

// ---------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------

/**
 * A full weight set on the host, in `CgcnnModel.readWeights()` order: every parameter (`paramNames`),
 * then every buffer (`bufferNames`, the BatchNorm running statistics), flat, torch layouts.
 */

export type Weights = Float32Array[];

/** What a job is told and tells while it runs. */
export interface JobHooks {
  /** Checked before every point; true ⇒ the job restores the weights and throws {@link JobCancelled}. */
  cancelled?: () => boolean;
  /** After every point: points done, points in all, ms since the job got the model. */
  progress?: (done: number, total: number, elapsedMs: number) => void;
}

/** Thrown by a job whose `hooks.cancelled()` returned true (the weights are already restored). */
export class JobCancelled extends Error {
  constructor() {
    super('The job was cancelled.');
    this.name = 'JobCancelled';
  }
}

/** Whether `e` is the marker a cancelled job throws. */
export function isJobCancelled(e: unknown): e is JobCancelled {
  return e instanceof JobCancelled;
}

export interface ProbeRequest {
  /** The first `rows` kept training rows (0 = all). */
  rows: number;
}

/** How long one point costs on this backend, for the page's time estimates. */
export interface ProbeResult {
  kind: 'probe';
  rows: number;
  /** One eval forward over the rows + its readback (a surface or interpolation point), ms. */
  msPerPoint: number;
  /** One loss-and-gradient pass over the rows + a readback (sharpness: 2 per power iteration), ms. */
  msPerGradient: number;
  /** Uploading the rows once (per job), ms. */
  uploadMs: number;
  /** Trainable parameters. */
  parameters: number;
  ms: number;
}

export interface SurfaceRequest {
  /** Points per axis: odd (so that α = β = 0 is a grid point), 5 … 41. */
  grid: number;
  /** α, β ∈ [−span, span] (Li et al. plot ±1). */
  span: number;
  /** The first `rows` kept training rows (0 = all). */
  rows: number;
  /** Seeds the two directions. */
  seed: number;
  /** δ of the Huber surface (normalised units). */
  huberDelta: number;
}

export interface SurfaceResult {
  kind: 'surface';
  grid: number;
  span: number;
  seed: number;
  /** The grid's α (= β) values, linspace(−span, span, grid). */
  alphas: Float64Array;
  /** Huber(δ) at (α_i, β_j), index j·grid + i. */
  huber: Float64Array;
  /** MSE at (α_i, β_j), index j·grid + i. */
  mse: Float64Array;
  /** The recipe's own loss (`config.loss`) at (α_i, β_j), index j·grid + i. */
  recipe: Float64Array;
  /** The recipe's loss, for labels. */
  recipeLoss: LossConfig;
  /** The 1-D slice β = 0 along d1, 4·(grid − 1) + 1 points (every 4th is a grid point, reused). */
  line: { alphas: Float64Array; huber: Float64Array; mse: Float64Array; recipe: Float64Array };
  huberDelta: number;
  rows: number;
  /**
   * At θ₀ (α = β = 0): the job's three losses, and `engineLoss`, the recipe loss of the same rows from
   * the trainer's own evaluation path, computed independently (before the job moved any weight).
   */
  centre: { huber: number; mse: number; recipeLoss: number; engineLoss: number };
  ms: number;
  /** Mean ms per evaluated point (forward + readback + host losses). */
  msPerPoint: number;
}

export interface SharpnessRequest {
  /** Power iterations at most (each costs 2 gradient passes). */
  iterations: number;
  /** The first `rows` kept training rows (0 = all). */
  rows: number;
  /** Seeds the start vector of the power iteration. */
  seed: number;
  /** ε of Keskar's ε-sharpness box; 0 skips it. */
  epsilon: number;
  /** Absolute finite-difference step h (‖h·v‖ = h); default {@link FD_STEP_RELATIVE}·max(1, ‖θ‖). */
  fdStep?: number;
  /** Projected sign-gradient ascent steps for ε-sharpness; default {@link DEFAULT_ASCENT_STEPS}. */
  ascentSteps?: number;
  /** Stop early when |λ_k − λ_{k−1}| ≤ tol·|λ_k|; default {@link DEFAULT_POWER_TOL}; 0 = never. */
  tol?: number;
}

export interface SharpnessResult {
  kind: 'sharpness';
  /** Hessian-vector products by central differences of gradients (TF.js cannot differentiate twice here). */
  method: 'finite-differences';
  /** h of Hv ≈ (∇L(θ + h·v) − ∇L(θ − h·v))/(2h), ‖v‖ = 1. */
  fdStep: number;
  /** The eigenvalue of largest magnitude found (λ_max at a minimum), normalised-loss units per θ². */
  lambdaMax: number;
  /**
   * The estimate after each power iteration, the Rayleigh quotient vₖᵀHvₖ (its length = iterations run,
   * ≤ the request's: fewer when converged).
   */
  iterations: Float64Array;
  converged: boolean;
  /** ‖Hv − λv‖/|λ| at the final v (0 for an exact eigenvector; FD noise keeps it above ~1e-3). */
  residual: number;
  epsilon: number;
  /**
   * Keskar's ε-sharpness in percent, max over |Δᵢ| ≤ ε(|θᵢ| + 1) of (L(θ + Δ) − L(θ))/(1 + L(θ))·100,
   * approximated by projected sign-gradient ascent: a LOWER bound of the true maximum. NaN when ε = 0.
   */
  epsSharpness: number;
  ascentSteps: number;
  /** L(θ) on the device (float32, the value the ascent and the FD gradients use). */
  loss: number;
  /** The same rows' recipe loss from the trainer's evaluation path (float64 host sum). */
  engineLoss: number;
  rows: number;
  seed: number;
  ms: number;
  /** ms per Hessian-vector product (2 gradient passes). */
  msPerHvp: number;
}

export interface InterpolationRequest {
  /** Points on [range[0], range[1]], ≥ 2. */
  points: number;
  /** α range; default [−0.5, 1.5]. α = 0 is A, α = 1 is B (snapped exactly when on the grid). */
  range: [number, number];
  /** The first `rows` kept training rows for the training loss (0 = all); validation uses all val rows. */
  rows: number;
  /** Names of the two ends, for the page. */
  labels?: [string, string];
}

export interface InterpolationResult {
  kind: 'interpolate';
  alphas: Float64Array;
  /** The recipe loss on the training rows at each α (eval mode, normalised units). */
  train: Float64Array;
  /** The recipe loss on all validation rows at each α (NaN when the split is empty). */
  val: Float64Array;
  recipeLoss: LossConfig;
  range: [number, number];
  labels: [string, string];
  rows: number;
  valRows: number;
  ms: number;
  msPerPoint: number;
}

export type LandscapeResult = ProbeResult | SurfaceResult | SharpnessResult | InterpolationResult;

/**
 * The default finite-difference step, relative: h = FD_STEP_RELATIVE · max(1, ‖θ‖) (‖θ‖ over every
 * trainable parameter), an absolute length in parameter space since v is a unit vector.
 *
 * Two errors pull h in opposite directions. (1) float32: θ ± h·v is rounded to float32, and the gradients
 * carry rounding noise; the per-entry move h/√P should be many ulps of a typical weight (ulp ≈ 1.2e-7·|θᵢ|,
 * |θᵢ| ≈ ‖θ‖/√P), i.e. h/(1.2e-7·‖θ‖) ≫ 1; at 1e-5·‖θ‖ it is ≈ 80 ulps. (2) Huber (and SmoothL1, MAE)
 * has a second derivative that jumps where a residual crosses ±δ: a central difference averages the
 * curvature over a slab of width ~h, so a large h mixes in the neighbouring pieces (λ_max is the
 * curvature of the piece θ lies in). Measured (wasm, teaching set; see the report): the small model
 * (‖θ‖ ≈ 12) gives λ = 2.1682 for h = 1e-5 … 1e-3 (agreeing to 3e-5), 2.18 ± 0.01 at h = 1e-6 (noise),
 * 2.29 at h = 3e-3 (kinks); the default model (80k parameters, ‖θ‖ ≈ 28) drifts 17.02 → 17.07 → 17.49 →
 * 17.98 for h = 1e-4, 3e-4, 1e-3, 3e-3 with power-iteration residuals ≤ 2e-5. 1e-5·‖θ‖ sits at the small
 * end of the clean plateau. A caller may pass an absolute `fdStep` instead.
 */
export const FD_STEP_RELATIVE = 1e-5;
export const DEFAULT_ASCENT_STEPS = 5;
export const DEFAULT_POWER_TOL = 1e-4;

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

function checkCancelled(hooks: JobHooks): void {
  if (hooks.cancelled?.() === true) throw new JobCancelled();
}

/** linspace(a, b, n): a + (b − a)·i/(n − 1), n ≥ 2. */
function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** The first `rows` kept training rows (0, or more than there are, = all). */
function pickRows(trainer: Trainer, rows: number): Int32Array {
  if (!(Number.isInteger(rows) && rows >= 0)) {
    throw new RangeError(`Rows must be a whole number ≥ 0 (0 = all training crystals), got ${rows}.`);
  }
  const all = trainer.trainRows;
  return rows === 0 || rows >= all.length ? all : all.subarray(0, rows);
}

/** A set of crystals uploaded once: its batches (evalBatchSize, as `evaluate` cuts them) and targets. */
interface RowSet {
  readonly n: number;
  readonly batches: BatchTensors[];
  /** n_b / n of each batch (for the gradient of the mean over all rows). */
  readonly shares: number[];
  /** (y − mean)/std in float64, as `Trainer.evaluate` normalises. */
  readonly targets: Float64Array;
}

function uploadRows(trainer: Trainer, rows: Int32Array): RowSet {
  const bs = trainer.config.evalBatchSize;
  const batches: BatchTensors[] = [];
  const shares: number[] = [];
  try {
    for (let s = 0; s < rows.length; s += bs) {
      const part = rows.subarray(s, s + bs);
      batches.push(trainer.batchTensors(part));
      shares.push(part.length / rows.length);
    }
  } catch (e) {
    batches.forEach(disposeBatchTensors);
    throw e;
  }
  const { mean, std } = trainer.normalizer;
  const targets = Float64Array.from(rows, (r) => (trainer.dataset.targets[r]! - mean) / std);
  return { n: rows.length, batches, shares, targets };
}

function disposeRows(set: RowSet | null): void {
  set?.batches.forEach(disposeBatchTensors);
}

/** Eval-mode predictions of every set, concatenated: [Σ n] (normalised units). Call inside a tidy. */
function predictions(model: CgcnnModel, sets: readonly RowSet[]): tf.Tensor1D {
  const outs = sets.flatMap((s) => s.batches.map((t) => tf.reshape(model.forward(t, false).out, [-1])));
  return outs.length === 1 ? (outs[0] as tf.Tensor1D) : (tf.concat(outs) as tf.Tensor1D);
}

/** mean ℓ(raw[offset + i] − targets[i]), summed in `Trainer.evaluate`'s order (NaN for no rows). */
function meanLoss(config: LossConfig, raw: ArrayLike<number>, offset: number, targets: Float64Array): number {
  const n = targets.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += lossOfResidual(config, raw[offset + i]! - targets[i]!);
  return sum / n;
}

/** One readback of a tensor the caller no longer needs (disposed whatever happens). */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

const isRunningVar = (name: string) => name.endsWith('.running_var');

/**
 * Evaluates `n` points with ONE readback each, keeping one readback in flight while the next point's
 * kernels are queued (a depth-2 pipeline): on WebGPU/WebGL the GPU→host copy and its latency overlap the
 * next point's work; on cpu/wasm kernels run when called and `data()` resolves at once, so nothing
 * changes there. Safe because kernels and copies execute in submission order: the next point's weight
 * assignment gives the variables new buffers, it never writes into those the in-flight point read.
 * `enqueue(k)` returns a new tensor (the point's output; disposed here); `consume(k, data)` runs in
 * order k = 0, 1, …. Checks `hooks.cancelled()` before queuing each point; after consuming one, reports
 * progress and yields a macrotask (so the worker handles messages between points).
 */
async function pipelinedPoints(
  n: number,
  enqueue: (k: number) => tf.Tensor,
  consume: (k: number, raw: Float32Array) => void,
  hooks: JobHooks,
  t0: number,
): Promise<void> {
  const queue: { k: number; t: tf.Tensor; p: Promise<Float32Array> }[] = [];
  try {
    let k = 0;
    while (k < n || queue.length > 0) {
      if (k < n && queue.length < 2) {
        checkCancelled(hooks);
        const t = enqueue(k);
        const p = t.data() as Promise<Float32Array>;
        p.catch(() => undefined); // awaited below; never an unhandled rejection if the job stops first
        queue.push({ k, t, p });
        k++;
        continue;
      }
      const cur = queue[0]!;
      const raw = await cur.p;
      queue.shift();
      cur.t.dispose();
      consume(cur.k, raw);
      hooks.progress?.(cur.k + 1, n, performance.now() - t0);
      await yieldMacrotask();
    }
  } finally {
    for (const q of queue) q.t.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------------------------

/**
 * The run's initial weights: `CgcnnModel` is seeded (each tensor from `fork(createRng(seed), name)`), so
 * rebuilding it with the trainer's model config and seed gives exactly the weights the run started from
 * (also for a run resumed from a checkpoint). A throw-away model, not the trainer's: no lock needed.
 */
export async function initialWeights(trainer: Trainer): Promise<Weights> {
  const m = new CgcnnModel(trainer.model.config, trainer.config.seed);
  try {
    return await m.readWeights();
  } finally {
    m.dispose();
  }
}

/** The trainer's current weights (parameters then buffers), read between two steps. */
export function currentWeights(trainer: Trainer): Promise<Weights> {
  return trainer.runExclusive(() => trainer.model.readWeights());
}

/**
 * Throws an Error for people unless `w` fits `model` (count and length of every tensor, parameters then
 * buffers): weights of another architecture cannot be interpolated with this one.
 */
export function checkWeightsFit(model: CgcnnModel, w: Weights, what = 'These weights'): void {
  const all = [...model.params, ...model.buffers];
  const names = [...model.paramNames, ...model.bufferNames];
  if (w.length !== all.length) {
    throw new Error(
      `${what} have ${w.length} tensors, the current model has ${all.length}: they belong to a model of another size.`,
    );
  }
  all.forEach((v, i) => {
    if (w[i]!.length !== v.size) {
      throw new Error(
        `${what} do not fit the current model (${names[i]} has ${w[i]!.length} values, the model needs ${v.size}): they belong to a model of another size.`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Directions (Li et al. 2018, filter normalisation)
// ---------------------------------------------------------------------------------------------------------

/**
 * A filter-normalised Gaussian direction for one parameter θ of shape `shape` (flat, row-major):
 *
 *   ≥ 2 dims (Linear weight [out, in], a "filter" = one output row θᵢ ∈ ℝ^in):
 *       dᵢ ~ N(0, I) (seeded),  dᵢ ← dᵢ · ‖θᵢ‖/‖dᵢ‖      so every row of d has its weight row's norm;
 *   1 dim (bias, BatchNorm γ/β): d = 0 (Li et al.'s "ignore biasbn": the plot moves weights only).
 *
 * A row of θ that is all zero gets d = 0. The norms are float64 on the float32 values; d is float32.
 */
export function filterNormalizedDirection(
  theta: ArrayLike<number>,
  shape: readonly number[],
  rng: RngState,
): Float32Array {
  const n = theta.length;
  const d = new Float32Array(n);
  if (shape.length < 2 || n === 0) return d;
  const rows = shape[0]!;
  const cols = n / rows;
  const [z] = normalArray(rng, n);
  for (let r = 0; r < rows; r++) {
    let zz = 0;
    let tt = 0;
    for (let c = r * cols; c < (r + 1) * cols; c++) {
      zz += z[c]! * z[c]!;
      tt += theta[c]! * theta[c]!;
    }
    const s = zz > 0 ? Math.sqrt(tt) / Math.sqrt(zz) : 0;
    if (s > 0) for (let c = r * cols; c < (r + 1) * cols; c++) d[c] = z[c]! * s;
  }
  return d;
}

/**
 * The surface's two directions d1, d2 (one Float32Array per parameter, `paramNames` order) around the
 * parameters `theta`. Streams: `fork(fork(fork(createRng(seed), 'loss-landscape'), 'd1' | 'd2'), name)`,
 * so each tensor's draw is independent of the others and of the trainer's own RNG (never touched).
 */
export function randomDirections(
  names: readonly string[],
  shapes: readonly (readonly number[])[],
  theta: readonly ArrayLike<number>[],
  seed: number,
): [Float32Array[], Float32Array[]] {
  const root = fork(createRng(seed), 'loss-landscape');
  const make = (label: string) => {
    const stream = fork(root, label);
    return names.map((name, i) => filterNormalizedDirection(theta[i]!, shapes[i]!, fork(stream, name)));
  };
  return [make('d1'), make('d2')];
}

// ---------------------------------------------------------------------------------------------------------
// Probe
// ---------------------------------------------------------------------------------------------------------

/**
 * Times one eval point (forward over the rows + readback) and one gradient pass on this backend: a
 * warm-up of each first (kernel compilation on WebGPU), then the mean of two timed passes. Weights are
 * not changed.
 */
export async function probe(trainer: Trainer, req: ProbeRequest, hooks: JobHooks = {}): Promise<ProbeResult> {
  const rows = pickRows(trainer, req.rows);
  return trainer.runExclusive(async () => {
    checkCancelled(hooks);
    const t0 = performance.now();
    const model = trainer.model;
    const set = uploadRows(trainer, rows);
    try {
      await readAndDispose(tf.tidy(() => tf.sum(set.batches[0]!.targets)));
      const uploadMs = performance.now() - t0;
      const point = async () => {
        await readAndDispose(tf.tidy(() => predictions(model, [set])));
      };
      const grad = async () => {
        const { value, grads } = lossAndGrads(model, set, trainer.config.loss);
        tf.dispose(grads);
        await readAndDispose(value);
      };
      const total = 6;
      let done = 0;
      const timed = async (f: () => Promise<void>) => {
        let ms = 0;
        for (let k = 0; k < 3; k++) {
          checkCancelled(hooks);
          const s = performance.now();
          await f();
          if (k > 0) ms += performance.now() - s;
          done++;
          hooks.progress?.(done, total, performance.now() - t0);
          await yieldMacrotask();
        }
        return ms / 2;
      };
      const msPerPoint = await timed(point);
      const msPerGradient = await timed(grad);
      return {
        kind: 'probe' as const,
        rows: rows.length,
        msPerPoint,
        msPerGradient,
        uploadMs,
        parameters: model.params.reduce((a, v) => a + v.size, 0),
        ms: performance.now() - t0,
      };
    } finally {
      disposeRows(set);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// 2-D surface
// ---------------------------------------------------------------------------------------------------------

function checkSurface(req: SurfaceRequest): void {
  if (!(Number.isInteger(req.grid) && req.grid >= 5 && req.grid <= 41 && req.grid % 2 === 1)) {
    throw new RangeError(`The surface grid must be an odd whole number from 5 to 41, got ${req.grid}.`);
  }
  if (!(Number.isFinite(req.span) && req.span > 0)) {
    throw new RangeError(`The surface span must be a number > 0, got ${req.span}.`);
  }
  if (!Number.isSafeInteger(req.seed))
    throw new RangeError(`The seed must be a whole number, got ${req.seed}.`);
  checkLossConfig({ kind: 'huber', delta: req.huberDelta });
}

/**
 * The loss surface L(θ₀ + α·d1 + β·d2) on a grid × grid lattice α, β ∈ linspace(−span, span, grid),
 * plus the 1-D slice β = 0 on 4·(grid − 1) + 1 points, around the trainer's current parameters θ₀ over
 * the first `req.rows` kept training rows (see the module doc for what every job guarantees).
 *
 * Per point (tensors: θ, d1, d2 per parameter, [out, in] or [C]; predictions [n]):
 *   θ ← θ₀ + α·d1 + β·d2  for the ≥ 2-D parameters (d = 0 elsewhere, so those stay θ₀ untouched),
 *   p = forward(rows, eval mode)            one readback of p [n]
 *   Huber_δ, MSE, recipe loss = mean ℓ(pᵢ − tᵢ) on the host, tᵢ = (yᵢ − mean)/std in float64.
 * The centre (α = β = 0, an exact grid point since grid is odd) is θ₀ itself (θ₀ + 0 = θ₀), so
 * `centre.recipeLoss` equals the trainer's evaluation `centre.engineLoss` (bit for bit on cpu/wasm).
 * The slice's every 4th point coincides with the grid's β = 0 row (same float64 α, same float32 maths)
 * and is copied from it instead of being evaluated again: grid² + 3·(grid − 1) points in all.
 */
export async function lossSurface(
  trainer: Trainer,
  req: SurfaceRequest,
  hooks: JobHooks = {},
): Promise<SurfaceResult> {
  checkSurface(req);
  const rows = pickRows(trainer, req.rows);
  return trainer.runExclusive(() => surfaceInside(trainer, req, rows, hooks));
}

async function surfaceInside(
  trainer: Trainer,
  req: SurfaceRequest,
  rows: Int32Array,
  hooks: JobHooks,
): Promise<SurfaceResult> {
  checkCancelled(hooks);
  const t0 = performance.now();
  const model = trainer.model;
  const g = req.grid;
  const huberCfg: LossConfig = { kind: 'huber', delta: req.huberDelta };
  const mseCfg: LossConfig = { kind: 'mse' };
  const recipeCfg = trainer.config.loss;
  const engineLoss = (await trainer.evaluateRowsExclusive(rows)).loss;

  const theta = await Promise.all(model.params.map((v) => v.data<'float32'>()));
  const [d1h, d2h] = randomDirections(
    model.paramNames,
    model.params.map((v) => v.shape),
    theta,
    req.seed,
  );
  const moved = model.params.flatMap((v, i) => (v.shape.length >= 2 ? [i] : []));
  const saved: tf.Tensor[] = [];
  const d1: tf.Tensor[] = [];
  const d2: tf.Tensor[] = [];
  let set: RowSet | null = null;
  try {
    for (const i of moved) {
      const v = model.params[i]!;
      saved.push(tf.clone(v));
      d1.push(tf.tensor(d1h[i]!, v.shape));
      d2.push(tf.tensor(d2h[i]!, v.shape));
    }
    const rowSet = uploadRows(trainer, rows);
    set = rowSet;

    const alphas = linspace(-req.span, req.span, g);
    const nLine = 4 * (g - 1) + 1;
    const lineAlphas = linspace(-req.span, req.span, nLine);
    const huber = new Float64Array(g * g);
    const mse = new Float64Array(g * g);
    const recipe = new Float64Array(g * g);
    const line = {
      alphas: lineAlphas,
      huber: new Float64Array(nLine),
      mse: new Float64Array(nLine),
      recipe: new Float64Array(nLine),
    };
    // The points: the grid row by row (β outer), then the slice's points that are not grid points.
    const c = (g - 1) / 2;
    const pts: { a: number; b: number; put: (h: number, m: number, r: number) => void }[] = [];
    for (let j = 0; j < g; j++) {
      for (let i = 0; i < g; i++) {
        const idx = j * g + i;
        pts.push({
          a: alphas[i]!,
          b: alphas[j]!,
          put: (h, m, r) => {
            huber[idx] = h;
            mse[idx] = m;
            recipe[idx] = r;
          },
        });
      }
    }
    for (let k = 0; k < nLine; k++) {
      if (k % 4 === 0) continue;
      pts.push({
        a: lineAlphas[k]!,
        b: 0,
        put: (h, m, r) => {
          line.huber[k] = h;
          line.mse[k] = m;
          line.recipe[k] = r;
        },
      });
    }
    const tLoop = performance.now();
    await pipelinedPoints(
      pts.length,
      (k) => {
        const { a, b } = pts[k]!;
        return tf.tidy(() => {
          moved.forEach((i, q) => {
            model.params[i]!.assign(tf.add(saved[q]!, tf.add(tf.mul(d1[q]!, a), tf.mul(d2[q]!, b))));
          });
          return predictions(model, [rowSet]);
        });
      },
      (k, raw) => {
        pts[k]!.put(
          meanLoss(huberCfg, raw, 0, rowSet.targets),
          meanLoss(mseCfg, raw, 0, rowSet.targets),
          meanLoss(recipeCfg, raw, 0, rowSet.targets),
        );
      },
      hooks,
      t0,
    );
    const loopMs = performance.now() - tLoop;
    for (let k = 0; k < nLine; k += 4) {
      const idx = c * g + k / 4;
      line.huber[k] = huber[idx]!;
      line.mse[k] = mse[idx]!;
      line.recipe[k] = recipe[idx]!;
    }
    return {
      kind: 'surface',
      grid: g,
      span: req.span,
      seed: req.seed,
      alphas,
      huber,
      mse,
      recipe,
      recipeLoss: recipeCfg,
      line,
      huberDelta: req.huberDelta,
      rows: rows.length,
      centre: {
        huber: huber[c * g + c]!,
        mse: mse[c * g + c]!,
        recipeLoss: recipe[c * g + c]!,
        engineLoss,
      },
      ms: performance.now() - t0,
      msPerPoint: loopMs / pts.length,
    };
  } finally {
    moved.slice(0, saved.length).forEach((i, k) => model.params[i]!.assign(saved[k]!));
    tf.dispose([...saved, ...d1, ...d2]);
    disposeRows(set);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Power iteration (generic) and the Hessian of the model
// ---------------------------------------------------------------------------------------------------------

/**
 * The vector operations power iteration needs, over any representation V (a host Float64Array for a
 * test matrix, a list of device tensors for the model). Results are new vectors the caller owns.
 */
export interface HvpSpace<V> {
  /** H·v. */
  hvp(v: V): Promise<V> | V;
  /** [vᵀw, wᵀw] (one readback on a device). */
  dots(v: V, w: V): Promise<readonly [number, number]> | readonly [number, number];
  /** ‖w − λ·v‖. */
  residualNorm(v: V, w: V, lambda: number): Promise<number> | number;
  /** w / s. */
  scale(w: V, s: number): V;
  dispose(v: V): void;
}

export interface PowerIterationOptions {
  iterations: number;
  /** Stop when |λ_k − λ_{k−1}| ≤ tol·|λ_k| (0 = run every iteration). */
  tol?: number;
  hooks?: JobHooks;
  /** Added to `done` in progress reports (for jobs with work before the iteration). */
  progressOffset?: number;
  /** `total` in progress reports; default `iterations`. */
  progressTotal?: number;
  /** For progress' elapsed time; default the call's start. */
  startMs?: number;
}

export interface PowerIterationResult<V> {
  /** The last Rayleigh quotient vᵀHv (‖v‖ = 1): the eigenvalue of largest |λ| when converged. */
  lambda: number;
  estimates: Float64Array;
  iterations: number;
  converged: boolean;
  /** ‖Hv − λv‖/|λ| at the final v. */
  residual: number;
  /** The final unit vector v (the caller disposes it). */
  vector: V;
}

/**
 * Power iteration on a symmetric operator H given only through H·v (von Mises; as PyHessian):
 *
 *   v₀ unit (given, owned by the call);  wₖ = H·vₖ;  λₖ = vₖᵀwₖ (Rayleigh quotient);  vₖ₊₁ = wₖ/‖wₖ‖
 *
 * until `iterations` or |λₖ − λₖ₋₁| ≤ tol·|λₖ|. Converges to the eigenvalue of largest MAGNITUDE, at rate
 * |λ₂/λ₁| per step (for the Rayleigh quotient, its square); at a minimum of the loss (H ⪰ 0 up to noise)
 * that is λ_max. Each iteration is one H·v and one `dots` readback; the residual ‖Hv − λv‖/|λ| is one
 * more at the end. Throws {@link JobCancelled} (vectors released) when `hooks.cancelled()`.
 */
export async function powerIteration<V>(
  space: HvpSpace<V>,
  v0: V,
  opts: PowerIterationOptions,
): Promise<PowerIterationResult<V>> {
  const tol = opts.tol ?? 0;
  const hooks = opts.hooks ?? {};
  const t0 = opts.startMs ?? performance.now();
  const offset = opts.progressOffset ?? 0;
  const total = opts.progressTotal ?? opts.iterations;
  const estimates: number[] = [];
  let v = v0;
  let w: V | null = null;
  let lambda = Number.NaN;
  let converged = false;
  try {
    for (let k = 0; k < opts.iterations; k++) {
      checkCancelled(hooks);
      w = await space.hvp(v);
      const [vw, ww] = await space.dots(v, w);
      const prev = lambda;
      lambda = vw;
      estimates.push(vw);
      hooks.progress?.(offset + k + 1, total, performance.now() - t0);
      await yieldMacrotask();
      converged = k > 0 && Math.abs(lambda - prev) <= tol * Math.abs(lambda);
      const norm = Math.sqrt(ww);
      if (converged || k === opts.iterations - 1 || !(norm > 0) || !Number.isFinite(norm)) break;
      const next = space.scale(w, norm);
      space.dispose(v);
      space.dispose(w);
      w = null;
      v = next;
    }
    const residual = w === null ? Number.NaN : (await space.residualNorm(v, w, lambda)) / Math.abs(lambda);
    return {
      lambda,
      estimates: Float64Array.from(estimates),
      iterations: estimates.length,
      converged,
      residual,
      vector: v,
    };
  } catch (e) {
    space.dispose(v);
    throw e;
  } finally {
    if (w !== null) space.dispose(w);
  }
}

/**
 * L(θ) = Σ_b (n_b/n)·L_b(θ), the mean loss over all the set's rows (each L_b is its batch's mean), and
 * ∂L/∂θ for every parameter, eval mode, on the device. Returns new tensors the caller disposes.
 */
function lossAndGrads(
  model: CgcnnModel,
  set: RowSet,
  loss: LossConfig,
): { value: tf.Scalar; grads: tf.Tensor[] } {
  const out = tf.tidy(() => {
    let value: tf.Scalar | null = null;
    let grads: tf.Tensor[] = [];
    for (let b = 0; b < set.batches.length; b++) {
      const t = set.batches[b]!;
      const share = set.shares[b]!;
      const r = tf.variableGrads(() => {
        const l = lossTensor(loss, model.forward(t, false).out, t.targets);
        return share === 1 ? l : tf.mul<tf.Scalar>(l, share);
      }, model.params);
      const gs = model.params.map((v) => {
        const gr = r.grads[v.name];
        if (gr === undefined) throw new Error(`lossAndGrads: no gradient for ${v.name}`);
        return gr;
      });
      value = value === null ? r.value : tf.add<tf.Scalar>(value, r.value);
      grads = b === 0 ? gs : grads.map((a, i) => tf.add(a, gs[i]!));
    }
    if (value === null) throw new RangeError('No rows to differentiate.');
    return [value, ...grads];
  });
  return { value: out[0] as tf.Scalar, grads: out.slice(1) };
}

/** {@link FD_STEP_RELATIVE}·max(1, ‖θ‖) for the parameters `base` (one readback). */
async function defaultFdStep(base: tf.Tensor[]): Promise<number> {
  const norm = (
    await readAndDispose(tf.tidy(() => tf.sqrt(sumScalars(base.map((t) => tf.sum(tf.square(t)))))))
  )[0]!;
  return FD_STEP_RELATIVE * Math.max(1, Number.isFinite(norm) ? norm : 1);
}

/** Assigns θ = base + h·dir (dir null: θ = base) to every parameter. */
function setParams(model: CgcnnModel, base: tf.Tensor[], dir: tf.Tensor[] | null, h: number): void {
  tf.tidy(() => {
    model.params.forEach((v, i) => v.assign(dir === null ? base[i]! : tf.add(base[i]!, tf.mul(dir[i]!, h))));
  });
}

/** The model's Hessian at θ₀ = `base` over a row set, by central differences of gradients. */
function modelHvpSpace(
  model: CgcnnModel,
  base: tf.Tensor[],
  set: RowSet,
  loss: LossConfig,
  h: number,
  onHvp?: () => void,
): HvpSpace<tf.Tensor[]> {
  const gradAt = (v: tf.Tensor[], s: number) => {
    setParams(model, base, v, s);
    const { value, grads } = lossAndGrads(model, set, loss);
    value.dispose();
    return grads;
  };
  return {
    hvp: (v) => {
      // Hv ≈ (∇L(θ₀ + h·v) − ∇L(θ₀ − h·v)) / (2h)     (error O(h²) + float32 rounding/h)
      const gp = gradAt(v, h);
      const gm = gradAt(v, -h);
      setParams(model, base, null, 0);
      const hv = tf.tidy(() => gp.map((a, i) => tf.div(tf.sub(a, gm[i]!), 2 * h)));
      tf.dispose([...gp, ...gm]);
      onHvp?.();
      return hv;
    },
    dots: async (v, w) => {
      const d = await readAndDispose(
        tf.tidy(() =>
          tf.stack([
            sumScalars(v.map((a, i) => tf.sum(tf.mul(a, w[i]!)))),
            sumScalars(w.map((a) => tf.sum(tf.square(a)))),
          ]),
        ),
      );
      return [d[0]!, d[1]!] as const;
    },
    residualNorm: async (v, w, lambda) => {
      const d = await readAndDispose(
        tf.tidy(() =>
          tf.sqrt(sumScalars(w.map((a, i) => tf.sum(tf.square(tf.sub(a, tf.mul(v[i]!, lambda))))))),
        ),
      );
      return d[0]!;
    },
    scale: (w, s) => tf.tidy(() => w.map((a) => tf.div(a, s))),
    dispose: (v) => tf.dispose(v),
  };
}

/** A seeded unit vector over all parameters (N(0, 1) per entry, then /‖·‖ in float64), as tensors. */
function randomUnit(model: CgcnnModel, seed: number, label: string): tf.Tensor[] {
  const root = fork(createRng(seed), label);
  const parts = model.params.map((v, i) => normalArray(fork(root, model.paramNames[i]!), v.size)[0]);
  let ss = 0;
  for (const p of parts) for (const x of p) ss += x * x;
  const inv = 1 / Math.sqrt(ss);
  return model.params.map((v, i) =>
    tf.tensor(
      Float32Array.from(parts[i]!, (x) => x * inv),
      v.shape,
    ),
  );
}

function checkSharpness(req: SharpnessRequest): void {
  if (!(Number.isInteger(req.iterations) && req.iterations >= 1 && req.iterations <= 500)) {
    throw new RangeError(
      `Sharpness: iterations must be a whole number from 1 to 500, got ${req.iterations}.`,
    );
  }
  if (!(Number.isFinite(req.epsilon) && req.epsilon >= 0)) {
    throw new RangeError(`Sharpness: ε must be a number ≥ 0 (0 skips ε-sharpness), got ${req.epsilon}.`);
  }
  if (!Number.isSafeInteger(req.seed))
    throw new RangeError(`The seed must be a whole number, got ${req.seed}.`);
  const h = req.fdStep;
  if (h !== undefined && !(Number.isFinite(h) && h > 0))
    throw new RangeError(`Sharpness: the FD step must be > 0, got ${h}.`);
  const s = req.ascentSteps ?? DEFAULT_ASCENT_STEPS;
  if (!(Number.isInteger(s) && s >= 1 && s <= 100)) {
    throw new RangeError(`Sharpness: ascent steps must be a whole number from 1 to 100, got ${s}.`);
  }
}

/**
 * Top Hessian eigenvalue of the training loss (the recipe's loss, eval mode, the first `req.rows` kept
 * training rows) and Keskar's ε-sharpness, at the trainer's current parameters θ₀ (all trainable
 * parameters, biases and BatchNorm γ/β included; the running statistics fixed).
 *
 * λ_max: {@link powerIteration} with Hv ≈ (∇L(θ₀ + h·v) − ∇L(θ₀ − h·v))/(2h), ‖v‖ = 1, h = `fdStep`
 * (TF.js cannot take the gradient of this model's gradient: custom-gradient ops, gathers), start vector
 * seeded N(0, I)/‖·‖. Cost: 2 gradient passes per iteration.
 *
 * ε-sharpness (Keskar et al. 2017, A = I): with the box Cε = {Δ : |Δᵢ| ≤ ε(|θᵢ| + 1)},
 *   φ = max_{Δ ∈ Cε} (L(θ + Δ) − L(θ)) / (1 + L(θ)) · 100.
 * Keskar et al. maximise with L-BFGS-B; here projected sign-gradient ascent (FGSM-like):
 *   Δ₀ = 0;  Δₖ₊₁ = clip(Δₖ + ηₖ·bᵢ·sign(∇L(θ + Δₖ)), −b, b),  b = ε(|θ| + 1),  ηₖ = 2⁻ᵏ
 * (the first step goes straight to the corner the gradient points at, later ones refine it), keeping the
 * largest L seen: any point of the box gives a LOWER bound of φ. `ascentSteps` + 1 gradient passes.
 * Weights are restored bit-exactly.
 */
export async function sharpness(
  trainer: Trainer,
  req: SharpnessRequest,
  hooks: JobHooks = {},
  opts: SharpnessExtras = {},
): Promise<SharpnessResult> {
  checkSharpness(req);
  const rows = pickRows(trainer, req.rows);
  return trainer.runExclusive(() => sharpnessInside(trainer, req, rows, hooks, opts));
}

/** Extras of {@link sharpness} for tests and checks (not part of the result the page gets). */
export interface SharpnessExtras {
  /** Receives the final unit vector of the power iteration (one host array per parameter). */
  eigenvector?: (v: Float32Array[]) => void;
}

async function sharpnessInside(
  trainer: Trainer,
  req: SharpnessRequest,
  rows: Int32Array,
  hooks: JobHooks,
  opts: SharpnessExtras,
): Promise<SharpnessResult> {
  checkCancelled(hooks);
  const t0 = performance.now();
  const model = trainer.model;
  const loss = trainer.config.loss;
  const steps = req.ascentSteps ?? DEFAULT_ASCENT_STEPS;
  const doEps = req.epsilon > 0;
  const engineLoss = (await trainer.evaluateRowsExclusive(rows)).loss;
  const total = req.iterations + (doEps ? steps : 0) + 1;
  const base = model.params.map((v) => tf.clone(v));
  let set: RowSet | null = null;
  let vector: tf.Tensor[] | null = null;
  let grad: tf.Tensor[] = [];
  try {
    const h = req.fdStep ?? (await defaultFdStep(base));
    const rowSet = uploadRows(trainer, rows);
    set = rowSet;
    // L(θ₀) and ∇L(θ₀): the ascent's start.
    const first = lossAndGrads(model, rowSet, loss);
    const l0 = (await readAndDispose(first.value))[0]!;
    grad = first.grads;
    let done = 1;
    hooks.progress?.(done, total, performance.now() - t0);

    // ε-sharpness by projected sign ascent.
    let epsSharpness = Number.NaN;
    if (doEps) {
      const box = tf.tidy(() => base.map((t) => tf.mul(tf.add(tf.abs(t), 1), req.epsilon)));
      let delta: tf.Tensor[] = base.map((t) => tf.zerosLike(t));
      let best = l0;
      try {
        for (let k = 0; k < steps; k++) {
          checkCancelled(hooks);
          const eta = 2 ** -k;
          const g = grad;
          const next = tf.tidy(() =>
            delta.map((d, i) => {
              const b = box[i]!;
              const stepped = tf.add(d, tf.mul(tf.mul(b, tf.sign(g[i]!)), eta));
              return tf.minimum(tf.maximum(stepped, tf.neg(b)), b);
            }),
          );
          tf.dispose([...delta, ...g]);
          delta = next;
          grad = [];
          setParams(model, base, delta, 1);
          const r = lossAndGrads(model, rowSet, loss);
          grad = r.grads;
          const lk = (await readAndDispose(r.value))[0]!;
          if (lk > best || !Number.isFinite(lk)) best = lk;
          done++;
          hooks.progress?.(done, total, performance.now() - t0);
          await yieldMacrotask();
        }
      } finally {
        tf.dispose([...box, ...delta]);
        setParams(model, base, null, 0);
      }
      epsSharpness = ((best - l0) / (1 + l0)) * 100;
    }
    tf.dispose(grad);
    grad = [];

    let hvpMs = 0;
    let hvps = 0;
    let tHvp = performance.now();
    const space = modelHvpSpace(model, base, rowSet, loss, h, () => {
      hvpMs += performance.now() - tHvp;
      hvps++;
    });
    const timedSpace: HvpSpace<tf.Tensor[]> = {
      ...space,
      hvp: (v) => {
        tHvp = performance.now();
        return space.hvp(v);
      },
    };
    const pi = await powerIteration(timedSpace, randomUnit(model, req.seed, 'sharpness-v0'), {
      iterations: req.iterations,
      tol: req.tol ?? DEFAULT_POWER_TOL,
      hooks,
      progressOffset: done,
      progressTotal: total,
      startMs: t0,
    });
    vector = pi.vector;
    if (opts.eigenvector !== undefined) {
      const v = await Promise.all(pi.vector.map((t) => t.data<'float32'>()));
      opts.eigenvector(v.map((d) => Float32Array.from(d)));
    }
    return {
      kind: 'sharpness',
      method: 'finite-differences',
      fdStep: h,
      lambdaMax: pi.lambda,
      iterations: pi.estimates,
      converged: pi.converged,
      residual: pi.residual,
      epsilon: req.epsilon,
      epsSharpness,
      ascentSteps: doEps ? steps : 0,
      loss: l0,
      engineLoss,
      rows: rows.length,
      seed: req.seed,
      ms: performance.now() - t0,
      msPerHvp: hvpMs / Math.max(1, hvps),
    };
  } finally {
    setParams(model, base, null, 0);
    tf.dispose([...base, ...grad]);
    if (vector !== null) tf.dispose(vector);
    disposeRows(set);
  }
}

/**
 * Rayleigh quotients rᵀHr/rᵀr of given directions (host arrays, one per parameter) with the same FD
 * Hessian-vector product as {@link sharpness} (each r is normalised first). For tests and checks.
 */
export async function rayleighQuotients(
  trainer: Trainer,
  req: { rows: number; fdStep?: number },
  directions: readonly (readonly Float32Array[])[],
): Promise<number[]> {
  const rows = pickRows(trainer, req.rows);
  return trainer.runExclusive(async () => {
    const model = trainer.model;
    const base = model.params.map((v) => tf.clone(v));
    const set = uploadRows(trainer, rows);
    try {
      const h = req.fdStep ?? (await defaultFdStep(base));
      const space = modelHvpSpace(model, base, set, trainer.config.loss, h);
      const out: number[] = [];
      for (const dir of directions) {
        let ss = 0;
        for (const p of dir) for (const x of p) ss += x * x;
        const inv = 1 / Math.sqrt(ss);
        const v = model.params.map((p, i) =>
          tf.tensor(
            Float32Array.from(dir[i]!, (x) => x * inv),
            p.shape,
          ),
        );
        const w = await space.hvp(v);
        const [vw] = await space.dots(v, w);
        tf.dispose([...v, ...w]);
        out.push(vw);
      }
      return out;
    } finally {
      setParams(model, base, null, 0);
      tf.dispose(base);
      disposeRows(set);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// 1-D interpolation
// ---------------------------------------------------------------------------------------------------------

function checkInterpolation(req: InterpolationRequest): void {
  if (!(Number.isInteger(req.points) && req.points >= 2 && req.points <= 401)) {
    throw new RangeError(`Interpolation: points must be a whole number from 2 to 401, got ${req.points}.`);
  }
  const [a, b] = req.range;
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) {
    throw new RangeError(`Interpolation: the α range must be two numbers from < to, got [${a}, ${b}].`);
  }
}

/**
 * The linear path θ(α) = (1 − α)·θ_A + α·θ_B, α ∈ linspace(range[0], range[1], points), through every
 * parameter AND the BatchNorm running statistics (interpolated the same way, so that each end is exactly
 * the model that was trained; deliberate: Goodfellow et al. interpolate parameters only, but an eval-mode
 * model with A's statistics on B's weights is neither model). Outside [0, 1] a running variance can
 * extrapolate below 0: it is clamped at 0 (BatchNorm adds ε = 1e-5). α within 1e-9·(range width) of 0 or
 * 1 is snapped to it, and at α = 0 and 1 the ends are assigned as they are, so those points equal
 * evaluating A and B. Per point: the recipe loss (eval mode, normalised units) on the training rows and on
 * all validation rows, one forward over both and one readback. The current weights are restored
 * bit-exactly after the job.
 */
export async function interpolate(
  trainer: Trainer,
  weightsA: Weights,
  weightsB: Weights,
  req: InterpolationRequest,
  hooks: JobHooks = {},
): Promise<InterpolationResult> {
  checkInterpolation(req);
  checkWeightsFit(trainer.model, weightsA, 'The first weights');
  checkWeightsFit(trainer.model, weightsB, 'The second weights');
  const rows = pickRows(trainer, req.rows);
  return trainer.runExclusive(() => interpolateInside(trainer, weightsA, weightsB, req, rows, hooks));
}

async function interpolateInside(
  trainer: Trainer,
  wa: Weights,
  wb: Weights,
  req: InterpolationRequest,
  rows: Int32Array,
  hooks: JobHooks,
): Promise<InterpolationResult> {
  checkCancelled(hooks);
  const t0 = performance.now();
  const model = trainer.model;
  const vars = [...model.params, ...model.buffers];
  const clampAt = [...model.paramNames, ...model.bufferNames].map(isRunningVar);
  const loss = trainer.config.loss;
  const [from, to] = req.range;
  const alphas = linspace(from, to, req.points).map((a) => {
    const tolA = 1e-9 * (to - from);
    return Math.abs(a) <= tolA ? 0 : Math.abs(a - 1) <= tolA ? 1 : a;
  });
  const saved = vars.map((v) => tf.clone(v));
  const A: tf.Tensor[] = [];
  const B: tf.Tensor[] = [];
  let train: RowSet | null = null;
  let val: RowSet | null = null;
  try {
    vars.forEach((v, i) => {
      A.push(tf.tensor(wa[i]!, v.shape));
      B.push(tf.tensor(wb[i]!, v.shape));
    });
    const trainSet = uploadRows(trainer, rows);
    train = trainSet;
    const valSet = uploadRows(trainer, trainer.dataset.split.val);
    val = valSet;
    const trainLoss = new Float64Array(req.points);
    const valLoss = new Float64Array(req.points);
    const tLoop = performance.now();
    await pipelinedPoints(
      req.points,
      (k) => {
        const a = alphas[k]!;
        return tf.tidy(() => {
          vars.forEach((v, i) => {
            if (a === 0) v.assign(A[i]!);
            else if (a === 1) v.assign(B[i]!);
            else {
              const mixed = tf.add(tf.mul(A[i]!, 1 - a), tf.mul(B[i]!, a));
              v.assign(clampAt[i] === true ? tf.maximum(mixed, 0) : mixed);
            }
          });
          return predictions(model, [trainSet, valSet]);
        });
      },
      (k, raw) => {
        trainLoss[k] = meanLoss(loss, raw, 0, trainSet.targets);
        valLoss[k] = meanLoss(loss, raw, trainSet.n, valSet.targets);
      },
      hooks,
      t0,
    );
    const loopMs = performance.now() - tLoop;
    return {
      kind: 'interpolate',
      alphas,
      train: trainLoss,
      val: valLoss,
      recipeLoss: loss,
      range: [from, to],
      labels: req.labels ?? ['A', 'B'],
      rows: rows.length,
      valRows: valSet.n,
      ms: performance.now() - t0,
      msPerPoint: loopMs / req.points,
    };
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]!));
    tf.dispose([...saved, ...A, ...B]);
    disposeRows(train);
    disposeRows(val);
  }
}
