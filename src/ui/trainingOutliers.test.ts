import { describe, expect, it } from 'vitest';
import { filterOutliers } from '../core/outliers.ts';
import type { DatasetInfo } from '../worker/protocol.ts';
import { trainingOutliers } from './trainingOutliers.ts';

const info = (targets: number[]) =>
  ({
    trainRows: { ids: [], targets: Float64Array.from(targets), formulas: [], atoms: new Uint16Array() },
  }) as unknown as DatasetInfo;

describe('trainingOutliers', () => {
  it('is the core filter on the training targets, computed once per dataset and config', () => {
    const d = info([1, 1.1, 0.9, 1.05, 0.95, 2000]);
    const a = trainingOutliers(d, { method: 'mad', k: 4 });
    expect(a).toEqual(filterOutliers({ method: 'mad', k: 4 }, d.trainRows.targets));
    expect(Array.from(a!.removed)).toEqual([5]);
    expect(trainingOutliers(d, { method: 'mad', k: 4 })).toBe(a); // cached
    expect(trainingOutliers(d, { method: 'mad', k: 1e6 })?.removed.length).toBe(0); // another config
  });
  it('is null without targets or for a config the filter refuses', () => {
    expect(trainingOutliers(info([]), { method: 'sigma', k: 4 })).toBeNull();
    expect(trainingOutliers(info([1, 2, 3]), { method: 'sigma', k: -1 })).toBeNull();
  });
});
