/**
 * The training loop: CGCNN on a FeaturizedDataset with the lab's recipe (schedule with lr AND
 * momentum/β₁, global-norm clipping, robust loss, outlier removal, NaN defence), one step at a time on
 * the host, everything heavy on the device.
 *
 * One step (global step t, inside one `tf.tidy`):
 *
 *     lr_t, m_t = schedule(t) · plateauFactor · lrScale          (host numbers; plannedSchedule, O(1))
 *     out, bnStats = model.forward(batch, training = true)         out [B, 1], normalised units
 *     L = loss(out, (y − mean)/std);  g = ∂L/∂θ                    (tf.variableGrads over model.params)
 *     ĝ, ‖g‖, c = clipByGlobalNorm(g, maxNorm)                     ĝ = c·g, c = min(1, max/(‖g‖ + 1e-6))
 *     ok = isFinite(L) ∧ isFinite(‖g‖)                             bool scalar, stays on the device
 *     optimizer.apply(ĝ, lr_t, m_t, ok)                            θ and slots unchanged when ¬ok
 *     running stats ← ok ∧ finite(bnStats) ? update : unchanged     (never take NaN)
 *     record_t = [L, ‖g‖, ‖g‖·c, c < 1, ok]                        a [5] tensor kept on the device
 *
 * The records are stacked and read back with ONE `await data()` every `logEvery` steps (and at each
 * epoch end, pause and stop), then emitted through `onSteps` as Float32Arrays. The NaN policy acts on
 * what a readback shows (the device guard has already kept the weights finite): 'skip' reports,
 * 'rollback' restores the last known-good snapshot (weights + BatchNorm buffers + optimizer slots, taken
 * at each readback whose steps were all ok) and halves the lr for the rest of the run, 'stop' ends the
 * run.
 *
 * Per epoch: the kept training rows are shuffled with the run's seeded RNG (xoshiro128**, its state is
 * in the checkpoint), cut into batches of `batchSize` (the last partial batch kept, as PyTorch's
 * DataLoader with drop_last=False), and after the last step the model is evaluated (eval mode, batched,
 * one readback per split) on the validation and test splits: loss (normalised units, as the training
 * loss), and MAE, RMSE, R², Pearson, Spearman on de-normalised predictions. Then ReduceLROnPlateau,
 * early stopping and top-k checkpoints act on the validation MAE.
 *
 * Between steps the loop yields to the event loop (a macrotask), so `pause`, `resume`, `stepOnce`,
 * `stop`, `evaluate` and `checkpoint` arriving as worker messages act between two steps. An internal
 * lock serialises steps, evaluations and checkpoints.
 *
 * Divergences from cgcnn's main.py, deliberate:
 * - Normaliser: mean and unbiased std of the training targets left after outlier removal (cgcnn: a
 *   random sample of 500 rows of the whole dataset).
 * - cgcnn steps the optimizer on every batch whatever the loss; here a non-finite loss or gradient norm
 *   suppresses the update on the device, and the NaN policy decides what happens next.
 * - cgcnn reports MAE on the validation set with the running BN statistics (model.eval()) — same here;
 *   the training loss is the mean of the epoch's finite step losses in train mode (cgcnn: AverageMeter of
 *   the same, weighted by batch size; we weight every step equally).
 * - Determinism: the same seed, dataset and backend give the same run bit for bit on cpu and wasm
 *   (no scatter ops, fixed summation orders). Readback chunking never changes values.
 */
import * as tf from '@tensorflow/tfjs';
import { lossOfResidual } from '../core/losses.ts';
import { regressionMetrics } from '../core/metrics.ts';
import { filterOutliers } from '../core/outliers.ts';
import { createRng, fork, shuffle, type RngState } from '../core/rng.ts';
import {
  plannedSchedule,
  plateauInit,
  plateauStep,
  type PlannedSchedule,
  type PlateauState,
  type ScheduleConfig,
} from '../core/schedules.ts';
import type { OptimizerConfig } from '../core/optimizers.ts';
import { targetStats, type FeaturizedDataset } from '../data/dataset.ts';
import { gaussianCentres, type GaussianOptions } from '../data/graph.ts';
import { collate, toTensors, type BatchTensors, type GraphBatch } from '../model/batch.ts';
import { CgcnnModel, type BnStats } from '../model/cgcnn.ts';
import { CHECKPOINT_FORMAT, assertCheckpoint, type Checkpoint } from './checkpoint.ts';
import { clipByGlobalNorm } from './clip.ts';
import {
  referenceLr,
  resolveSchedule,
  stepsPerEpoch,
  validateConfig,
  type NanPolicy,
  type TrainConfig,
} from '../core/recipe.ts';
import { lossTensor } from './loss.ts';
import { DeviceOptimizer, type DeviceOptimizerState } from './optim.ts';

// ---------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------

/** A chunk of per-step records, one entry per step, steps firstStep … firstStep + length − 1. */
export interface StepRecords {
  /** Global step (0-based) of the first entry. */
  readonly firstStep: number;
  /** Epoch (0-based) the steps belong to (a chunk never spans two epochs). */
  readonly epoch: number;
  /** The lr each step used (schedule × plateau factor × NaN-rollback scale). */
  readonly lr: Float32Array;
  /** The momentum (SGD/RMSprop) or β₁ (Adam/AdamW) each step used; NaN for Adagrad. */
  readonly momentum: Float32Array;
  /** Training loss of the step's batch (normalised units, before the update). */
  readonly loss: Float32Array;
  /** Global L2 gradient norm before clipping. */
  readonly gradNormPre: Float32Array;
  /** After clipping: gradNormPre × min(1, maxNorm/(gradNormPre + 1e-6)). */
  readonly gradNormPost: Float32Array;
  /** 1 when clipping scaled the gradient down (coefficient < 1), else 0. */
  readonly clipped: Float32Array;
  /** 1 when the loss and the gradient norm were finite (the update was applied), else 0. */
  readonly ok: Float32Array;
  /**
   * Host wall time of the step in ms (building the batch and queueing the kernels). On the synchronous
   * cpu/wasm backends that is the compute time; on WebGPU/WebGL kernels run asynchronously, and their
   * time shows up in the step that waits for the readback.
   */
  readonly stepMs: Float32Array;
}

