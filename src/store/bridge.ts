/**
 * The bridge from worker messages to the store: the one place that turns `FromWorker` messages into
 * state. Each slice ignores messages whose `runId` is not its current request (late answers to an
 * older request).
 */
import { assertNever } from '../core/assert.ts';
import { LabWorkerClient } from '../worker/client.ts';
import type { BackendPreference, DatasetSource, FromWorker } from '../worker/protocol.ts';
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
    case 'error':
      // A job failed unexpectedly: fail whichever request it belongs to.
      if (store.backend.phase === 'starting' && store.backend.runId === msg.runId) {
        store.setBackend({ phase: 'failed', runId: msg.runId, message: msg.message });
      }
      store.datasetFailed(msg.runId, msg.message);
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
