/**
 * The bridge from worker messages to the store: the one place that turns `FromWorker` messages into
 * state. Messages whose `runId` is not the current one (late answers to an older request) are dropped.
 */
import { assertNever } from '../core/assert.ts';
import { LabWorkerClient } from '../worker/client.ts';
import type { BackendPreference, FromWorker } from '../worker/protocol.ts';
import { useLabStore } from './labStore.ts';

let client: LabWorkerClient | null = null;

function newRunId(): string {
  return crypto.randomUUID();
}

export function applyWorkerMessage(msg: FromWorker): void {
  const store = useLabStore.getState();
  const backend = store.backend;
  const current = backend.phase === 'idle' ? null : backend.runId;
  if (msg.runId !== current) return;
  switch (msg.type) {
    case 'backend-ready':
      store.setBackend({ phase: 'ready', runId: msg.runId, report: msg.report });
      return;
    case 'error':
      store.setBackend({ phase: 'failed', runId: msg.runId, message: msg.message });
      return;
    default:
      assertNever(msg, 'message from the lab worker');
  }
}

/** Starts the worker (once) and asks it to initialise TF.js on the preferred backend. */
export function startLab(preference: BackendPreference = 'auto'): void {
  if (client === null) {
    client = new LabWorkerClient();
    client.subscribe(applyWorkerMessage);
  }
  const runId = newRunId();
  useLabStore.getState().setBackend({ phase: 'starting', runId, preference });
  client.send({ type: 'init', runId, backend: preference });
}