/** A non-finite step, as found at a readback. */
export interface NanEvent {
  readonly step: number;
  readonly epoch: number;
  /** 'nonfinite-loss' when the loss itself was NaN/±∞, else 'nonfinite-grad' (finite loss, bad gradient). */
  readonly kind: 'nonfinite-loss' | 'nonfinite-grad';
  /** What the trainer did (the policy in force). */
  readonly action: NanPolicy;
  /** The lr scale in force after the action (halved by each rollback). */
  readonly lrScale: number;
  /** For 'rollback': the global step whose state was restored (the snapshot's position). */
  readonly restoredToStep: number | null;
}

/** Metrics of one split, on de-normalised predictions (target units), plus the loss in normalised units. */
export interface SplitMetrics {
  readonly n: number;
  /** Mean of the configured loss over the split's crystals, normalised units (comparable to trainLoss). */
  readonly loss: number;
  readonly mae: number;
  readonly rmse: number;
  readonly r2: number;
  readonly pearson: number;
  readonly spearman: number;
}

export interface EvalResult extends SplitMetrics {
  readonly split: 'train' | 'val' | 'test';
  readonly ids: string[];
  /** Dataset row of each crystal. */
  readonly rows: Int32Array;
  readonly targets: Float64Array;
  readonly predictions: Float64Array;
}

export interface EpochRecord {
  /** Epochs completed (1 for the first). */
  readonly epoch: number;
  /** Global step after the epoch. */
  readonly globalStep: number;
  /** Mean of the epoch's finite step losses (normalised units); NaN when none was finite. */
  readonly trainLoss: number;
  /** Steps of the epoch whose loss or gradient was not finite. */
  readonly nanSteps: number;
  readonly val: SplitMetrics;
  readonly test: SplitMetrics;
  /** lr of the epoch's last step. */
  readonly lr: number;
  readonly lrScale: number;
  /** ReduceLROnPlateau's factor after this epoch (1 without plateau). */
  readonly plateauFactor: number;
  /** Whether the validation MAE improved on the best so far. */
  readonly improved: boolean;
  readonly bestValMae: number;
  readonly bestEpoch: number;
  /** Host wall time of the epoch (steps + evaluation), ms. */
  readonly epochMs: number;
}

/** Training rows removed as outliers before normalisation. */
export interface OutlierReport {
  readonly method: string;
  readonly k: number;
  /** Statistics of the filter's final pass (mean or median; std or 1.4826·MAD; k·scale). */
  readonly center: number;
  readonly scale: number;
  readonly threshold: number;
  readonly nTrain: number;
  readonly nKept: number;
  readonly removed: {
    readonly row: number;
    readonly id: string;
    readonly value: number;
    readonly z: number;
  }[];
}

export interface TrainerHooks {
  onSteps?: (records: StepRecords) => void;
  onEpoch?: (record: EpochRecord) => void;
  onNanEvent?: (event: NanEvent) => void;
  /**
   * After every epoch (right after `onEpoch`): the checkpoint of the position at the epoch's end (the one
   * a top-k entry keeps, when this epoch entered the top-k), the epoch's validation MAE, and the top-k
   * list after the epoch (best first). What a run history stores as its resume point.
   */
  onCheckpoint?: (
    checkpoint: Checkpoint,
    info: { valMae: number; inTopK: boolean; topK: { epoch: number; valMae: number }[] },
  ) => void;
}

export type TrainerStatus = 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** Why `run()` returned. */
export type RunEnd = 'completed' | 'early-stopped' | 'stopped' | 'nan-stop';

/** What {@link Trainer.weightHealth} reports: values read, how many were NaN/±∞, the largest |finite value|. */
export interface WeightHealth {
  readonly count: number;
  readonly nonFinite: number;
  readonly maxAbs: number;
}

