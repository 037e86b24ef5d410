import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lrSweep, suggestLrs } from '../core/lrFinder.ts';
import { fastaiSmoothLosses } from '../core/smoothing.ts';
import type { FeaturizedDataset } from '../data/dataset.ts';
import { withDefaults, type TrainConfigInput } from '../core/recipe.ts';
import { findLr } from './lrFinder.ts';
import { Trainer, type StepRecords } from './trainer.ts';
import { smallDataset } from './testing/fixtures.ts';

const TINY: TrainConfigInput = {
  epochs: 2,
  batchSize: 8,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 4,
  topK: 0,
};

describe('LR range test (cpu)', () => {
  let ds: FeaturizedDataset;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = await smallDataset(40, 8);
  }, 60_000);

  it('sweeps exponentially, smooths like fastai, stops on divergence, and restores the state bit for bit', async () => {
    const t = new Trainer(ds, withDefaults({ ...TINY, clip: { maxNorm: null } }));
    // Take one real step first so that the optimizer has non-trivial state to preserve.
    t.pause();
    const run = t.run();
    await t.stepOnce();
    const weights = await t.model.readWeights();
    const opt = await t.optimizer.getState();
    const before = tf.memory().numTensors;

    const res = await findLr(t, { startLr: 1e-5, endLr: 1e4, numIt: 40 });

    expect(tf.memory().numTensors).toBe(before);
    expect(await t.model.readWeights()).toEqual(weights);
    expect(await t.optimizer.getState()).toEqual(opt);
    const n = res.lrs.length;
    expect(n).toBeGreaterThan(10);
    expect(Array.from(res.lrs)).toEqual(Array.from(lrSweep(1e-5, 1e4, 40).slice(0, n)));
    expect(Array.from(res.losses)).toEqual(Array.from(fastaiSmoothLosses(res.rawLosses)));
    // An lr of 1e4 blows any model up: the test stops before the end of the sweep.
    expect(res.stoppedBy === 'diverged' || res.stoppedBy === 'nan').toBe(true);
    expect(n).toBeLessThan(40);
    if (res.stoppedBy === 'diverged') {
      const best = Math.min(...Array.from(res.losses).slice(0, n - 1));
      expect(res.losses[n - 1]!).toBeGreaterThan(4 * Math.min(best, res.losses[n - 1]!));
    }
    expect(res.suggestion).toEqual(suggestLrs(res.lrs, res.losses, 40));
    expect(res.suggestion).not.toBeNull();
    const v = res.suggestion!.valley.lr;
    expect(v).toBeGreaterThanOrEqual(1e-5);
    expect(v).toBeLessThan(res.lrs[n - 1]!);

    t.stop();
    await run;
    t.dispose();
  }, 60_000);

  it('does not disturb the run: training after the finder equals training without it', async () => {
    const losses: Float32Array[] = [];
    for (const withFinder of [false, true]) {
      const chunks: StepRecords[] = [];
      const t = new Trainer(ds, withDefaults(TINY), { onSteps: (r) => chunks.push(r) });
      if (withFinder) await findLr(t, { numIt: 10, endLr: 1 });
      await t.run();
      losses.push(Float32Array.from(chunks.flatMap((c) => Array.from(c.loss))));
      t.dispose();
    }
    expect(losses[1]).toEqual(losses[0]);
  }, 60_000);

  it('can be aborted', async () => {
    const t = new Trainer(ds, withDefaults(TINY));
    let k = 0;
    const res = await findLr(t, { numIt: 50, shouldAbort: () => k++ >= 3 });
    expect(res.stoppedBy).toBe('aborted');
    expect(res.lrs).toHaveLength(3);
    t.dispose();
  });
});
