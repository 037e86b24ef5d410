/**
 * What the run history keeps of a run (IndexedDB, see db.ts) and what a run bundle carries (bundle.ts).
 *
 * A run is three kinds of records:
 * - {@link RunMeta}: one per run, everything but the per-step series and the checkpoints (small; the
 *   run list reads only these);
 * - {@link StepChunk}: the per-step series, one chunk per epoch (written at the epoch's end, in the same
 *   transaction as the epoch record and its checkpoint, so a stored run is always consistent at an epoch
 *   boundary: a reload or a crash loses at most the epoch in progress);
 * - {@link StoredCheckpoint}: the resume point ('last', overwritten at every epoch end and when the run
 *   ends, so it holds the final weights) and the top-k checkpoints by validation MAE ('top:<epoch>').
 */
import type {
  Checkpoint,
  EpochRecord,
  NanEvent,
  OutlierReport,
  RunResult,
  StepRecords,
  TrainConfig,
} from '../../worker/protocol.ts';
import type { DatasetChoice } from '../urlState.ts';

/**
 * 'running'/'paused': live in this page; a run found in either state when the page opens was cut off by a
 * reload, a closed tab or a crash, and is shown as 'interrupted' (resumable from its 'last' checkpoint).
 */
export type StoredStatus = 'running' | 'paused' | 'done' | 'stopped' | 'failed' | 'interrupted';

/** The dataset a run was trained on: enough to recognise it (fingerprint) and to load it again. */
export interface StoredDataset {
  fingerprint: string;
  /** The dataset's name (file or "built-in teaching set"). */
  name: string;
  /** The target column trained on. */
  target: string;
  /** How it was chosen: the built-in set's settings (reloadable), a link, or files (to drop again). */
  choice: DatasetChoice;
  /** Crystals in the dataset and in each part of the split. */
  size: number;
  /** Rows per part and the seed; the ratios too (absent in records made before they were kept). */
  split: {
    train: number;
    val: number;
    test: number;
    seed: number | string;
    valRatio?: number;
    testRatio?: number;
  };
  /** Training-split target mean and std (the model's normaliser). */
  normalizer: { mean: number; std: number };
}

export interface RunMeta {
  /** The history's id of the run (the worker's runId of its first start). */
  id: string;
  /** For people; editable. */
  name: string;
  /** Free labels; editable. */
  tags: string[];
  /** Date.now() at start and at the last write. */
  createdAt: number;
  updatedAt: number;
  status: StoredStatus;
  /** Why it failed, for people (status 'failed'). */
  error: string | null;
  config: TrainConfig;
  dataset: StoredDataset;
  /** The compute backend it ran on (e.g. "webgpu", "wasm"), as the worker reported it. */
  backend: string | null;
  stepsPerEpoch: number;
  totalSteps: number;
  outliers: OutlierReport | null;
  epochs: EpochRecord[];
  nanEvents: NanEvent[];
  /** The run's end (null while it trains or after an interruption). */
  result: RunResult | null;
  /**
   * The stored step series covers steps stepsFrom … stepsFrom + stepsStored − 1 (stepsFrom is 0 unless the
   * run began by resuming a checkpoint file, whose earlier steps the lab never saw).
   */
  stepsFrom: number;
  stepsStored: number;
  /** Time spent training (paused time excluded), ms, up to the last write. */
  activeMs: number;
  /** Where the 'last' checkpoint stands, or null when there is none (no epoch ended yet). */
  resumePoint: { epoch: number; globalStep: number } | null;
  /** The kept top-k checkpoints (epochs and validation MAEs), best first. */
  topK: { epoch: number; valMae: number }[];
}

/** A stored slice of the per-step series: steps firstStep … firstStep + length − 1. */
export interface StepChunk {
  runId: string;
  firstStep: number;
  loss: Float32Array;
  lr: Float32Array;
  momentum: Float32Array;
  gradPre: Float32Array;
  gradPost: Float32Array;
  clipped: Float32Array;
  ok: Float32Array;
}

/** The series columns of a {@link StepChunk} (and of a run's whole series). */
export const STEP_COLUMNS = ['loss', 'lr', 'momentum', 'gradPre', 'gradPost', 'clipped', 'ok'] as const;
export type StepColumn = (typeof STEP_COLUMNS)[number];

/** How many of a run's stored steps come before global step `step` (what a resume from there keeps). */
export function stepsBefore(run: Pick<RunMeta, 'stepsFrom' | 'stepsStored'>, step: number): number {
  return Math.max(0, Math.min(run.stepsStored, step - run.stepsFrom));
}

/** A worker batch of step records as the series' columns (the same arrays, renamed). */
export function stepColumns(r: StepRecords): Record<StepColumn, Float32Array> {
  return {
    loss: r.loss,
    lr: r.lr,
    momentum: r.momentum,
    gradPre: r.gradNormPre,
    gradPost: r.gradNormPost,
    clipped: r.clipped,
    ok: r.ok,
  };
}

/** A run's whole per-step series, steps 0 … length − 1 (chunks joined). */
export type StepTable = Record<StepColumn, Float32Array>;

/** 'last' = the resume point (and, once the run ended, its final weights); 'top:<epoch>' = a top-k one. */
export type CheckpointSlot = 'last' | `top:${number}`;

export interface StoredCheckpoint {
  runId: string;
  slot: CheckpointSlot;
  epoch: number;
  globalStep: number;
  /** The validation MAE at that epoch (null for a 'last' taken mid-epoch, e.g. at a stop). */
  valMae: number | null;
  checkpoint: Checkpoint;
}
