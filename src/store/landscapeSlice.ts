/**
 * Loss-landscape jobs on the real model (worker side: src/worker/landscape.ts): one slot per kind —
 * the timing probe, the Huber/MSE surface, the sharpness estimate, the 1-D interpolation — each with
 * its progress, result or error; the per-epoch sharpness track; the finished runs whose weights the
 * worker keeps for interpolation.
 */
import type { StateCreator } from 'zustand';
import type { KeptRun, LandscapeJob, LandscapeResult, SharpnessResult } from '../worker/protocol.ts';

export type JobKind = LandscapeJob['kind'];

export interface JobState {
  jobId: string;
  /** The run whose model the job measures. */
  runId: string;
  job: LandscapeJob;
  status: 'running' | 'done' | 'cancelled' | 'error';
  progress: { done: number; total: number; elapsedMs: number; estimateMs: number } | null;
  result: LandscapeResult | null;
  error: string | null;
}

export interface LandscapeSlice {
  jobs: Partial<Record<JobKind, JobState>>;
  /** λ_max after each epoch while tracking is on (for the run `runId`). */
  sharpnessTrack: { runId: string; points: { epoch: number; result: SharpnessResult }[] };
  trackSharpness: boolean;
  /** Why per-epoch tracking failed (the run itself goes on), or null. */
  trackError: string | null;
  keptRuns: KeptRun[];
  jobStarted: (kind: JobKind, s: JobState) => void;
  /** Updates the job `jobId` (ignored when a newer job of its kind replaced it). */
  jobUpdate: (jobId: string, p: Partial<Omit<JobState, 'jobId' | 'runId' | 'job'>>) => void;
  addSharpnessPoint: (runId: string, epoch: number, result: SharpnessResult) => void;
  setTrackSharpness: (on: boolean) => void;
  setTrackError: (message: string | null) => void;
  setKeptRuns: (runs: KeptRun[]) => void;
}

export const createLandscapeSlice: StateCreator<LandscapeSlice, [], [], LandscapeSlice> = (set) => ({
  jobs: {},
  sharpnessTrack: { runId: '', points: [] },
  trackSharpness: false,
  trackError: null,
  keptRuns: [],
  jobStarted: (kind, s) => set((st) => ({ jobs: { ...st.jobs, [kind]: s } })),
  jobUpdate: (jobId, p) =>
    set((st) => {
      const entry = Object.entries(st.jobs).find(([, j]) => j?.jobId === jobId);
      if (entry === undefined) return {};
      const [kind, j] = entry as [JobKind, JobState];
      return { jobs: { ...st.jobs, [kind]: { ...j, ...p } } };
    }),
  addSharpnessPoint: (runId, epoch, result) =>
    set((st) => ({
      sharpnessTrack:
        st.sharpnessTrack.runId === runId
          ? { runId, points: [...st.sharpnessTrack.points, { epoch, result }] }
          : { runId, points: [{ epoch, result }] },
    })),
  setTrackSharpness: (trackSharpness) => set({ trackSharpness, trackError: null }),
  setTrackError: (trackError) => set({ trackError }),
  setKeptRuns: (keptRuns) => set({ keptRuns }),
});
