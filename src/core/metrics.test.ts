import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import {
  meanAbsoluteError,
  numpyMean,
  numpySum,
  pearsonR,
  r2Score,
  r2ScoreForceFinite,
  rank,
  regressionMetrics,
  residualSumOfSquares,
  rootMeanSquaredError,
  spearmanRho,
  totalSumOfSquares,
} from './metrics.ts';

interface MetricsCase {
  name: string;
  n: number;
  y_true: number[];
  y_pred: number[];
  mae: number;
  rmse: number;
  ss_res: number;
  ss_tot: number;
  r2: number;
  r2_sklearn: number;
  pearson_r: number;
  pearson_warnings: string[];
  spearman_rho: number;
  spearman_warnings: string[];
  rank_true: number[];
  rank_pred: number[];
}
interface MetricsFile {
  cases: MetricsCase[];
}

// Tolerances (README "Tolerances we recommend"):
// - MAE, RMSE, SS_res, SS_tot, R² (both conventions): EXACT (0 ulp). These are numpy expressions and the
//   implementation reproduces numpy's summation order, so bit-identity is achievable; it is also the only
//   way to satisfy the recommended abs 1e-12 for R² = −21463.68 (monotone_nonlinear), whose ulp is 3.6e-12.
// - Pearson r and Spearman ρ: abs 1e-12 as recommended. scipy computes the norms/dot with BLAS (whose
//   summation order is not reproducible); measured deviation ≤ 2.3e-16. The README's "±0.9999999999999999
//   instead of ±1" allowance is covered by this tolerance.
// - NaN and −Infinity: exact (closeRel treats NaN == NaN and requires equal infinities).
// - ranks: exact (they are half-integers).
const CORR_ABS = 1e-12;

function expectExact(got: number, expected: number, label: string): void {
  expect(closeRel(got, expected, 0), `${label}: got ${got}, expected ${expected}`).toBe(true);
}
function expectCorr(got: number, expected: number, label: string): void {
  expect(closeRel(got, expected, 0, CORR_ABS), `${label}: got ${got}, expected ${expected}`).toBe(true);
  expect(Math.abs(got) <= 1 || Number.isNaN(got), `${label} in [-1, 1]`).toBe(true);
}

describeOracle('metrics.json', 'metrics', () => {
  const file = readOracle<MetricsFile>('metrics.json');

  it('has the 13 documented cases', () => {
    expect(file.cases.map((c) => c.name)).toEqual([
      'random_n50',
      'ties_both_half_steps',
      'ties_small_hand',
      'constant_pred',
      'constant_true',
      'both_constant_equal',
      'perfect',
      'anti_correlated',
      'worse_than_mean',
      'n2',
      'monotone_nonlinear',
      'large_offset_1e8',
      'n1000_integer_ties',
    ]);
    for (const c of file.cases) {
      expect(c.y_true).toHaveLength(c.n);
      expect(c.y_pred).toHaveLength(c.n);
    }
  });

  for (const c of file.cases) {
    describe(c.name, () => {
      it('regressionMetrics: mae, rmse, ss_res, ss_tot, r2, r2_sklearn, pearson_r, spearman_rho', () => {
        const m = regressionMetrics(c.y_true, c.y_pred);
        expect(m.n).toBe(c.n);
        expectExact(m.mae, c.mae, 'mae');
        expectExact(m.rmse, c.rmse, 'rmse');
        expectExact(m.ssRes, c.ss_res, 'ss_res');
        expectExact(m.ssTot, c.ss_tot, 'ss_tot');
        expectExact(m.r2, c.r2, 'r2');
        expectExact(m.r2ForceFinite, c.r2_sklearn, 'r2_sklearn');
        expectCorr(m.pearsonR, c.pearson_r, 'pearson_r');
        expectCorr(m.spearmanRho, c.spearman_rho, 'spearman_rho');
      });

      it('individual metric functions agree with the fixture', () => {
        expectExact(meanAbsoluteError(c.y_true, c.y_pred), c.mae, 'mae');
        expectExact(rootMeanSquaredError(c.y_true, c.y_pred), c.rmse, 'rmse');
        expectExact(residualSumOfSquares(c.y_true, c.y_pred), c.ss_res, 'ss_res');
        expectExact(totalSumOfSquares(c.y_true), c.ss_tot, 'ss_tot');
        expectExact(r2Score(c.y_true, c.y_pred), c.r2, 'r2');
        expectExact(r2ScoreForceFinite(c.y_true, c.y_pred), c.r2_sklearn, 'r2_sklearn');
        expectCorr(pearsonR(c.y_true, c.y_pred), c.pearson_r, 'pearson_r');
        expectCorr(spearmanRho(c.y_true, c.y_pred), c.spearman_rho, 'spearman_rho');
        // Both correlations are symmetric in their arguments.
        expectCorr(pearsonR(c.y_pred, c.y_true), c.pearson_r, 'pearson_r swapped');
        expectCorr(spearmanRho(c.y_pred, c.y_true), c.spearman_rho, 'spearman_rho swapped');
      });

      it('rank() reproduces rank_true and rank_pred (1-based, average ties)', () => {
        expectAllClose(rank(c.y_true), c.rank_true, { rel: 0, label: 'rank_true' });
        expectAllClose(rank(c.y_pred), c.rank_pred, { rel: 0, label: 'rank_pred' });
      });

      it('NaN correlation ⇔ scipy emitted ConstantInputWarning', () => {
        expect(Number.isNaN(c.pearson_r)).toBe(c.pearson_warnings.includes('ConstantInputWarning'));
        expect(Number.isNaN(c.spearman_rho)).toBe(c.spearman_warnings.includes('ConstantInputWarning'));
        const m = regressionMetrics(c.y_true, c.y_pred);
        expect(Number.isNaN(m.pearsonR)).toBe(c.pearson_warnings.includes('ConstantInputWarning'));
        expect(Number.isNaN(m.spearmanRho)).toBe(c.spearman_warnings.includes('ConstantInputWarning'));
      });
    });
  }

  it('large_offset_1e8: a one-pass Σx² − n·x̄² formula would be far off; ours is exact', () => {
    const c = file.cases.find((x) => x.name === 'large_offset_1e8');
    if (c === undefined) throw new Error('large_offset_1e8 missing');
    let s = 0;
    let s2 = 0;
    for (const v of c.y_true) {
      s += v;
      s2 += v * v;
    }
    const onePass = s2 - (s * s) / c.n;
    // The naive formula is wrong by ≫ 1e-12 (demonstrating the case bites); the centred one is exact.
    expect(Math.abs(onePass - c.ss_tot)).toBeGreaterThan(1e-6);
    expect(totalSumOfSquares(c.y_true)).toBe(c.ss_tot);
  });
});

