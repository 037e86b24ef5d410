/**
 * The message protocol between the page (main thread) and the lab worker. This is the only file both
 * threads share. One discriminated union per direction; every message carries the `runId` of the
 * session or run it belongs to, so late messages from a stopped run can be recognised and dropped.
 *
 * Bulk numeric data (metrics) will travel as transferred `Float32Array`s in batches, never as whole
 * histories (see DEVELOPERS.md).
 */

export type {
  AdapterInfo,
  BackendAttempt,
  BackendName,
  BackendPreference,
  BackendReport,
} from '../engine/backendTypes.ts';
import type { BackendPreference, BackendReport } from '../engine/backendTypes.ts';
import type { SplitOptions } from '../data/dataset.ts';
import type { GraphOptions } from '../data/graph.ts';
import type { DatasetInfo, DatasetProgress, TeachingSetSettings } from '../data/pipeline.ts';
import type { TrainConfig, TrainConfigInput } from '../core/recipe.ts';
import type {
  EpochRecord,
  EvalResult,
  NanEvent,
  OutlierReport,
  RunResult,
  StepRecords,
  TrainerStatus,
  WeightHealth,
} from '../engine/trainer.ts';
import type { LrSuggestions } from '../core/lrFinder.ts';
import type { LandscapeResult, SharpnessResult } from '../engine/landscape.ts';
import type { Checkpoint } from '../engine/checkpoint.ts';

export type { Checkpoint } from '../engine/checkpoint.ts';

export type { TrainConfig, TrainConfigInput } from '../core/recipe.ts';
export type {
  EpochRecord,
  EvalResult,
  NanEvent,
  OutlierReport,
  RunResult,
  StepRecords,
  TrainerStatus,
  WeightHealth,
} from '../engine/trainer.ts';

export type {
  InterpolationResult,
  LandscapeResult,
  ProbeResult,
  SharpnessResult,
  SurfaceResult,
} from '../engine/landscape.ts';

export type { DatasetInfo, DatasetPhase, DatasetProgress, TeachingSetSettings } from '../data/pipeline.ts';
export type { DatasetSummary } from '../data/dataset.ts';
export type { Rejection, RejectReason } from '../data/types.ts';

/** A file the user dropped or picked: its path inside the dropped folder (or its name), and its bytes. */
export interface DroppedFile {
  path: string;
  /** A File or Blob: structured-cloneable, read in the worker (the page never reads it). */
  file: Blob;
}

/** Where a dataset comes from. */
export type DatasetSource =
  | { kind: 'builtin'; settings: Partial<TeachingSetSettings> }
  | { kind: 'files'; files: DroppedFile[]; target?: string };

/** How to featurize and split (cgcnn's defaults when absent). */
export interface DatasetOptions {
  graph?: Partial<GraphOptions>;
  split?: Partial<SplitOptions>;
}

/** Page → worker. */
export type ToWorker =
  /** Start TF.js; `wasmThreads` caps the wasm thread pool (before wasm first starts). */
  | { type: 'init'; runId: string; backend: BackendPreference; wasmThreads?: number }
  | { type: 'load-dataset'; runId: string; source: DatasetSource; options?: DatasetOptions }
  /** Train the loaded dataset with this recipe (missing fields: the lab's defaults). Replaces a running run. */
  | { type: 'start'; runId: string; config: TrainConfigInput }
  /** Acts on the run `runId` (ignored if it is not the current run). */
  | { type: 'control'; runId: string; action: 'pause' | 'resume' | 'step-once' | 'stop' }
  /** LR range test (fastai) for this recipe on the loaded dataset; the weights are not kept. */
  | {
      type: 'lr-finder';
      runId: string;
      config: TrainConfigInput;
      numIt?: number;
      startLr?: number;
      endLr?: number;
    }
  /** Save the current run's full state (weights, optimizer, schedule, RNG) as checkpoint text. */
  | { type: 'save-checkpoint'; runId: string }
  /**
   * Continue a saved run on the loaded dataset (which must be the one it was trained on): checkpoint
   * text (a file) or a checkpoint object (the run history's).
   */
  | { type: 'resume-checkpoint'; runId: string; checkpoint: string | Checkpoint }
  /** Evaluate the current run's model on a split. */
  | { type: 'evaluate'; runId: string; split: 'train' | 'val' | 'test' }
  /**
   * Measure the loss landscape of the current run's model (`runId` must be the current run). Runs between
   * two training steps (a running run waits for it) and puts every weight back bit-exactly, so the run's
   * numbers do not change. Answered by 'job-progress'…, then one of 'job-result', 'job-cancelled',
   * 'job-error' with the same `jobId`.
   */
  | { type: 'landscape'; runId: string; jobId: string; job: LandscapeJob }
  /** Cancel the job `jobId` (acts before its next point; answered by 'job-cancelled'). */
  | { type: 'cancel-job'; runId: string; jobId: string }
  /**
   * After each epoch of the current run (and of later runs), compute λ_max of the training loss (fixed
   * seed; ε-sharpness is not tracked) and post 'sharpness-epoch'; `null` turns it off. `runId` is only
   * used to address errors, which come as 'job-error' with jobId 'track' (the run goes on).
   */
  | {
      type: 'track-sharpness';
      runId: string;
      settings: { iterations: number; rows: number } | null;
    };

/** Weights for the ends of an interpolation. */
export type WeightSource =
  /** The current run's initial weights (its model rebuilt from its seed). */
  | { kind: 'init' }
  /** The current run's weights now. */
  | { kind: 'current' }
  /** The final weights of a finished run the worker keeps (see 'weights-kept'). */
  | { kind: 'run'; runId: string };

