import type { StateCreator } from 'zustand';
import type { DatasetInfo, DatasetProgress } from '../worker/protocol.ts';

export interface DatasetSlice {
  dataset: {
    /** The load in flight, if any. */
    pending: { runId: string; label: string; progress: DatasetProgress | null } | null;
    /** The dataset the worker holds. A failed later load leaves it in place. */
    loaded: DatasetInfo | null;
    /** The last load's failure, shown until the next load starts. */
    error: string | null;
  };
  datasetRequested(runId: string, label: string): void;
  datasetProgress(runId: string, progress: DatasetProgress): void;
  datasetLoaded(runId: string, info: DatasetInfo): void;
  datasetFailed(runId: string, message: string): void;
}

export const createDatasetSlice: StateCreator<DatasetSlice, [], [], DatasetSlice> = (set, get) => {
  const isCurrent = (runId: string) => get().dataset.pending?.runId === runId;
  return {
    dataset: { pending: null, loaded: null, error: null },
    datasetRequested: (runId, label) =>
      set((s) => ({ dataset: { ...s.dataset, pending: { runId, label, progress: null }, error: null } })),
    datasetProgress: (runId, progress) => {
      if (!isCurrent(runId)) return;
      set((s) => ({
        dataset: { ...s.dataset, pending: s.dataset.pending && { ...s.dataset.pending, progress } },
      }));
    },
    datasetLoaded: (runId, info) => {
      if (!isCurrent(runId)) return;
      set({ dataset: { pending: null, loaded: info, error: null } });
    },
    datasetFailed: (runId, message) => {
      if (!isCurrent(runId)) return;
      set((s) => ({ dataset: { pending: null, loaded: s.dataset.loaded, error: message } }));
    },
  };
};