describe('metrics (fixture-free properties)', () => {
  it('rank: average ranks for ties, NaN propagates, infinities order normally', () => {
    expect(Array.from(rank([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(rank([3, 1, 3, 3, -Infinity]))).toEqual([4, 2, 4, 4, 1]);
    expect(Array.from(rank([]))).toEqual([]);
    expect(Array.from(rank([1, Number.NaN])).every((v) => Number.isNaN(v))).toBe(true);
  });

  it('numpySum is numpy’s pairwise order: exact on integers, and block-accurate on cancellation', () => {
    expect(numpySum([])).toBe(0);
    expect(numpySum(Array.from({ length: 20000 }, (_, i) => i))).toBe((19999 * 20000) / 2);
    expect(numpyMean([1, 2, 3, 4])).toBe(2.5);
    // 1e16 + 1 + … − 1e16: a left-to-right sum loses the ones; pairwise keeps them in separate lanes.
    const x = [1e16, 1, 1, 1, 1, 1, 1, 1, -1e16, 0, 0, 0, 0, 0, 0, 0];
    expect(numpySum(x)).toBe(7);
  });

  it('edge cases: n = 1, n = 0, mismatched lengths, Float32Array input, no mutation', () => {
    const one = regressionMetrics([2], [3]);
    expect(one.mae).toBe(1);
    expect(one.ssTot).toBe(0);
    expect(one.r2).toBe(-Infinity);
    expect(one.r2ForceFinite).toBe(0);
    expect(one.pearsonR).toBeNaN(); // scipy raises for n < 2; we return NaN
    expect(one.spearmanRho).toBeNaN();
    const empty = regressionMetrics([], []);
    expect(empty.mae).toBeNaN();
    expect(empty.rmse).toBeNaN();
    expect(() => regressionMetrics([1, 2], [1])).toThrow(RangeError);
    const t = Float32Array.from([1, 2, 3, 4]);
    const p = [1.5, 1.5, 3.5, 4.5];
    const m = regressionMetrics(t, p);
    expect(m.mae).toBe(0.5);
    expect(m.ssRes).toBe(1);
    expect(m.ssTot).toBe(5);
    expect(m.r2).toBe(0.8);
    expect(Array.from(t)).toEqual([1, 2, 3, 4]);
    expect(p).toEqual([1.5, 1.5, 3.5, 4.5]);
  });

  it('pearsonR with n = 2 is exactly ±1 (scipy’s sign shortcut) and is clipped to [−1, 1]', () => {
    expect(pearsonR([1, 2], [5, 9])).toBe(1);
    expect(pearsonR([1, 2], [9, 5])).toBe(-1);
    for (let s = 1; s < 50; s++) {
      const x = Array.from({ length: 7 }, (_, i) => Math.sin(i * s) * 1e3 + 1e8);
      const y = x.map((v) => 3 * v - 2);
      const r = pearsonR(x, y);
      expect(r).toBeLessThanOrEqual(1);
      expect(r).toBeGreaterThan(1 - 1e-12);
    }
  });
});
