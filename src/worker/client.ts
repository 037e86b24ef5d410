/**
 * Main-thread side of the lab worker: spawns it, sends typed messages, fans its messages out to
 * subscribers. A worker that fails to load or crashes is turned into an `error` message, so the page
 * never waits forever.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

export type Listener = (msg: FromWorker) => void;

export class LabWorkerClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private lastRunId = '';

  constructor() {
    this.worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.emit(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.emit({
        type: 'error',
        runId: this.lastRunId,
        message: `The lab worker failed: ${ev.message || 'it could not be loaded'}. Reload the page; if it persists, try another browser.`,
      });
    };
  }

  send(msg: ToWorker, transfer: Transferable[] = []): void {
    this.lastRunId = msg.runId;
    this.worker.postMessage(msg, transfer);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.listeners.clear();
  }

  private emit(msg: FromWorker): void {
    for (const l of this.listeners) l(msg);
  }
}
