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
  | { type: 'init'; runId: string; backend: BackendPreference }
  | { type: 'load-dataset'; runId: string; source: DatasetSource; options?: DatasetOptions };

/** Worker → page. */
export type FromWorker =
  | { type: 'backend-ready'; runId: string; report: BackendReport }
  | { type: 'dataset-progress'; runId: string; progress: DatasetProgress }
  /** The new dataset replaced the previous one in the worker. */
  | { type: 'dataset-ready'; runId: string; info: DatasetInfo }
  /** The load failed; the worker still holds the previous dataset, if any. */
  | { type: 'dataset-error'; runId: string; message: string; file?: string }
  | { type: 'error'; runId: string; message: string; detail?: string };
