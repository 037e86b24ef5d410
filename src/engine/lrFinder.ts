/**
 * The learning-rate range test on the real model: fastai's `lr_find` (src/core/lrFinder.ts holds the
 * semantics, matched there) driven by training steps of a Trainer's recipe — same model, loss,
 * clipping and NaN guard — on a COPY of the training state:
 *
 * - the model weights and BatchNorm buffers are read back before the sweep and written back after it
 *   (bit-identical afterwards, whatever happened during the sweep);
 * - the sweep uses its own, fresh optimizer of the run's kind and hyper-parameters (as fastai's lr_find
 *   on a fresh Learner; the trainer's optimizer and its slots are never touched);
 * - batches come from a child RNG stream (`fork(seed, 'lr-finder')`), so the trainer's shuffles are
 *   unchanged.
 *
 * Sweep: before iteration i the lr is startLr·(endLr/startLr)^(i/numIt) (numIt raised to ≥ 6); the
 * momentum/β₁ stays the optimizer config's (fastai does not cycle it during lr_find). After each step the
 * raw loss is read back (one `await data()` per step: the stop rule needs it) and smoothed with fastai's
 * debiased EMA (β = 0.98); the test stops when the smoothed loss exceeds 4× the best one or is NaN, or
 * after numIt iterations. Suggestions (valley, steep, minimum) are fastai's, on fastai's trimmed series.
 *
 * Divergence: the raw loss of a step whose update was refused by the NaN guard is still recorded (NaN);
 * fastai would have applied a NaN update and carried on.
 */
import * as tf from '@tensorflow/tfjs';
import {
  LR_FINDER_DEFAULTS,
  lrFinderInit,
  lrFinderIterations,
  lrFinderLrAt,
  lrFinderStep,
  suggestLrs,
  type LrFinderConfig,
  type LrFinderStop,
  type LrSuggestions,
} from '../core/lrFinder.ts';
import { createRng, fork, shuffle, type RngState } from '../core/rng.ts';
import { avgSmoothLossInit, avgSmoothLossStep, avgSmoothLossValue } from '../core/smoothing.ts';
import { DeviceOptimizer } from './optim.ts';
import { trainStep, type Trainer } from './trainer.ts';

export interface LrFinderOptions extends Partial<LrFinderConfig> {
  /** Called after each iteration with (iteration, lr, smoothed loss). */
  onIteration?: (i: number, lr: number, smoothedLoss: number) => void;
  /** Checked before each iteration; return true to abort (stoppedBy 'aborted'). */
  shouldAbort?: () => boolean;
}

export interface LrFinderResult {
  /** The lr of each iteration run. */
  readonly lrs: Float64Array;
  /** fastai's smoothed loss (debiased EMA, β = 0.98) after each iteration. */
  readonly losses: Float64Array;
  /** The raw batch losses (normalised units). */
  readonly rawLosses: Float64Array;
  /** The three suggestions and the trimmed series they refer to; null when too few points survive. */
  readonly suggestion: LrSuggestions | null;
  readonly stoppedBy: LrFinderStop | 'aborted';
  readonly config: LrFinderConfig;
}

/**
 * Runs the LR range test for `trainer`'s recipe and restores its state afterwards (see the module doc).
 * It runs between two training steps (the trainer's lock is held; best called before `run()` or while
 * paused, since a running trainer waits for it). Throws for an invalid
 * sweep (startLr/endLr not > 0, numIt not a positive integer).
 */
export function findLr(trainer: Trainer, options: LrFinderOptions = {}): Promise<LrFinderResult> {
  return trainer.runExclusive(() => sweep(trainer, options));
}

async function sweep(trainer: Trainer, options: LrFinderOptions): Promise<LrFinderResult> {
  const config: LrFinderConfig = {
    startLr: options.startLr ?? LR_FINDER_DEFAULTS.startLr,
    endLr: options.endLr ?? LR_FINDER_DEFAULTS.endLr,
    numIt: options.numIt ?? LR_FINDER_DEFAULTS.numIt,
    stopDiv: options.stopDiv ?? LR_FINDER_DEFAULTS.stopDiv,
  };
  let state = lrFinderInit(config);
  const n = lrFinderIterations(config.numIt);
  const cfg = trainer.config;
  const rows = Array.from(trainer.trainRows);
  const bs = cfg.batchSize;

  const saved = await trainer.model.readWeights();
  const optimizer = new DeviceOptimizer(cfg.optimizer, trainer.model.params);
  const lrs: number[] = [];
  const raw: number[] = [];
  const smooth: number[] = [];
  let smoother = avgSmoothLossInit();
  let stoppedBy: LrFinderStop | 'aborted' = 'done';
  try {
    let rng: RngState = fork(createRng(cfg.seed), 'lr-finder');
    let order: number[] = [];
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (options.shouldAbort?.() === true) {
        stoppedBy = 'aborted';
        break;
      }
      if (pos >= order.length) {
        [order, rng] = shuffle(rng, rows);
        pos = 0;
      }
      const batch = order.slice(pos, pos + bs);
      pos += bs;
      const lr = lrFinderLrAt(config.startLr, config.endLr, config.numIt, i);
      const t = trainer.batchTensors(batch);
      let rec: tf.Tensor1D;
      try {
        rec = trainStep(trainer.model, optimizer, t, cfg.loss, cfg.clip.maxNorm, lr, null);
      } finally {
        tf.dispose([t.atomFea, t.bondFea, t.nbrIdx, t.revIdx, t.pool, t.targets]);
      }
      let loss: number;
      try {
        loss = (await rec.data())[0]!;
      } finally {
        rec.dispose();
      }
      smoother = avgSmoothLossStep(smoother, loss);
      const s = avgSmoothLossValue(smoother);
      lrs.push(lr);
      raw.push(loss);
      smooth.push(s);
      options.onIteration?.(i, lr, s);
      state = lrFinderStep(config, state, s);
      if (state.stop !== null) {
        stoppedBy = state.stop;
        break;
      }
    }
  } finally {
    optimizer.dispose();
    trainer.model.writeWeights(saved);
  }
  return {
    lrs: Float64Array.from(lrs),
    losses: Float64Array.from(smooth),
    rawLosses: Float64Array.from(raw),
    suggestion: lrs.length > 0 ? suggestLrs(lrs, smooth, config.numIt) : null,
    stoppedBy,
    config,
  };
}
