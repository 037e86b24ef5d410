import type { StateCreator } from 'zustand';
import { stepColumns } from './history/types.ts';
import type {
  EpochRecord,
  EvalResult,
  LrFinderOutcome,
  NanEvent,
  RunPlan,
  RunResult,
  StepRecords,
  TrainerStatus,
  WeightHealth,
} from '../worker/protocol.ts';

/**
 * Per-step series for the charts, appended batch by batch as the worker sends them. The arrays grow in
 * place (amortised O(1) per step, so a 100-epoch run does not copy its history at every batch); each
 * append bumps `training.seriesVersion`, which is what components memoise on.
 */
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

/** Per-step columns to append (a worker batch, or a stored run's series). */
type SeriesColumns = Record<Exclude<keyof StepSeries, 'step'>, ArrayLike<number>>;

/** Appends steps firstStep … firstStep + n − 1 to the series, in place. */
function appendSeries(s: StepSeries, firstStep: number, cols: SeriesColumns): void {
  for (let i = 0; i < cols.loss.length; i++) {
    s.step.push(firstStep + i);
    s.loss.push(cols.loss[i]!);
    s.lr.push(cols.lr[i]!);
    s.momentum.push(cols.momentum[i]!);
    s.gradPre.push(cols.gradPre[i]!);
    s.gradPost.push(cols.gradPost[i]!);
    s.clipped.push(cols.clipped[i]!);
    s.ok.push(cols.ok[i]!);
  }
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
    /** Bumped at every append to `series`. */
    seriesVersion: number;
    /** Wall-clock bookkeeping for crystals/s and the ETA: time spent running (paused time excluded). */
    clock: { runningSince: number | null; activeMs: number; firstStep: number | null };
    epochs: EpochRecord[];
    nanEvents: NanEvent[];
    result: RunResult | null;
    /** The weights read back after the run ended. */
    weights: WeightHealth | null;
    error: string | null;
  };
  /** The last evaluation of the current run's model on each split (predictions vs targets). */
  evaluations: Partial<Record<EvalResult['split'], EvalResult>>;
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
  /** Puts a resumed run's earlier steps (from the run history) in front of its series. */
  runSeriesPrefill(runId: string, firstStep: number, cols: SeriesColumns): void;
  runEpoch(runId: string, r: EpochRecord): void;
  runNan(runId: string, e: NanEvent): void;
  runStatus(runId: string, s: TrainerStatus): void;
  runFinished(runId: string, r: RunResult, weights: WeightHealth): void;
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
  seriesVersion: 0,
  clock: { runningSince: null, activeMs: 0, firstStep: null },
  epochs: [],
  nanEvents: [],
  result: null,
  weights: null,
  error: null,
});

/** The clock after a status change at time `now` (ms): running time accumulates only while running. */
export function tickClock(
  clock: TrainingSlice['training']['clock'],
  status: TrainerStatus | 'starting',
  now: number,
): TrainingSlice['training']['clock'] {
  const activeMs = clock.activeMs + (clock.runningSince !== null ? now - clock.runningSince : 0);
  return { ...clock, activeMs, runningSince: status === 'running' ? now : null };
}

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
    evaluations: {},
    evaluated: (runId, e) =>
      current(runId) && set((s) => ({ evaluations: { ...s.evaluations, [e.split]: e } })),
    checkpointSaved: (c) => current(c.runId) && set({ checkpoint: c }),
    runRequested: (runId) =>
      set({
        evaluations: {},
        training: freshRun(runId),
      }),
    runStarted: (runId, plan) => current(runId) && patch({ plan, epochs: [...plan.history] }),
    runSteps: (runId, r) => {
      if (!current(runId)) return;
      const t = get().training;
      const s = t.series;
      appendSeries(s, r.firstStep, stepColumns(r));
      patch({
        seriesVersion: t.seriesVersion + 1,
        clock: t.clock.firstStep === null ? { ...t.clock, firstStep: r.firstStep } : t.clock,
      });
    },
    runSeriesPrefill: (runId, firstStep, cols) => {
      if (!current(runId)) return;
      const t = get().training;
      const s = t.series;
      appendSeries(s, firstStep, cols);
      patch({ seriesVersion: t.seriesVersion + 1 });
    },
    runEpoch: (runId, r) => current(runId) && patch({ epochs: [...get().training.epochs, r] }),
    runNan: (runId, e) => current(runId) && patch({ nanEvents: [...get().training.nanEvents, e] }),
    runStatus: (runId, status) =>
      current(runId) && patch({ status, clock: tickClock(get().training.clock, status, performance.now()) }),
    runFinished: (runId, result, weights) => current(runId) && patch({ result, weights }),
    runFailed: (runId, message) =>
      current(runId) &&
      patch({
        error: message,
        status: 'stopped',
        clock: tickClock(get().training.clock, 'stopped', performance.now()),
      }),
    lrFinderRequested: (runId) =>
      set({ lrFinder: { runId, running: true, progress: null, outcome: null, error: null } }),
    lrFinderProgress: (runId, progress) => get().lrFinder.runId === runId && patchLr({ progress }),
    lrFinderDone: (runId, outcome) => get().lrFinder.runId === runId && patchLr({ outcome, running: false }),
    lrFinderFailed: (runId, error) => get().lrFinder.runId === runId && patchLr({ error, running: false }),
  };
};
