/**
 * Made-up runs for the history's unit tests (bundle, CSV, comparison): a complete {@link RunMeta}, epoch
 * records and a per-step series with the awkward values a format must keep. Test support only.
 */
import { withDefaults } from '../../../core/recipe.ts';
import type { EpochRecord } from '../../../worker/protocol.ts';
import type { RunMeta, StepTable } from '../types.ts';

export const FINGERPRINT = 'c0ffee'.repeat(10) + 'abcd';

/**
 * Epoch `epoch` of a 5-step-per-epoch run: MAE 0.3/epoch (val), the test split `testOffset` higher;
 * `pearson` and `spearman` as given (NaN, −0 …), best epoch 1.
 */
export function fakeEpoch(
  epoch: number,
  o: { pearson?: number; spearman?: number; testOffset?: number; lr?: number } = {},
): EpochRecord {
  const split = (k: number) => ({
    n: 6,
    loss: 0.5 / epoch + k,
    mae: 0.3 / epoch + k,
    rmse: 0.4 / epoch + k,
    r2: 0.7 + 0.01 * epoch,
    pearson: o.pearson ?? 0.93,
    spearman: o.spearman ?? 0.81,
  });
  return {
    epoch,
    globalStep: 5 * epoch,
    trainLoss: 0.9 / epoch,
    nanSteps: epoch - 1,
    val: split(0),
    test: split(o.testOffset ?? 0.05),
    lr: o.lr ?? 0.01 / epoch,
    lrScale: 1,
    plateauFactor: 1,
    improved: epoch === 1,
    bestValMae: 0.3,
    bestEpoch: 1,
    epochMs: 123.5 * epoch,
  };
}

/**
 * A finished run of 2 epochs × 5 steps (NaN Pearson in epoch 1, one NaN event, top-1 at epoch 1), with a
 * name that needs quoting; `overrides` replace any field.
 */
export function fakeRun(overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    id: 'run-1',
    name: 'tiny, "quoted"\nrun',
    tags: ['a', 'b'],
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_100_000,
    status: 'done',
    error: null,
    config: withDefaults({ epochs: 2, batchSize: 4, model: { atomFeaLen: 4, nConv: 1, hFeaLen: 8 } }),
    dataset: {
      fingerprint: FINGERPRINT,
      name: 'built-in teaching set',
      target: 'formation_energy',
      choice: { kind: 'builtin', size: 40, noise: 0.02, outliers: 0 },
      size: 40,
      split: { train: 20, val: 10, test: 10, seed: 0 },
      normalizer: { mean: -1.5, std: 0.25 },
    },
    backend: 'cpu',
    stepsPerEpoch: 5,
    totalSteps: 10,
    outliers: null,
    epochs: [fakeEpoch(1, { pearson: NaN }), fakeEpoch(2, { pearson: 0.93 })],
    nanEvents: [
      { step: 7, epoch: 1, kind: 'nonfinite-loss', action: 'skip', lrScale: 1, restoredToStep: null },
    ],
    result: {
      end: 'completed',
      epochs: 2,
      globalStep: 10,
      bestValMae: 0.3,
      bestEpoch: 1,
      restoredBest: false,
    },
    stepsFrom: 0,
    stepsStored: 10,
    activeMs: 4567.25,
    resumePoint: { epoch: 2, globalStep: 10 },
    topK: [{ epoch: 1, valMae: 0.3 }],
    ...overrides,
  };
}

/** An `n`-step Float32 series; from 8 steps on, `loss` holds NaN (with a payload), −0, ±∞ and a subnormal. */
export function fakeSteps(n = 10): StepTable {
  const col = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const loss = col((i) => 1 / (i + 1));
  if (n >= 8) {
    new Uint32Array(loss.buffer)[3] = 0x7fc0beef;
    loss[4] = -0;
    loss[5] = Infinity;
    loss[6] = -Infinity;
    loss[7] = 1e-45;
  }
  return {
    loss,
    lr: col((i) => 0.001 * (i + 1)),
    momentum: col(() => 0.9),
    gradPre: col((i) => Math.sqrt(i + 0.1)),
    gradPost: col((i) => Math.min(1, Math.sqrt(i + 0.1))),
    clipped: col((i) => (Math.sqrt(i + 0.1) > 1 ? 1 : 0)),
    ok: col((i) => (i === 3 ? 0 : 1)),
  };
}
