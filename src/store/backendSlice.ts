import type { StateCreator } from 'zustand';
import type { BackendPreference, BackendReport } from '../worker/protocol.ts';

export type BackendStatus =
  | { phase: 'idle' }
  | { phase: 'starting'; runId: string; preference: BackendPreference }
  | { phase: 'ready'; runId: string; report: BackendReport }
  | { phase: 'failed'; runId: string; message: string };

export interface BackendSlice {
  backend: BackendStatus;
  setBackend(status: BackendStatus): void;
}

export const createBackendSlice: StateCreator<BackendSlice, [], [], BackendSlice> = (set) => ({
  backend: { phase: 'idle' },
  setBackend: (backend) => set({ backend }),
});