export interface RunResult {
  readonly end: RunEnd;
  readonly epochs: number;
  readonly globalStep: number;
  readonly bestValMae: number;
  readonly bestEpoch: number;
  /** Whether the best epoch's weights were put back (earlyStopping.restoreBest). */
  readonly restoredBest: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// The step itself (shared with the LR finder)
// ---------------------------------------------------------------------------------------------------------

/** Columns of the per-step record tensor. */
const REC = { loss: 0, pre: 1, post: 2, clipped: 3, ok: 4 } as const;
const REC_LEN = 5;

/**
 * One training step on `t` (see the module doc for the maths). Returns the step's record, a float32
 * tensor [5] = [loss, preNorm, postNorm, clipped (0/1), ok (0/1)] that the caller owns (dispose it).
 * Every other tensor is released: call it inside or outside a tidy, the live tensor count does not grow.
 * `momentum` null keeps the optimizer config's momentum/β₁.
 */
export function trainStep(
  model: CgcnnModel,
  optimizer: DeviceOptimizer,
  t: BatchTensors,
  loss: TrainConfig['loss'],
  maxNorm: number | null,
  lr: number,
  momentum: number | null,
): tf.Tensor1D {
  let kept: BnStats[] = [];
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const r = model.forward(t, true);
        // variableGrads runs f in its own tidy: keep the BN statistics for the running update.
        kept = r.bnStats.map((s) => ({ mean: tf.keep(s.mean), varUnbiased: tf.keep(s.varUnbiased) }));
        return lossTensor(loss, r.out, t.targets);
      }, model.params);
      const gradList = model.params.map((v) => {
        const g = grads[v.name];
        if (g === undefined) throw new Error(`trainStep: no gradient for ${v.name}`);
        return g;
      });
      const { clipped, preNorm, coef } = clipByGlobalNorm(gradList, maxNorm);
      const ok = tf.logicalAnd<tf.Scalar>(tf.isFinite(value), tf.isFinite(preNorm));
      optimizer.apply(clipped, lr, momentum, ok);
      // Running statistics: update, then keep the old values wherever the step was not ok or a
      // statistic is not finite (a select, so no NaN·0 can leak in and old values stay bit-exact).
      if (kept.length > 0) {
        const statsFinite = tf.all<tf.Scalar>(
          tf.isFinite(tf.concat(kept.flatMap((s) => [s.mean, s.varUnbiased]))),
        );
        const okStats = tf.logicalAnd(ok, statsFinite);
        const before = model.buffers.map((b) => tf.clone(b));
        model.updateRunningStats(kept);
        model.buffers.forEach((b, i) => b.assign(tf.where(okStats, b, before[i]!)));
      }
      const post = tf.mul(preNorm, coef);
      return tf.stack([
        value,
        preNorm,
        post,
        tf.cast(tf.less(coef, 1), 'float32'),
        tf.cast(ok, 'float32'),
      ]) as tf.Tensor1D;
    });
  } finally {
    tf.dispose(kept.flatMap((s) => [s.mean, s.varUnbiased]));
  }
}

/** The optimizer config's own momentum / β₁ (what a step uses when the schedule does not drive it). */
export function configMomentum(c: OptimizerConfig): number {
  switch (c.kind) {
    case 'SGD':
    case 'RMSprop':
      return c.momentum;
    case 'Adam':
    case 'AdamW':
      return c.betas[0];
    case 'Adagrad':
      return Number.NaN;
  }
}

/** cgcnn's Gaussian expansion for a dataset's graphs: 0 … radius, step 0.2, var 0.2. */
export function gaussianFor(ds: FeaturizedDataset): GaussianOptions {
  return { dmin: 0, dmax: ds.graphOptions.radius, step: 0.2 };
}

/** Yields to the event loop (a macrotask), so messages can be handled between two steps (or job points). */
export function yieldMacrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate;
    return new Promise((resolve) => {
      si(resolve);
    });
  }
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A FIFO async mutex. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

interface PendingStep {
  readonly rec: tf.Tensor1D;
  readonly step: number;
  readonly epoch: number;
  readonly lr: number;
  readonly momentum: number;
  readonly ms: number;
}

interface Snapshot {
  readonly step: number;
  readonly weights: Float32Array[];
  readonly optimizer: DeviceOptimizerState;
}

const EMPTY_METRICS: SplitMetrics = {
  n: 0,
  loss: Number.NaN,
  mae: Number.NaN,
  rmse: Number.NaN,
  r2: Number.NaN,
  pearson: Number.NaN,
  spearman: Number.NaN,
};

// ---------------------------------------------------------------------------------------------------------
// Trainer
// ---------------------------------------------------------------------------------------------------------

export class Trainer {
  readonly dataset: FeaturizedDataset;
  readonly config: TrainConfig;
  readonly model: CgcnnModel;
  readonly optimizer: DeviceOptimizer;
  /** Training rows (dataset indices) after outlier removal, in split order. */
  readonly trainRows: Int32Array;
  readonly outlierReport: OutlierReport | null;
  /** Mean and unbiased std of the kept training targets. */
  readonly normalizer: { readonly mean: number; readonly std: number };
  readonly gaussian: GaussianOptions;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** The schedule with OneCycle's totalSteps resolved. */
  readonly schedule: ScheduleConfig;
  readonly planned: PlannedSchedule;

  private hooks: TrainerHooks;
  private readonly lock = new Lock();
  private readonly fixedMomentum: number;
  private readonly refLr: number;

  // Position and run state (everything here is in the checkpoint).
  private epochIdx = 0;
  private stepInEpoch = 0;
  private globalStepN = 0;
  private rngAtEpochStart: RngState;
  private order: Int32Array | null = null;
  private rngAfterShuffle: RngState | null = null;
  private plateau: PlateauState | null;
  private lrScaleN = 1;
  private epochLossSum = 0;
  private epochLossCount = 0;
  private epochNanSteps = 0;
  private bestValMaeN = Number.POSITIVE_INFINITY;
  private bestEpochN = 0;
  private epochsWithoutImprovement = 0;
  private bestWeights: Float32Array[] | null = null;
  private readonly epochHistory: EpochRecord[] = [];
  private readonly nanHistory: NanEvent[] = [];
  /**
   * The kept top-k, best first. A resumed run gets its ranking back from the checkpoint's history
   * (`checkpoint` null: those checkpoints were kept by whoever stored the run, not in this trainer).
   */
  private topK: { epoch: number; valMae: number; checkpoint: Checkpoint | null }[] = [];