/**
 * A loss-landscape job (src/engine/landscape.ts has the maths). `rows`: the first `rows` kept training
 * crystals of the current run (0 = all of them).
 */
export type LandscapeJob =
  /** Times one eval forward (and one gradient pass) over `rows`, for the page's time estimates. */
  | { kind: 'probe'; rows: number }
  /**
   * Huber(δ) and MSE surfaces (and the recipe's loss) on a grid × grid lattice α, β ∈ [−span, span]
   * along two filter-normalised random directions (Li et al. 2018), plus the slice β = 0. `grid` odd, 5…41.
   */
  | { kind: 'surface'; grid: number; span: number; rows: number; seed: number; huberDelta: number }
  /** λ_max of the training loss by power iteration (finite-difference Hv) and Keskar's ε-sharpness. */
  | { kind: 'sharpness'; iterations: number; rows: number; seed: number; epsilon: number }
  /**
   * The recipe loss (train rows and all val rows) along θ(α) = (1 − α)·θ_from + α·θ_to, α on `points`
   * points of `range` (e.g. [−0.5, 1.5]); BatchNorm running statistics interpolated too.
   */
  | {
      kind: 'interpolate';
      from: WeightSource;
      to: WeightSource;
      points: number;
      range: [number, number];
      rows: number;
    };

/** A finished run whose final weights the worker keeps (the last 4) for interpolation. */
export interface KeptRun {
  runId: string;
  /** For people, e.g. "Adam · batch 32 · max_lr 0.01 · seed 0". */
  label: string;
  batchSize: number;
  /** The schedule's peak (OneCycle max_lr) or base lr. */
  maxLr: number;
  /** Validation MAE of the kept weights (the best epoch's when they were restored), target units. */
  finalValMae: number;
  /** Date.now() when the run ended. */
  finishedAt: number;
}

/** What the worker says when a run starts: the resolved recipe (echoed), its plan and what was removed. */
export interface RunPlan {
  config: TrainConfig;
  stepsPerEpoch: number;
  totalSteps: number;
  /** The schedule's lr and momentum/β₁ for every step (transferred). */
  plannedLr: Float32Array;
  plannedMomentum: Float32Array | null;
  outliers: OutlierReport | null;
  normalizer: { mean: number; std: number };
  datasetFingerprint: string;
  /** Epochs already done (a run resumed from a checkpoint brings its history). */
  history: EpochRecord[];
}

export interface LrFinderOutcome {
  lrs: Float64Array;
  losses: Float64Array;
  rawLosses: Float64Array;
  suggestion: LrSuggestions | null;
  stoppedBy: string;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'backend-ready'; runId: string; report: BackendReport }
  | { type: 'dataset-progress'; runId: string; progress: DatasetProgress }
  /** The new dataset replaced the previous one in the worker. */
  | { type: 'dataset-ready'; runId: string; info: DatasetInfo }
  /** The load failed; the worker still holds the previous dataset, if any. */
  | { type: 'dataset-error'; runId: string; message: string; file?: string }
  | { type: 'run-started'; runId: string; plan: RunPlan }
  /** A batch of per-step records; its Float32Arrays are transferred. */
  | { type: 'run-steps'; runId: string; records: StepRecords }
  | { type: 'run-epoch'; runId: string; record: EpochRecord }
  | { type: 'run-nan'; runId: string; event: NanEvent }
  | { type: 'run-status'; runId: string; status: TrainerStatus }
  /** The run broke off with an error (an 'error' with the same runId follows for the page). */
  | { type: 'run-failed'; runId: string; message: string }
  /** The run ended; `weights` is the model's health read back after the end (finite or not). */
  | { type: 'run-finished'; runId: string; result: RunResult; weights: WeightHealth }
  | { type: 'lr-finder-progress'; runId: string; iteration: number; lr: number; loss: number }
  | { type: 'lr-finder-result'; runId: string; outcome: LrFinderOutcome }
  | { type: 'evaluation'; runId: string; result: EvalResult }
  /**
   * The run's checkpoint after each epoch (the run history's resume point) and once more when it ends
   * (its final weights; `final` true). `topK`: the run's kept top-k list after this epoch (epochs and
   * validation MAEs, best first); `inTopK`: whether this checkpoint is one of them.
   */
  | {
      type: 'run-checkpoint';
      runId: string;
      checkpoint: Checkpoint;
      final: boolean;
      valMae: number | null;
      inTopK: boolean;
      topK: { epoch: number; valMae: number }[];
    }
  /** The checkpoint text (JSON; typed arrays as base64) of the run `runId`, at `globalStep`. */
  | { type: 'checkpoint'; runId: string; text: string; epoch: number; globalStep: number }
  /** A landscape job's progress (throttled); `estimateMs` = the expected total from the pace so far. */
  | {
      type: 'job-progress';
      runId: string;
      jobId: string;
      done: number;
      total: number;
      elapsedMs: number;
      estimateMs: number;
    }
  /** A landscape job's result; its typed arrays are transferred. */
  | { type: 'job-result'; runId: string; jobId: string; result: LandscapeResult }
  /** The job was cancelled (the weights are back as they were). */
  | { type: 'job-cancelled'; runId: string; jobId: string }
  /** The job failed; `message` is for people. The weights are back as they were. */
  | { type: 'job-error'; runId: string; jobId: string; message: string }
  /** λ_max after epoch `epoch` of the run `runId`, while tracking is on. */
  | { type: 'sharpness-epoch'; runId: string; epoch: number; result: SharpnessResult }
  /** The finished runs whose final weights the worker keeps, most recent last (sent when it changes). */
  | { type: 'weights-kept'; runId: string; runs: KeptRun[] }
  | { type: 'error'; runId: string; message: string; detail?: string };
