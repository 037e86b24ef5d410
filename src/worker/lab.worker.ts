/**
 * The lab worker: owns TF.js and everything that trains. The page talks to it only through the
 * messages of `protocol.ts`.
 */
import { assertNever } from '../core/assert.ts';
import { initBackend } from '../engine/backend.ts';
import { loadDatasetJob } from './datasets.ts';
import { cancelJob, landscapeJob, setSharpnessTracking, TRACK_JOB_ID } from './landscape.ts';
import {
  controlRun,
  evaluateJob,
  lrFinderJob,
  resumeFromCheckpoint,
  saveCheckpoint,
  startRun,
} from './training.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { registerBundledWasmBinaries } from './wasmPaths.ts';

/** The part of DedicatedWorkerGlobalScope this file uses (the DOM lib does not declare it). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

registerBundledWasmBinaries();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const report = await initBackend(
        msg.backend,
        msg.wasmThreads !== undefined ? { wasmThreads: msg.wasmThreads } : {},
      );
      post({ type: 'backend-ready', runId: msg.runId, report });
      return;
    }
    case 'load-dataset':
      await loadDatasetJob(msg.runId, msg.source, msg.options ?? {}, post);
      return;
    case 'start':
      await startRun(msg.runId, msg.config, post);
      return;
    case 'control':
      controlRun(msg.runId, msg.action, post);
      return;
    case 'lr-finder': {
      const { numIt, startLr, endLr } = msg;
      await lrFinderJob(
        msg.runId,
        msg.config,
        {
          ...(numIt !== undefined ? { numIt } : {}),
          ...(startLr !== undefined ? { startLr } : {}),
          ...(endLr !== undefined ? { endLr } : {}),
        },
        post,
      );
      return;
    }
    case 'save-checkpoint':
      await saveCheckpoint(msg.runId, post);
      return;
    case 'resume-checkpoint':
      await resumeFromCheckpoint(msg.runId, msg.checkpoint, post);
      return;
    case 'evaluate':
      await evaluateJob(msg.runId, msg.split, post);
      return;
    case 'landscape':
      // Answers with job-result / job-cancelled / job-error itself; yields between points, so other
      // messages (a cancel-job among them) are handled while it runs.
      await landscapeJob(msg.runId, msg.jobId, msg.job, post);
      return;
    case 'cancel-job':
      cancelJob(msg.jobId);
      return;
    case 'track-sharpness':
      try {
        setSharpnessTracking(msg.settings, post);
      } catch (e) {
        post({
          type: 'job-error',
          runId: msg.runId,
          jobId: TRACK_JOB_ID,
          message: e instanceof Error ? e.message : String(e),
        });
      }
      return;
    default:
      assertNever(msg, 'message to the lab worker');
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  handle(msg).catch((err: unknown) => {
    post({
      type: 'error',
      runId: msg.runId,
      message: err instanceof Error ? err.message : String(err),
      ...(err instanceof Error && err.stack !== undefined ? { detail: err.stack } : {}),
    });
  });
};