  // Transient state.
  private pending: PendingStep[] = [];
  private snapshot: Snapshot | null = null;
  private statusN: TrainerStatus = 'idle';
  private pauseRequested = false;
  private stopRequested = false;
  private nanStop = false;
  private stepPermits = 0;
  private stepWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private wake: (() => void) | null = null;
  private epochStartMs = 0;
  private lastLr = Number.NaN;
  private disposed = false;
  private valCache: GraphBatch[] | null = null;
  private testCache: GraphBatch[] | null = null;

  /**
   * Builds the model (seeded torch init) and the optimizer, removes training outliers and fits the
   * normaliser. Throws an Error for people when the config is invalid, nothing is left to train on, or
   * the model does not fit the dataset.
   */
  constructor(dataset: FeaturizedDataset, config: TrainConfig, hooks: TrainerHooks = {}) {
    validateConfig(config);
    this.dataset = dataset;
    this.config = JSON.parse(JSON.stringify(config)) as TrainConfig;
    this.hooks = hooks;

    // Outliers (training targets only), then the normaliser from what is kept.
    const train = dataset.split.train;
    const values = Float64Array.from(train, (r) => dataset.targets[r] ?? Number.NaN);
    if (config.outliers !== null && train.length > 0) {
      const res = filterOutliers(config.outliers, values);
      this.trainRows = Int32Array.from(res.kept, (i) => train[i]!);
      this.outlierReport = {
        method: res.method,
        k: res.k,
        center: res.center,
        scale: res.scale,
        threshold: res.threshold,
        nTrain: train.length,
        nKept: res.kept.length,
        removed: Array.from(res.removed, (i) => ({
          row: train[i]!,
          id: dataset.ids[train[i]!] ?? String(train[i]),
          value: values[i]!,
          z: res.z[i]!,
        })),
      };
    } else {
      this.trainRows = Int32Array.from(train);
      this.outlierReport = null;
    }
    if (this.trainRows.length === 0) {
      throw new Error(
        train.length === 0
          ? 'There is nothing to train on: the training split is empty. Load a larger dataset.'
          : `Outlier removal (${config.outliers?.method}, k = ${config.outliers?.k}) removed every training row; raise k or turn it off.`,
      );
    }
    const stats = targetStats(Array.from(this.trainRows, (r) => dataset.targets[r]!));
    this.normalizer = { mean: stats.mean, std: stats.std };

    this.gaussian = gaussianFor(dataset);
    this.stepsPerEpoch = stepsPerEpoch(this.trainRows.length, config.batchSize);
    this.totalSteps = this.stepsPerEpoch * config.epochs;
    this.schedule = resolveSchedule(config.schedule, this.totalSteps);
    this.planned = plannedSchedule(this.schedule, this.totalSteps);
    this.fixedMomentum = configMomentum(config.optimizer);
    this.refLr = referenceLr(config.schedule);
    this.plateau = config.plateau !== null ? plateauInit(config.plateau, this.refLr) : null;

    this.model = new CgcnnModel(
      {
        origAtomFeaLen: dataset.atomFeatures.dim,
        nbrFeaLen: gaussianCentres(this.gaussian).length,
        ...config.model,
      },
      config.seed,
    );
    this.optimizer = new DeviceOptimizer(config.optimizer, this.model.params);
    this.rngAtEpochStart = fork(createRng(config.seed), 'trainer-shuffle');
  }

  /**
   * A trainer that continues the run saved in `checkpoint` on `dataset` (which must be the dataset it
   * was made on: same fingerprint). Continuing it gives the same steps, bit for bit, as the run that
   * was never interrupted (same backend).
   */
  static fromCheckpoint(
    dataset: FeaturizedDataset,
    checkpoint: Checkpoint,
    hooks: TrainerHooks = {},
  ): Trainer {
    assertCheckpoint(checkpoint);
    if (checkpoint.dataset.fingerprint !== dataset.fingerprint) {
      throw new Error(
        `This checkpoint was made on another dataset ("${checkpoint.dataset.name}", ${checkpoint.dataset.size} crystals, ` +
          `fingerprint ${checkpoint.dataset.fingerprint.slice(0, 12)}…) than the one loaded ("${dataset.name}", ` +
          `${dataset.ids.length} crystals, fingerprint ${dataset.fingerprint.slice(0, 12)}…). Load the dataset it was ` +
          'trained on to continue, or start a new run.',
      );
    }
    const tr = new Trainer(dataset, checkpoint.config, hooks);
    try {
      tr.restore(checkpoint);
    } catch (e) {
      tr.dispose();
      throw e;
    }
    return tr;
  }

  private restore(c: Checkpoint): void {
    const names = [...this.model.paramNames, ...this.model.bufferNames];
    if (c.weights.names.length !== names.length || c.weights.names.some((n, i) => n !== names[i])) {
      throw new Error(
        'The checkpoint\u2019s weights do not match this model (different parameter names); it was made by an incompatible version.',
      );
    }
    if (c.stepInEpoch > this.stepsPerEpoch || c.globalStep > this.totalSteps) {
      throw new Error(
        'The checkpoint\u2019s position is past the end of this run; it does not fit this dataset.',
      );
    }
    this.model.writeWeights(c.weights.data);
    this.optimizer.setState(c.optimizer);
    this.epochIdx = c.epoch;
    this.stepInEpoch = c.stepInEpoch;
    this.globalStepN = c.globalStep;
    this.rngAtEpochStart = c.rng;
    this.order = null;
    this.plateau = c.schedule.plateau;
    this.lrScaleN = c.schedule.lrScale;
    this.epochLossSum = c.epochLoss.sum;
    this.epochLossCount = c.epochLoss.count;
    this.epochNanSteps = c.epochLoss.nanSteps;
    this.lastLr = c.schedule.lastLr;
    this.bestValMaeN = c.best.valMae;
    this.bestEpochN = c.best.epoch;
    this.epochsWithoutImprovement = c.best.epochsWithoutImprovement;
    this.bestWeights = c.best.weights;
    this.epochHistory.push(...c.history.epochs);
    this.nanHistory.push(...c.history.nanEvents);
    // The ranking goes on where it was (so a resumed run keeps the same top-k epochs as an uninterrupted one).
    this.topK = c.history.topK.map((t) => ({ epoch: t.epoch, valMae: t.valMae, checkpoint: null }));
  }

