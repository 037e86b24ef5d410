/**
 * The worker's training jobs: one run at a time on the loaded dataset, controlled by messages that act
 * between steps (the trainer yields after every step, so pause/stop arrive promptly). Per-step metrics go
 * out in batches with their Float32Arrays transferred, never as whole histories.
 */
import {
  assertCheckpoint,
  deserializeCheckpoint,
  serializeCheckpoint,
  type Checkpoint,
} from '../engine/checkpoint.ts';
import { lrLabel, referenceLr, withDefaults, type TrainConfigInput } from '../core/recipe.ts';
import { currentWeights, type Weights } from '../engine/landscape.ts';
import { findLr } from '../engine/lrFinder.ts';
import {
  Trainer,
  type EpochRecord,
  type RunResult,
  type StepRecords,
  type TrainerHooks,
} from '../engine/trainer.ts';
import { currentDataset } from './datasets.ts';
import type { FromWorker, KeptRun } from './protocol.ts';

type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

let run: { runId: string; trainer: Trainer; fingerprint: string } | null = null;

/** The current run (the last one started or resumed, finished or not), or null before the first. */
export function currentRun(): { runId: string; trainer: Trainer; fingerprint: string } | null {
  return run;
}

/**
 * Listeners of the current run's life (the landscape jobs use them): `epoch` is called synchronously
 * from the trainer's epoch hook (still between two steps, so a `runExclusive` queued there runs before
 * the next step); `replacing` just before a new start or resume stops and releases the run `runId`.
 */
export interface RunListener {
  epoch?: (runId: string, record: EpochRecord) => void;
  replacing?: (runId: string) => void;
}
const listeners: RunListener[] = [];

export function addRunListener(l: RunListener): void {
  listeners.push(l);
}

/** A finished run's final weights, kept for interpolation. */
export interface KeptWeights {
  readonly info: KeptRun;
  readonly weights: Weights;
  /** The dataset it was trained on. */
  readonly fingerprint: string;
}

/** How many finished runs' weights are kept (the oldest is dropped). */
export const KEEP_RUNS = 4;
let kept: KeptWeights[] = [];

/** The kept final weights of run `runId`, or null. */
export function keptWeights(runId: string): KeptWeights | null {
  return kept.find((k) => k.info.runId === runId) ?? null;
}

/** Reads the ended run's final weights and keeps them (last {@link KEEP_RUNS}); posts 'weights-kept'. */
async function keepFinalWeights(
  runId: string,
  trainer: Trainer,
  result: RunResult,
  fingerprint: string,
  post: Post,
): Promise<void> {
  if (result.globalStep === 0) return;
  let weights: Weights;
  try {
    weights = await currentWeights(trainer);
  } catch {
    return; // released meanwhile (a new run replaced it): nothing to keep
  }
  const c = trainer.config;
  const maxLr = referenceLr(c.schedule);
  const last = trainer.history[trainer.history.length - 1];
  const info: KeptRun = {
    runId,
    label: `${c.optimizer.kind} · batch ${c.batchSize} · ${lrLabel(c.schedule)} · seed ${c.seed}`,
    batchSize: c.batchSize,
    maxLr,
    finalValMae: result.restoredBest ? result.bestValMae : (last?.val.mae ?? Number.NaN),
    finishedAt: Date.now(),
  };
  kept = [...kept.filter((k) => k.info.runId !== runId), { info, weights, fingerprint }].slice(-KEEP_RUNS);
  post({ type: 'weights-kept', runId, runs: kept.map((k) => k.info) });
}

function requireDataset() {
  const ds = currentDataset();
  if (ds === null)
    throw new Error('No dataset is loaded: load one (or the built-in teaching set) before training.');
  return ds;
}

