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
  /** Continue a saved run on the loaded dataset (which must be the one it was trained on). */
  | { type: 'resume-checkpoint'; runId: string; checkpoint: string }
  /** Evaluate the current run's model on a split. */
  | { type: 'evaluate'; runId: string; split: 'train' | 'val' | 'test' };

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
  /** The run ended; `weights` is the model's health read back after the end (finite or not). */
  | { type: 'run-finished'; runId: string; result: RunResult; weights: WeightHealth }
  | { type: 'lr-finder-progress'; runId: string; iteration: number; lr: number; loss: number }
  | { type: 'lr-finder-result'; runId: string; outcome: LrFinderOutcome }
  | { type: 'evaluation'; runId: string; result: EvalResult }
  /** The checkpoint text (JSON; typed arrays as base64) of the run `runId`, at `globalStep`. */
  | { type: 'checkpoint'; runId: string; text: string; epoch: number; globalStep: number }
  | { type: 'error'; runId: string; message: string; detail?: string };