  // ------------------------------------------------------------------------------------------------------
  // Accessors
  // ------------------------------------------------------------------------------------------------------

  get status(): TrainerStatus {
    return this.statusN;
  }
  get epoch(): number {
    return this.epochIdx;
  }
  get globalStep(): number {
    return this.globalStepN;
  }
  get lrScale(): number {
    return this.lrScaleN;
  }
  get history(): readonly EpochRecord[] {
    return this.epochHistory;
  }
  get nanEvents(): readonly NanEvent[] {
    return this.nanHistory;
  }
  get bestValMae(): number {
    return this.bestValMaeN;
  }
  /** The kept top-k checkpoints, best (lowest validation MAE) first. */
  get topCheckpoints(): readonly { epoch: number; valMae: number; checkpoint: Checkpoint | null }[] {
    return this.topK;
  }

  /**
   * Runs `fn` between two steps, with the trainer's lock held (no step, evaluation or checkpoint runs
   * meanwhile). For engine tools that borrow the model, e.g. the LR finder.
   */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.checkAlive();
    // Checked again when its turn comes: the trainer may have been released while it waited.
    return this.lock.run(() => {
      this.checkAlive();
      return fn();
    });
  }

  setHooks(hooks: TrainerHooks): void {
    this.hooks = hooks;
  }

  /** ReduceLROnPlateau's current factor on the scheduled lr (1 without plateau). */
  get plateauFactor(): number {
    if (this.plateau === null || !(this.refLr > 0)) return 1;
    return this.plateau.lr / this.refLr;
  }

  /** The lr and momentum/β₁ of global step `t` (the momentum reported, and the one passed or null). */
  lrAt(t: number): { lr: number; momentum: number; scheduledMomentum: number | null } {
    const base = this.planned.lr[t];
    if (base === undefined) throw new RangeError(`step ${t} is outside the run's ${this.totalSteps} steps`);
    const m = this.planned.momentum?.[t];
    const scheduledMomentum = m === undefined ? null : m;
    return {
      lr: base * this.plateauFactor * this.lrScaleN,
      momentum: scheduledMomentum ?? this.fixedMomentum,
      scheduledMomentum,
    };
  }

  /** Uploads the crystals `rows` as one batch (normalised with this run's normaliser). Caller disposes. */
  batchTensors(rows: ArrayLike<number>): BatchTensors {
    return toTensors(collate(this.dataset, rows), this.dataset.atomFeatures, this.gaussian, this.normalizer);
  }

  // ------------------------------------------------------------------------------------------------------
  // Control
  // ------------------------------------------------------------------------------------------------------

  /**
   * Trains until the last epoch, early stopping, a 'stop' NaN policy, or `stop()`. Resolves with why it
   * ended. If `pause()` was called before, it starts paused. Throws if already running.
   */
  async run(): Promise<RunResult> {
    this.checkAlive();
    if (this.statusN === 'running' || this.statusN === 'paused')
      throw new Error('The trainer is already running.');
    if (this.statusN === 'stopped' || this.statusN === 'done') {
      throw new Error('This run has ended; start a new trainer (or resume from a checkpoint).');
    }
    this.statusN = this.pauseRequested ? 'paused' : 'running';
    let end: RunEnd = 'completed';
    let restoredBest = false;
    let failure: unknown;
    try {
      if (this.config.nanPolicy === 'rollback' && this.snapshot === null) {
        await this.lock.run(() => this.takeSnapshot());
      }
      outer: while (this.epochIdx < this.config.epochs) {
        if (this.order === null) this.epochStartMs = performance.now();
        while (this.stepInEpoch < this.stepsPerEpoch) {
          if (!(await this.gate())) {
            end = 'stopped';
            break outer;
          }
          const single = this.consumePermit();
          await this.lock.run(async () => {
            this.doStep();
            const atChunk = this.globalStepN % this.config.logEvery === 0;
            if (atChunk || single || this.stepInEpoch === this.stepsPerEpoch) await this.flush();
          });
          if (single) this.releaseStepWaiters();
          if (this.nanStop) {
            end = 'nan-stop';
            break outer;
          }
          await yieldMacrotask();
        }
        const early = await this.lock.run(() => this.endEpoch());
        if (early) {
          end = 'early-stopped';
          break;
        }
      }
      await this.lock.run(() => this.flush());
      if (this.nanStop) end = 'nan-stop';
      if ((end === 'completed' || end === 'early-stopped') && this.config.earlyStopping.restoreBest) {
        if (this.bestWeights !== null) {
          this.model.writeWeights(this.bestWeights);
          restoredBest = true;
        }
      }
    } catch (e) {
      failure = e;
      end = 'stopped';
      throw e;
    } finally {
      this.statusN = end === 'completed' || end === 'early-stopped' ? 'done' : 'stopped';
      this.releaseStepWaiters(failure);
    }
    return {
      end,
      epochs: this.epochIdx,
      globalStep: this.globalStepN,
      bestValMae: this.bestValMaeN,
      bestEpoch: this.bestEpochN,
      restoredBest,
    };
  }

  /** Pauses before the next step (the records so far are read back and emitted). */
  pause(): void {
    this.pauseRequested = true;
    if (this.statusN === 'running') this.statusN = 'paused';
  }

  resume(): void {
    this.pauseRequested = false;
    if (this.statusN === 'paused') this.statusN = 'running';
    this.wakeUp();
  }

  /**
   * While paused: runs exactly one step (its record is read back and emitted), then stays paused.
   * Resolves when that step is done. Throws when not paused.
   */
  stepOnce(): Promise<void> {
    if (!this.pauseRequested || (this.statusN !== 'paused' && this.statusN !== 'idle')) {
      throw new Error('stepOnce works while the trainer is paused; pause it first.');
    }
    this.stepPermits++;
    const done = new Promise<void>((resolve, reject) => this.stepWaiters.push({ resolve, reject }));
    this.wakeUp();
    return done;
  }

  /** Stops after the current step; `run()` then resolves with end 'stopped'. */
  stop(): void {
    this.stopRequested = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Settles pending `stepOnce` promises: resolved after a step, rejected when the run failed. */
  private releaseStepWaiters(error?: unknown): void {
    const ws = this.stepWaiters;
    this.stepWaiters = [];
    for (const w of ws) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  /** Waits while paused (flushing first); false when the run must stop. */
  private async gate(): Promise<boolean> {
    for (;;) {
      if (this.stopRequested) return false;
      if (!this.pauseRequested || this.stepPermits > 0) return true;
      await this.lock.run(() => this.flush());
      if (this.stopRequested) return false;
      if (!this.pauseRequested || this.stepPermits > 0) return true;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private consumePermit(): boolean {
    if (this.pauseRequested && this.stepPermits > 0) {
      this.stepPermits--;
      return true;
    }
    return false;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('This trainer was disposed.');
  }

  // ------------------------------------------------------------------------------------------------------
  // Steps, readback and the NaN policy
  // ------------------------------------------------------------------------------------------------------

  private ensureOrder(): Int32Array {
    if (this.order === null) {
      const [perm, next] = shuffle(this.rngAtEpochStart, Array.from(this.trainRows));
      this.order = Int32Array.from(perm);
      this.rngAfterShuffle = next;
    }
    return this.order;
  }

  private doStep(): void {
    const t0 = performance.now();
    const order = this.ensureOrder();
    const bs = this.config.batchSize;
    const rows = order.subarray(this.stepInEpoch * bs, Math.min((this.stepInEpoch + 1) * bs, order.length));
    const step = this.globalStepN;
    const { lr, momentum, scheduledMomentum } = this.lrAt(step);
    const batch = collate(this.dataset, rows);
    const t = toTensors(batch, this.dataset.atomFeatures, this.gaussian, this.normalizer);
    let rec: tf.Tensor1D;
    try {
      rec = trainStep(
        this.model,
        this.optimizer,
        t,
        this.config.loss,
        this.config.clip.maxNorm,
        lr,
        scheduledMomentum,
      );
    } finally {
      tf.dispose([t.atomFea, t.bondFea, t.nbrIdx, t.revIdx, t.pool, t.targets]);
    }
    this.pending.push({ rec, step, epoch: this.epochIdx, lr, momentum, ms: performance.now() - t0 });
    this.lastLr = lr;
    this.globalStepN++;
    this.stepInEpoch++;
  }

  /** Reads back the pending records (one `await data()`), emits them and applies the NaN policy. */
  private async flush(): Promise<void> {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    const stacked = tf.stack(pending.map((p) => p.rec));
    tf.dispose(pending.map((p) => p.rec));
    let data: Float32Array;
    try {
      data = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
    // Emit per epoch (a chunk may straddle an epoch boundary only if flushes were skipped; keep it clean).
    let start = 0;
    while (start < pending.length) {
      let end = start + 1;
      while (end < pending.length && pending[end]!.epoch === pending[start]!.epoch) end++;
      this.emitChunk(pending.slice(start, end), data.subarray(start * REC_LEN, end * REC_LEN));
      start = end;
    }
    const bad: { p: PendingStep; lossFinite: boolean }[] = [];
    pending.forEach((p, i) => {
      if (data[i * REC_LEN + REC.ok] !== 1) {
        bad.push({ p, lossFinite: Number.isFinite(data[i * REC_LEN + REC.loss]) });
      }
    });
    if (bad.length === 0) {
      if (this.config.nanPolicy === 'rollback') await this.takeSnapshot();
      return;
    }
    const policy = this.config.nanPolicy;
    let restoredToStep: number | null = null;
    if (policy === 'rollback') {
      const snap = this.snapshot;
      if (snap !== null) {
        this.model.writeWeights(snap.weights);
        this.optimizer.setState(snap.optimizer);
        restoredToStep = snap.step;
      }
      this.lrScaleN *= 0.5;
    } else if (policy === 'stop') {
      this.nanStop = true;
    }
    for (const { p, lossFinite } of bad) {
      const ev: NanEvent = {
        step: p.step,
        epoch: p.epoch,
        kind: lossFinite ? 'nonfinite-grad' : 'nonfinite-loss',
        action: policy,
        lrScale: this.lrScaleN,
        restoredToStep,
      };
      this.nanHistory.push(ev);
      this.hooks.onNanEvent?.(ev);
    }
  }

  private emitChunk(ps: PendingStep[], d: Float32Array): void {
    const n = ps.length;
    const col = (c: number) => Float32Array.from({ length: n }, (_, i) => d[i * REC_LEN + c]!);
    const rec: StepRecords = {
      firstStep: ps[0]!.step,
      epoch: ps[0]!.epoch,
      lr: Float32Array.from(ps, (p) => p.lr),
      momentum: Float32Array.from(ps, (p) => p.momentum),
      loss: col(REC.loss),
      gradNormPre: col(REC.pre),
      gradNormPost: col(REC.post),
      clipped: col(REC.clipped),
      ok: col(REC.ok),
      stepMs: Float32Array.from(ps, (p) => p.ms),
    };
    for (let i = 0; i < n; i++) {
      if (rec.ok[i] === 1) {
        this.epochLossSum += rec.loss[i]!;
        this.epochLossCount++;
      } else {
        this.epochNanSteps++;
      }
    }
    this.hooks.onSteps?.(rec);
  }

  private async takeSnapshot(): Promise<void> {
    const [weights, optimizer] = await Promise.all([this.model.readWeights(), this.optimizer.getState()]);
    this.snapshot = { step: this.globalStepN, weights, optimizer };
  }

  // ------------------------------------------------------------------------------------------------------
  // Epoch end
  // ------------------------------------------------------------------------------------------------------

  /** Evaluation, plateau, early stopping, top-k, hook. Returns true when early stopping fires. */
  private async endEpoch(): Promise<boolean> {
    await this.flush();
    const val = await this.evaluateRows('val', this.dataset.split.val);
    const test = await this.evaluateRows('test', this.dataset.split.test);
    const valMae = val.mae;
    if (this.plateau !== null && this.config.plateau !== null) {
      this.plateau = plateauStep(this.config.plateau, this.plateau, valMae);
    }
    const improved = valMae < this.bestValMaeN;
    this.epochIdx++;
    if (improved) {
      this.bestValMaeN = valMae;
      this.bestEpochN = this.epochIdx;
      this.epochsWithoutImprovement = 0;
      if (this.config.earlyStopping.restoreBest) this.bestWeights = await this.model.readWeights();
    } else {
      this.epochsWithoutImprovement++;
    }
    const record: EpochRecord = {
      epoch: this.epochIdx,
      globalStep: this.globalStepN,
      trainLoss: this.epochLossCount > 0 ? this.epochLossSum / this.epochLossCount : Number.NaN,
      nanSteps: this.epochNanSteps,
      val: stripEval(val),
      test: stripEval(test),
      lr: this.lastLr,
      lrScale: this.lrScaleN,
      plateauFactor: this.plateauFactor,
      improved,
      bestValMae: this.bestValMaeN,
      bestEpoch: this.bestEpochN,
      epochMs: performance.now() - this.epochStartMs,
    };
    this.epochHistory.push(record);
    // Next epoch's position.
    this.ensureOrder();
    this.rngAtEpochStart = this.rngAfterShuffle!;
    this.order = null;
    this.rngAfterShuffle = null;
    this.stepInEpoch = 0;
    this.epochLossSum = 0;
    this.epochLossCount = 0;
    this.epochNanSteps = 0;
    this.epochStartMs = performance.now();
    // Top-k by validation MAE (after the position moved, so a kept checkpoint resumes at the next epoch).
    const k = this.config.topK;
    let checkpoint: Checkpoint | null = null;
    let inTopK = false;
    if (k > 0 && Number.isFinite(valMae)) {
      const worst = this.topK.length < k ? Number.POSITIVE_INFINITY : this.topK[this.topK.length - 1]!.valMae;
      if (valMae < worst) {
        checkpoint = await this.buildCheckpoint();
        this.topK.push({ epoch: this.epochIdx, valMae, checkpoint });
        this.topK.sort((a, b) => a.valMae - b.valMae || a.epoch - b.epoch);
        this.topK = this.topK.slice(0, k);
        inTopK = this.topK.some((t) => t.checkpoint === checkpoint);
      }
    }
    if (this.hooks.onCheckpoint !== undefined) checkpoint ??= await this.buildCheckpoint();
    this.hooks.onEpoch?.(record);
    if (checkpoint !== null) {
      const topK = this.topK.map((t) => ({ epoch: t.epoch, valMae: t.valMae }));
      this.hooks.onCheckpoint?.(checkpoint, { valMae, inTopK, topK });
    }
    const patience = this.config.earlyStopping.patience;
    return (
      patience !== null && this.epochsWithoutImprovement >= patience && this.epochIdx < this.config.epochs
    );
  }

  // ------------------------------------------------------------------------------------------------------
  // Evaluation
  // ------------------------------------------------------------------------------------------------------

  /**
   * Eval-mode metrics of a split ('train' = the kept training rows). Batched by evalBatchSize, one
   * readback. Safe to call while paused or between steps.
   */
  evaluate(split: 'train' | 'val' | 'test'): Promise<EvalResult> {
    this.checkAlive();
    const rows =
      split === 'train' ? this.trainRows : split === 'val' ? this.dataset.split.val : this.dataset.split.test;
    return this.lock.run(() => this.evaluateRows(split, rows));
  }

  /**
   * Eval-mode metrics of any dataset rows (reported as split 'train'), the `evaluate` path itself
   * (batched by evalBatchSize, one readback, the recipe loss in normalised units) WITHOUT taking the
   * lock: only for engine tools already holding it through `runExclusive` (e.g. the loss-landscape
   * jobs, which compare their own loss with the engine's). Calling it elsewhere may interleave with a step.
   */
  evaluateRowsExclusive(rows: ArrayLike<number>): Promise<EvalResult> {
    this.checkAlive();
    return this.evaluateRows('train', Int32Array.from(rows));
  }

  private batchesFor(split: 'train' | 'val' | 'test', rows: Int32Array): GraphBatch[] {
    const cached = split === 'val' ? this.valCache : split === 'test' ? this.testCache : null;
    if (cached !== null) return cached;
    const out: GraphBatch[] = [];
    const bs = this.config.evalBatchSize;
    for (let s = 0; s < rows.length; s += bs) out.push(collate(this.dataset, rows.subarray(s, s + bs)));
    if (split === 'val') this.valCache = out;
    if (split === 'test') this.testCache = out;
    return out;
  }

  private async evaluateRows(split: 'train' | 'val' | 'test', rows: Int32Array): Promise<EvalResult> {
    const n = rows.length;
    const ids = Array.from(rows, (r) => this.dataset.ids[r] ?? String(r));
    const targets = Float64Array.from(rows, (r) => this.dataset.targets[r]!);
    if (n === 0) {
      return {
        ...EMPTY_METRICS,
        split,
        ids,
        rows: Int32Array.from(rows),
        targets,
        predictions: new Float64Array(0),
      };
    }
    const batches = this.batchesFor(split, rows);
    const all = tf.tidy(() => {
      const outs = batches.map((b) => {
        const t = toTensors(b, this.dataset.atomFeatures, this.gaussian, this.normalizer);
        return this.model.forward(t, false).out;
      });
      return tf.concat(outs, 0);
    });
    let raw: Float32Array;
    try {
      raw = (await all.data()) as Float32Array;
    } finally {
      all.dispose();
    }
    const { mean, std } = this.normalizer;
    const predictions = Float64Array.from(raw, (p) => p * std + mean);
    let lossSum = 0;
    for (let i = 0; i < n; i++) {
      lossSum += lossOfResidual(this.config.loss, raw[i]! - (targets[i]! - mean) / std);
    }
    const m = regressionMetrics(targets, predictions);
    return {
      split,
      n,
      loss: lossSum / n,
      mae: m.mae,
      rmse: m.rmse,
      r2: m.r2,
      pearson: m.pearsonR,
      spearman: m.spearmanRho,
      ids,
      rows: Int32Array.from(rows),
      targets,
      predictions,
    };
  }

  // ------------------------------------------------------------------------------------------------------
  // Checkpoints
  // ------------------------------------------------------------------------------------------------------

  /**
   * A checkpoint of the current position (between two steps; pending records are read back and emitted
   * first). Resume it with `Trainer.fromCheckpoint`.
   */
  /**
   * Whether every weight and BatchNorm buffer is finite, with the count of values and the largest
   * magnitude (read back from the device between steps): what the page shows after a run to prove the
   * NaN defence kept the model intact.
   */
  weightHealth(): Promise<WeightHealth> {
    this.checkAlive();
    return this.lock.run(async () => {
      await this.flush();
      let count = 0;
      let nonFinite = 0;
      let maxAbs = 0;
      for (const w of await this.model.readWeights()) {
        count += w.length;
        for (const x of w) {
          if (!Number.isFinite(x)) nonFinite++;
          else if (Math.abs(x) > maxAbs) maxAbs = Math.abs(x);
        }
      }
      return { count, nonFinite, maxAbs };
    });
  }

  checkpoint(): Promise<Checkpoint> {
    this.checkAlive();
    return this.lock.run(async () => {
      await this.flush();
      return this.buildCheckpoint();
    });
  }

  private async buildCheckpoint(): Promise<Checkpoint> {
    const [weights, optimizer] = await Promise.all([this.model.readWeights(), this.optimizer.getState()]);
    const all = [...this.model.params, ...this.model.buffers];
    return {
      format: CHECKPOINT_FORMAT,
      config: this.config,
      dataset: {
        fingerprint: this.dataset.fingerprint,
        name: this.dataset.name,
        size: this.dataset.ids.length,
      },
      epoch: this.epochIdx,
      stepInEpoch: this.stepInEpoch,
      globalStep: this.globalStepN,
      weights: {
        names: [...this.model.paramNames, ...this.model.bufferNames],
        shapes: all.map((v) => [...v.shape]),
        data: weights,
      },
      optimizer,
      schedule: {
        globalStep: this.globalStepN,
        plateau: this.plateau,
        lrScale: this.lrScaleN,
        lastLr: this.lastLr,
      },
      rng: this.rngAtEpochStart,
      epochLoss: { sum: this.epochLossSum, count: this.epochLossCount, nanSteps: this.epochNanSteps },
      best: {
        valMae: this.bestValMaeN,
        epoch: this.bestEpochN,
        epochsWithoutImprovement: this.epochsWithoutImprovement,
        weights: this.bestWeights,
      },
      history: {
        epochs: [...this.epochHistory],
        nanEvents: [...this.nanHistory],
        topK: this.topK.map((t) => ({ epoch: t.epoch, valMae: t.valMae })),
      },
    };
  }

  /**
   * Releases the model's and the optimizer's device memory. Call it once `run()` has resolved (or
   * before it was called): it requests a stop, but a run still inside a step or an evaluation would then
   * fail on the freed variables and reject.
   */
  dispose(): void {
    if (this.disposed) return;
    this.stop();
    tf.dispose(this.pending.map((p) => p.rec));
    this.pending = [];
    this.optimizer.dispose();
    this.model.dispose();
    this.disposed = true;
  }
}

function stripEval(r: EvalResult): SplitMetrics {
  return {
    n: r.n,
    loss: r.loss,
    mae: r.mae,
    rmse: r.rmse,
    r2: r.r2,
    pearson: r.pearson,
    spearman: r.spearman,
  };
}
