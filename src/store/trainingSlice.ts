import type { StateCreator } from 'zustand';
import type {
  EpochRecord,
  EvalResult,
  LrFinderOutcome,
  NanEvent,
  RunPlan,
  RunResult,
  StepRecords,
  TrainerStatus,
} from '../worker/protocol.ts';

/** Per-step series for the charts (appended batch by batch as the worker sends them). */
export interface StepSeries {
  step: number[];
  loss: number[];
  lr: number[];
  momentum: number[];
  gradPre: number[];
  gradPost: number[];
  clipped: number[];
  ok: number[];
}

const emptySeries = (): StepSeries => ({
  step: [],
  loss: [],
  lr: [],
  momentum: [],
  gradPre: [],
  gradPost: [],
  clipped: [],
  ok: [],
});

export interface TrainingSlice {
  training: {
    runId: string | null;
    status: TrainerStatus | 'starting';
    plan: RunPlan | null;
    series: StepSeries;
    epochs: EpochRecord[];
    nanEvents: NanEvent[];
    result: RunResult | null;
    error: string | null;
  };
  /** The last evaluation of the current run's model on a split (predictions vs targets). */
  evaluation: EvalResult | null;
  evaluated(runId: string, r: EvalResult): void;
  /** The last checkpoint the worker saved (JSON text), for download. */
  checkpoint: { runId: string; text: string; epoch: number; globalStep: number } | null;
  lrFinder: {
    runId: string | null;
    running: boolean;
    progress: { iteration: number; lr: number; loss: number } | null;
    outcome: LrFinderOutcome | null;
    error: string | null;
  };
  runRequested(runId: string): void;
  runStarted(runId: string, plan: RunPlan): void;
  runSteps(runId: string, r: StepRecords): void;
  runEpoch(runId: string, r: EpochRecord): void;
  runNan(runId: string, e: NanEvent): void;
  runStatus(runId: string, s: TrainerStatus): void;
  runFinished(runId: string, r: RunResult): void;
  runFailed(runId: string, message: string): void;
  checkpointSaved(c: { runId: string; text: string; epoch: number; globalStep: number }): void;
  lrFinderRequested(runId: string): void;
  lrFinderProgress(runId: string, p: { iteration: number; lr: number; loss: number }): void;
  lrFinderDone(runId: string, o: LrFinderOutcome): void;
  lrFinderFailed(runId: string, message: string): void;
}

/** The state of a run that has just been asked for (or of no run yet, with runId null). */
const freshRun = (runId: string | null): TrainingSlice['training'] => ({
  runId,
  status: runId === null ? 'idle' : 'starting',
  plan: null,
  series: emptySeries(),
  epochs: [],
  nanEvents: [],
  result: null,
  error: null,
});

export const createTrainingSlice: StateCreator<TrainingSlice, [], [], TrainingSlice> = (set, get) => {
  const current = (runId: string) => get().training.runId === runId;
  const patch = (p: Partial<TrainingSlice['training']>) =>
    set((s) => ({ training: { ...s.training, ...p } }));
  const patchLr = (p: Partial<TrainingSlice['lrFinder']>) =>
    set((s) => ({ lrFinder: { ...s.lrFinder, ...p } }));
  return {
    training: freshRun(null),
    lrFinder: { runId: null, running: false, progress: null, outcome: null, error: null },
    checkpoint: null,
    evaluation: null,
    evaluated: (runId, evaluation) => current(runId) && set({ evaluation }),
    checkpointSaved: (c) => current(c.runId) && set({ checkpoint: c }),
    runRequested: (runId) =>
      set({
        evaluation: null,
        training: freshRun(runId),
      }),
    runStarted: (runId, plan) => current(runId) && patch({ plan, epochs: [...plan.history] }),
    runSteps: (runId, r) => {
      if (!current(runId)) return;
      const s = get().training.series;
      const n = r.loss.length;
      patch({
        series: {
          step: [...s.step, ...Array.from({ length: n }, (_, i) => r.firstStep + i)],
          loss: [...s.loss, ...r.loss],
          lr: [...s.lr, ...r.lr],
          momentum: [...s.momentum, ...r.momentum],
          gradPre: [...s.gradPre, ...r.gradNormPre],
          gradPost: [...s.gradPost, ...r.gradNormPost],
          clipped: [...s.clipped, ...r.clipped],
          ok: [...s.ok, ...r.ok],
        },
      });
    },
    runEpoch: (runId, r) => current(runId) && patch({ epochs: [...get().training.epochs, r] }),
    runNan: (runId, e) => current(runId) && patch({ nanEvents: [...get().training.nanEvents, e] }),
    runStatus: (runId, status) => current(runId) && patch({ status }),
    runFinished: (runId, result) => current(runId) && patch({ result }),
    runFailed: (runId, message) => current(runId) && patch({ error: message, status: 'stopped' }),
    lrFinderRequested: (runId) =>
      set({ lrFinder: { runId, running: true, progress: null, outcome: null, error: null } }),
    lrFinderProgress: (runId, progress) => get().lrFinder.runId === runId && patchLr({ progress }),
    lrFinderDone: (runId, outcome) => get().lrFinder.runId === runId && patchLr({ outcome, running: false }),
    lrFinderFailed: (runId, error) => get().lrFinder.runId === runId && patchLr({ error, running: false }),
  };
};