/** The Float32Arrays of a step batch, for transfer. */
function buffersOf(r: StepRecords): ArrayBuffer[] {
  return [r.lr, r.momentum, r.loss, r.gradNormPre, r.gradNormPost, r.clipped, r.ok, r.stepMs].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

function hooksFor(runId: string, post: Post): TrainerHooks {
  return {
    onSteps: (records) => post({ type: 'run-steps', runId, records }, buffersOf(records)),
    onEpoch: (record) => {
      post({ type: 'run-epoch', runId, record });
      for (const l of listeners) l.epoch?.(runId, record);
    },
    onNanEvent: (event) => post({ type: 'run-nan', runId, event }),
    onCheckpoint: (checkpoint, info) =>
      post({ type: 'run-checkpoint', runId, checkpoint, final: false, ...info }),
  };
}

/** Stops and releases the current run, if any (a new start or resume replaces it). */
async function endCurrent(): Promise<void> {
  if (run === null) return;
  for (const l of listeners) l.replacing?.(run.runId);
  run.trainer.stop();
  await run.trainer.runExclusive(() => Promise.resolve());
  run.trainer.dispose();
  run = null;
}

/** Announces the run's plan, trains to the end (or stop), reports the result. */
async function drive(runId: string, trainer: Trainer, fingerprint: string, post: Post): Promise<void> {
  run = { runId, trainer, fingerprint };
  post({
    type: 'run-started',
    runId,
    plan: {
      config: trainer.config,
      stepsPerEpoch: trainer.stepsPerEpoch,
      totalSteps: trainer.totalSteps,
      plannedLr: Float32Array.from(trainer.planned.lr),
      plannedMomentum: trainer.planned.momentum ? Float32Array.from(trainer.planned.momentum) : null,
      outliers: trainer.outlierReport,
      normalizer: trainer.normalizer,
      datasetFingerprint: fingerprint,
      history: [...trainer.history],
    },
  });
  post({ type: 'run-status', runId, status: 'running' });
  try {
    await finish(runId, trainer, fingerprint, post);
  } catch (e) {
    // The run itself broke (not a request about it): its record ends here; 'error' follows for the page.
    post({ type: 'run-failed', runId, message: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

/** Trains to the end (or stop) and reports the result, the final checkpoint and the kept weights. */
async function finish(runId: string, trainer: Trainer, fingerprint: string, post: Post): Promise<void> {
  const result = await trainer.run();
  const weights = await trainer.weightHealth();
  post({ type: 'run-status', runId, status: trainer.status });
  // The final weights and position, for the run history (a stopped run resumes from here). Best effort:
  // a run being replaced may already be released; its last epoch's checkpoint is then its resume point.
  if (result.globalStep > 0) {
    let checkpoint: Checkpoint | null;
    try {
      checkpoint = await trainer.checkpoint(); // throws at once when the trainer is already released
    } catch {
      checkpoint = null;
    }
    if (checkpoint !== null) {
      const topK = trainer.topCheckpoints.map((t) => ({ epoch: t.epoch, valMae: t.valMae }));
      post({ type: 'run-checkpoint', runId, checkpoint, final: true, valMae: null, inTopK: false, topK });
    }
  }
  post({ type: 'run-finished', runId, result, weights });
  await keepFinalWeights(runId, trainer, result, fingerprint, post);
}

export async function startRun(runId: string, input: TrainConfigInput, post: Post): Promise<void> {
  const dataset = requireDataset();
  const config = withDefaults(input);
  await endCurrent();
  await drive(runId, new Trainer(dataset, config, hooksFor(runId, post)), dataset.fingerprint, post);
}

export async function resumeFromCheckpoint(
  runId: string,
  saved: string | Checkpoint,
  post: Post,
): Promise<void> {
  const dataset = requireDataset();
  let checkpoint: Checkpoint;
  if (typeof saved === 'string') checkpoint = deserializeCheckpoint(saved);
  else {
    assertCheckpoint(saved);
    checkpoint = saved;
  }
  await endCurrent();
  await drive(
    runId,
    Trainer.fromCheckpoint(dataset, checkpoint, hooksFor(runId, post)),
    dataset.fingerprint,
    post,
  );
}

export async function saveCheckpoint(runId: string, post: Post): Promise<void> {
  if (run === null || run.runId !== runId) throw new Error('There is no run to save: start training first.');
  const ck = await run.trainer.checkpoint();
  post({
    type: 'checkpoint',
    runId,
    text: serializeCheckpoint(ck),
    epoch: ck.epoch,
    globalStep: ck.globalStep,
  });
}

export function controlRun(
  runId: string,
  action: 'pause' | 'resume' | 'step-once' | 'stop',
  post: Post,
): void {
  if (run === null || run.runId !== runId) return;
  const t = run.trainer;
  switch (action) {
    case 'pause':
      t.pause();
      break;
    case 'resume':
      t.resume();
      break;
    case 'step-once':
      // Only while paused (a click racing a resume finds it running: nothing to do).
      if (t.status === 'paused')
        void t.stepOnce().then(() => post({ type: 'run-status', runId, status: t.status }));
      break;
    case 'stop':
      t.stop();
      break;
  }
  post({ type: 'run-status', runId, status: t.status });
}

export async function lrFinderJob(
  runId: string,
  input: TrainConfigInput,
  sweep: { numIt?: number; startLr?: number; endLr?: number },
  post: Post,
): Promise<void> {
  const trainer = new Trainer(requireDataset(), withDefaults(input));
  try {
    let last = 0;
    const result = await findLr(trainer, {
      ...sweep,
      onIteration: (iteration, lr, loss) => {
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        post({ type: 'lr-finder-progress', runId, iteration, lr, loss });
      },
    });
    post({
      type: 'lr-finder-result',
      runId,
      outcome: {
        lrs: result.lrs,
        losses: result.losses,
        rawLosses: result.rawLosses,
        suggestion: result.suggestion,
        stoppedBy: result.stoppedBy,
      },
    });
  } finally {
    trainer.dispose();
  }
}

export async function evaluateJob(runId: string, split: 'train' | 'val' | 'test', post: Post): Promise<void> {
  if (run === null) throw new Error('There is no run to evaluate: start training first.');
  post({ type: 'evaluation', runId, result: await run.trainer.evaluate(split) });
}
