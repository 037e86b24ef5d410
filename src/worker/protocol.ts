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

/** Page → worker. */
export type ToWorker = { type: 'init'; runId: string; backend: BackendPreference };

/** Worker → page. */
export type FromWorker =
  | { type: 'backend-ready'; runId: string; report: BackendReport }
  | { type: 'error'; runId: string; message: string; detail?: string };
