/**
 * Small real datasets for engine tests: teaching-set crystals with few atoms keep cpu steps fast.
 * Test support only.
 */
import type { TrainConfigInput } from '../../core/recipe.ts';
import { featurizeDataset, type FeaturizedDataset } from '../../data/dataset.ts';
import { generateTeachingSet } from '../../data/synthetic.ts';

/** `n` teaching-set crystals with at most `maxAtoms` atoms each, featurized like the lab does. */
export async function smallDataset(n: number, maxAtoms: number): Promise<FeaturizedDataset> {
  const ts = generateTeachingSet({ size: n * 8 });
  const entries = ts.entries.filter((e) => e.structure.numbers.length <= maxAtoms).slice(0, n);
  if (entries.length < n) throw new Error('not enough small crystals');
  return featurizeDataset({ ...ts, entries });
}

/** A tiny, fast recipe for engine tests: 3 epochs, batch 8, a small model, no top-k checkpoints. */
export const TINY: TrainConfigInput = {
  epochs: 3,
  batchSize: 8,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 4,
  topK: 0,
};
