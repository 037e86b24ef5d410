/**
 * The bridge from worker messages to the store: the one place that turns `FromWorker` messages into
 * state. Each slice ignores messages whose `runId` is not its current request (late answers to an
 * older request).
 */
import { assertNever } from '../core/assert.ts';
import { LabWorkerClient } from '../worker/client.ts';
import type { BackendPreference, DatasetSource, FromWorker, TrainConfigInput } from '../worker/protocol.ts';
import { useLabStore } from './labStore.ts';

let client: LabWorkerClient | null = null;
/** The last files the user chose, so a different target can be picked without choosing them again. */
let lastFiles: { source: Extract<DatasetSource, { kind: 'files' }>; label: string } | null = null;

function worker(): LabWorkerClient {
  if (client === null) {
    client = new LabWorkerClient();
    client.subscribe(applyWorkerMessage);
  }
  return client;
}

export function applyWorkerMessage(msg: FromWorker): void {
  const store = useLabStore.getState();
  switch (msg.type) {
    case 'backend-ready':
      if (store.backend.phase === 'starting' && store.backend.runId === msg.runId) {
        store.setBackend({ phase: 'ready', runId: msg.runId, report: msg.report });
      }
      return;
    case 'dataset-progress':
      store.datasetProgress(msg.runId, msg.progress);
      return;
    case 'dataset-ready':
      store.datasetLoaded(msg.runId, msg.info);
      return;
    case 'dataset-error':
      store.datasetFailed(msg.runId, msg.message);
      return;
    case 'run-started':
      store.runStarted(msg.runId, msg.plan);
      return;
    case 'run-steps':
      store.runSteps(msg.runId, msg.records);
      return;
    case 'run-epoch':
      store.runEpoch(msg.runId, msg.record);
      return;
    case 'run-nan':
      store.runNan(msg.runId, msg.event);
      return;
    case 'run-status':
      store.runStatus(msg.runId, msg.status);
      return;
    case 'run-finished':
      store.runFinished(msg.runId, msg.result);
      return;
    case 'lr-finder-progress':
      store.lrFinderProgress(msg.runId, msg);
      return;
    case 'lr-finder-result':
      store.lrFinderDone(msg.runId, msg.outcome);
      return;
    case 'evaluation':
      store.evaluated(msg.runId, msg.result);
      return;
    case 'checkpoint':
      store.checkpointSaved(msg);
      return;
    case 'error':
      // A job failed unexpectedly: fail whichever request it belongs to.
      if (store.backend.phase === 'starting' && store.backend.runId === msg.runId) {
        store.setBackend({ phase: 'failed', runId: msg.runId, message: msg.message });
      }
      store.datasetFailed(msg.runId, msg.message);
      store.runFailed(msg.runId, msg.message);
      store.lrFinderFailed(msg.runId, msg.message);
      return;
    default:
      assertNever(msg, 'message from the lab worker');
  }
}

/** Starts the worker (once) and asks it to initialise TF.js on the preferred backend. */
export function startLab(preference: BackendPreference = 'auto'): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().setBackend({ phase: 'starting', runId, preference });
  worker().send({ type: 'init', runId, backend: preference });
}

/** Asks the worker to load a dataset; the one loaded so far stays until this one succeeds. */
export function loadDataset(source: DatasetSource, label: string): void {
  if (source.kind === 'files') lastFiles = { source, label };
  const runId = crypto.randomUUID();
  useLabStore.getState().datasetRequested(runId, label);
  worker().send({ type: 'load-dataset', runId, source });
}

/** Reloads the last chosen files with another target column (the files stay in the page as Blobs). */
export function chooseTarget(target: string): void {
  if (lastFiles === null) return;
  loadDataset({ ...lastFiles.source, target }, `${lastFiles.label} → ${target}`);
}

/** Starts training the loaded dataset with `config` (the lab's defaults for what it leaves out). */
export function startTraining(config: TrainConfigInput): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().runRequested(runId);
  worker().send({ type: 'start', runId, config });
}

/** Pause, resume, one step, or stop the current run. */
export function controlTraining(action: 'pause' | 'resume' | 'step-once' | 'stop'): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'control', runId, action });
}

/** The LR range test for `config` on the loaded dataset. */
export function findLearningRate(config: TrainConfigInput, numIt = 100): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().lrFinderRequested(runId);
  worker().send({ type: 'lr-finder', runId, config, numIt });
}

/** Asks the worker for the current run's checkpoint (it arrives in the store as `checkpoint`). */
export function saveCheckpoint(): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'save-checkpoint', runId });
}

/** Continues a saved run (checkpoint JSON text) on the loaded dataset, as a new run in the page. */
export function resumeCheckpoint(text: string): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().runRequested(runId);
  worker().send({ type: 'resume-checkpoint', runId, checkpoint: text });
}

/** Evaluates the current run's model on a split; the result arrives in the store as `evaluation`. */
export function evaluateSplit(split: 'train' | 'val' | 'test'): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'evaluate', runId, split });
}
