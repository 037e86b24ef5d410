import { describe, expect, it } from 'vitest';
import { oneCycleSpec, withDefaults } from '../../core/recipe.ts';
import type { EpochRecord } from '../../worker/protocol.ts';
import { fakeRun } from './testing/fixtures.ts';
import { configDiff, delta, filterRuns, runSummary, sortRuns } from './compare.ts';
import type { RunMeta } from './types.ts';

const m = (mae: number) => ({
  n: 10,
  loss: mae,
  mae,
  rmse: 2 * mae,
  r2: 0.5,
  pearson: 1 - mae,
  spearman: 1 - mae / 2,
});

function epoch(e: number, val: number, best: { epoch: number; mae: number }): EpochRecord {
  return {
    epoch: e,
    globalStep: e * 10,
    trainLoss: val,
    nanSteps: 0,
    val: m(val),
    test: m(val + 0.01),
    lr: 0.001,
    lrScale: 1,
    plateauFactor: 1,
    improved: best.epoch === e,
    bestValMae: best.mae,
    bestEpoch: best.epoch,
    epochMs: 5,
  };
}

function run(id: string, p: Partial<RunMeta> = {}): RunMeta {
  return fakeRun({
    id,
    name: `run ${id}`,
    tags: [],
    createdAt: 1000,
    config: withDefaults({}),
    epochs: [],
    nanEvents: [],
    result: null,
    stepsStored: 0,
    activeMs: 0,
    ...p,
  });
}

describe('runSummary', () => {
  it('reports the best epoch by validation MAE (as the Train view and cgcnn do), with time and steps', () => {
    const r = run('a', {
      epochs: [
        epoch(1, 0.5, { epoch: 1, mae: 0.5 }),
        epoch(2, 0.3, { epoch: 2, mae: 0.3 }),
        epoch(3, 0.4, { epoch: 2, mae: 0.3 }),
      ],
      result: {
        end: 'completed',
        epochs: 3,
        globalStep: 30,
        bestValMae: 0.3,
        bestEpoch: 2,
        restoredBest: false,
      },
      activeMs: 1234,
    });
    const s = runSummary(r);
    expect(s.reportedEpoch).toBe(2);
    expect(s.val).toEqual({ mae: 0.3, rmse: 0.6, pearson: 0.7, spearman: 0.85, r2: 0.5 });
    expect(s.test?.mae).toBeCloseTo(0.31, 12);
    expect(s.bestEpoch).toBe(2);
    expect(s.epochs).toBe(3);
    expect(s.steps).toBe(30);
    expect(s.timeMs).toBe(1234);
    expect(s.maxLr).toBe(0.003);
  });
  it('a run without epochs has no metrics; steps come from the stored series', () => {
    const s = runSummary(run('b', { stepsFrom: 4, stepsStored: 3 }));
    expect(s.val).toBeNull();
    expect(s.bestEpoch).toBeNull();
    expect(s.steps).toBe(7);
  });
});

describe('sortRuns / filterRuns', () => {
  const a = run('a', {
    name: 'Alpha',
    createdAt: 1,
    tags: ['baseline'],
    epochs: [epoch(1, 0.2, { epoch: 1, mae: 0.2 })],
  });
  const b = run('b', {
    name: 'beta',
    createdAt: 2,
    status: 'interrupted',
    epochs: [epoch(1, 0.1, { epoch: 1, mae: 0.1 })],
  });
  const c = run('c', {
    name: 'Gamma',
    createdAt: 3,
    config: withDefaults({ optimizer: { kind: 'SGD', momentum: 0.9 } }),
  });
  it('sorts by a column both ways, runs without the number last either way', () => {
    expect(sortRuns([a, b, c], 'valMae', 'asc').map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(sortRuns([a, b, c], 'valMae', 'desc').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(sortRuns([c, a, b], 'name', 'asc').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(sortRuns([a, b, c], 'createdAt', 'desc').map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });
  it('filters by words, tag: and status:, case-insensitively', () => {
    expect(filterRuns([a, b, c], 'tag:base').map((r) => r.id)).toEqual(['a']);
    expect(filterRuns([a, b, c], 'status:interrupted').map((r) => r.id)).toEqual(['b']);
    expect(filterRuns([a, b, c], 'sgd').map((r) => r.id)).toEqual(['c']);
    expect(filterRuns([a, b, c], 'ALPHA baseline').map((r) => r.id)).toEqual(['a']);
    expect(filterRuns([a, b, c], 'alpha beta')).toEqual([]);
    expect(filterRuns([a, b, c], '  ')).toHaveLength(3);
  });
});

describe('delta', () => {
  it('says whether a difference is better, by the metric’s direction', () => {
    expect(delta(0.2, 0.3, true)).toEqual({ diff: 0.2 - 0.3, better: true });
    expect(delta(0.2, 0.3, false)?.better).toBe(false);
    expect(delta(0.3, 0.3, true)?.better).toBeNull();
    expect(delta(null, 0.3, true)).toBeNull();
    expect(delta(Number.NaN, 0.3, true)).toBeNull();
  });
});

describe('configDiff', () => {
  it('lists only what differs, with each run’s value (— where a setting does not exist)', () => {
    const x = withDefaults({ schedule: oneCycleSpec({ maxLr: 0.003 }) });
    const y = withDefaults({ schedule: oneCycleSpec({ maxLr: 0.01 }) });
    // withDefaults sets the optimizer's lr to the schedule's peak: both differ.
    expect(configDiff([x, y])).toEqual([
      { path: 'optimizer.lr', values: ['0.003', '0.01'] },
      { path: 'schedule.maxLr', values: ['0.003', '0.01'] },
    ]);
    expect(configDiff([x, x])).toEqual([]);
    const sgd = withDefaults({ optimizer: { kind: 'SGD', momentum: 0.9 } });
    const rows = configDiff([x, sgd]);
    expect(rows.find((r) => r.path === 'optimizer.kind')?.values).toEqual(['Adam', 'SGD']);
    expect(rows.find((r) => r.path === 'optimizer.momentum')?.values).toEqual(['—', '0.9']);
    const off = withDefaults({ clip: { maxNorm: null } });
    expect(configDiff([x, off])).toEqual([{ path: 'clip.maxNorm', values: ['0.5', 'off'] }]);
  });
});
