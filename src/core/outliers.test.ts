import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, readOracle } from '../../test/oracle.ts';
import { filterOutliers, MAD_TO_SIGMA, meanStd, median, type OutlierResult } from './outliers.ts';

interface SinglePass {
  kept: number[];
  n_kept: number;
  mean: number;
  std: number;
  threshold: number;
  min_boundary_margin_in_std: number | null;
}
interface FixturePass {
  n_in: number;
  mean: number;
  std: number;
  n_kept: number;
  min_boundary_margin_in_std: number | null;
}
interface Iterative {
  kept: number[];
  n_kept: number;
  n_passes: number;
  passes: FixturePass[];
}
interface MadResult {
  kept: number[];
  n_kept: number;
  median: number;
  mad: number;
  sigma: number;
  threshold: number;
  min_boundary_margin_in_std: number | null;
}
interface KResult {
  k: number;
  single_pass_mean_std: SinglePass;
  iterative_mean_std: Iterative;
  median_mad: MadResult;
}
interface OutlierCase {
  name: string;
  n: number;
  x: number[];
  results: KResult[];
}
interface OutlierFile {
  cases: OutlierCase[];
}

// Tolerances (README "Tolerances we recommend"):
// - kept indices: identical (exact array equality) — every fixture decision is ≥ 9e-6 std from the
//   boundary, so rounding cannot legitimately flip one.
// - mean, std, median, MAD, sigma, threshold: rel 1e-12 — two-pass compensated float64 sums vs numpy's
//   pairwise sums differ by ~1e-15; the median/MAD are order statistics (exact) up to one subtraction.
// - min_boundary_margin_in_std: abs 1e-10 (in units of the scale) — it is | |x − c| − k·s | / s, a
//   difference of nearly equal numbers, so its absolute (not relative) error is what is bounded:
//   ~ulp(max|x|)/s ≤ 1e-12 here. 1e-10 is still 5 orders below the smallest fixture margin (9.3e-6).
// - z-scores: abs 1e-10 against (x − c)/s recomputed from the fixture's own c and s (same reasoning).
const STAT_REL = 1e-12;
const MARGIN_ABS = 1e-10;
const Z_ABS = 1e-10;

function expectStat(got: number, expected: number, label: string): void {
  expect(closeRel(got, expected, STAT_REL), `${label}: got ${got}, expected ${expected}`).toBe(true);
}

function expectMargin(got: number | null, expected: number | null, label: string): void {
  if (expected === null) {
    expect(got, label).toBeNull();
    return;
  }
  if (got === null) throw new Error(`${label}: got null, expected ${expected}`);
  expect(Math.abs(got - expected), `${label}: got ${got}, expected ${expected}`).toBeLessThanOrEqual(
    MARGIN_ABS,
  );
}

/** kept/removed partition and z-scores against the fixture's own centre and scale. */
function expectPartitionAndZ(
  r: OutlierResult,
  x: number[],
  keptExpected: number[],
  c: number,
  s: number,
  label: string,
): void {
  expect(Array.from(r.kept), `${label} kept`).toEqual(keptExpected);
  const keptSet = new Set(keptExpected);
  const removedExpected = x.map((_, i) => i).filter((i) => !keptSet.has(i));
  expect(Array.from(r.removed), `${label} removed`).toEqual(removedExpected);
  expect(r.nonFinite).toHaveLength(0);
  expect(r.z).toHaveLength(x.length);
  x.forEach((v, i) => {
    const zExp = v === c ? 0 : s === 0 ? (v > c ? Infinity : -Infinity) : (v - c) / s;
    const zGot = r.z[i] as number;
    const ok = Number.isFinite(zExp) ? Math.abs(zGot - zExp) <= Z_ABS : zGot === zExp;
    expect(ok, `${label} z[${i}]: got ${zGot}, expected ${zExp}`).toBe(true);
  });
}

describeOracle('outliers.json', 'outliers', () => {
  const file = readOracle<OutlierFile>('outliers.json');

  it('has the 8 documented cases, each with k ∈ {3, 4, 10}, and only finite x', () => {
    expect(file.cases.map((c) => c.name)).toEqual([
      'n100_one_huge',
      'n100_mixed',
      'n1000_mixed',
      'n5000_moderate',
      'n20000_mixed',
      'n100_clean',
      'constant',
      'mad_zero_with_outlier',
    ]);
    for (const c of file.cases) {
      expect(c.x).toHaveLength(c.n);
      expect(c.x.every((v) => Number.isFinite(v))).toBe(true);
      expect(c.results.map((r) => r.k)).toEqual([3, 4, 10]);
    }
  });

  for (const c of file.cases) {
    describe(c.name, () => {
      for (const res of c.results) {
        const k = res.k;

        it(`k=${k} single_pass_mean_std: kept, mean, std, threshold, margin`, () => {
          const e = res.single_pass_mean_std;
          const r = filterOutliers({ method: 'sigma', k }, c.x);
          expect(r.kept).toHaveLength(e.n_kept);
          expectPartitionAndZ(r, c.x, e.kept, e.mean, e.std, 'sigma');
          expectStat(r.center, e.mean, 'mean');
          expectStat(r.scale, e.std, 'std');
          expectStat(r.threshold, e.threshold, 'threshold');
          expect(r.mad).toBeNull();
          expect(r.passes).toHaveLength(1);
          const p = r.passes[0];
          if (p === undefined) throw new Error('no pass');
          expect(p.nIn).toBe(c.n);
          expect(p.nKept).toBe(e.n_kept);
          expectMargin(p.minBoundaryMargin, e.min_boundary_margin_in_std, 'margin');
        });

        it(`k=${k} iterative_mean_std: kept and every pass (n_in, mean, std, n_kept, margin)`, () => {
          const e = res.iterative_mean_std;
          const r = filterOutliers({ method: 'iterative-sigma', k }, c.x);
          expect(r.kept).toHaveLength(e.n_kept);
          expect(r.passes).toHaveLength(e.n_passes);
          expect(e.passes).toHaveLength(e.n_passes);
          e.passes.forEach((ep, j) => {
            const p = r.passes[j];
            if (p === undefined) throw new Error(`missing pass ${j}`);
            expect(p.nIn, `pass ${j} n_in`).toBe(ep.n_in);
            expect(p.nKept, `pass ${j} n_kept`).toBe(ep.n_kept);
            expectStat(p.center, ep.mean, `pass ${j} mean`);
            expectStat(p.scale, ep.std, `pass ${j} std`);
            expectStat(p.threshold, k * ep.std, `pass ${j} threshold`);
            expectMargin(p.minBoundaryMargin, ep.min_boundary_margin_in_std, `pass ${j} margin`);
          });
          // The last pass removes nothing, and its statistics are the final centre/scale.
          const last = e.passes[e.passes.length - 1];
          if (last === undefined) throw new Error('no passes in fixture');
          expect(last.n_in).toBe(last.n_kept);
          expectStat(r.center, last.mean, 'final mean');
          expectStat(r.scale, last.std, 'final std');
          expectPartitionAndZ(r, c.x, e.kept, last.mean, last.std, 'iterative');
        });

        it(`k=${k} median_mad: kept, median, MAD, sigma, threshold, margin`, () => {
          const e = res.median_mad;
          const r = filterOutliers({ method: 'mad', k }, c.x);
          expect(r.kept).toHaveLength(e.n_kept);
          expectPartitionAndZ(r, c.x, e.kept, e.median, e.sigma, 'mad');
          expectStat(r.center, e.median, 'median');
          expectStat(r.mad ?? Number.NaN, e.mad, 'mad');
          expectStat(r.scale, e.sigma, 'sigma');
          expectStat(r.threshold, e.threshold, 'threshold');
          expect(r.passes).toHaveLength(1);
          const p = r.passes[0];
          if (p === undefined) throw new Error('no pass');
          expect(p.nIn).toBe(c.n);
          expect(p.nKept).toBe(e.n_kept);
          expectMargin(p.minBoundaryMargin, e.min_boundary_margin_in_std, 'margin');
        });
      }
    });
  }
});

describe('outliers (fixture-free edge cases)', () => {
  it('n = 0: nothing kept, NaN statistics, one empty pass', () => {
    for (const method of ['sigma', 'iterative-sigma', 'mad'] as const) {
      const r = filterOutliers({ method, k: 3 }, []);
      expect(r.kept).toHaveLength(0);
      expect(r.removed).toHaveLength(0);
      expect(r.z).toHaveLength(0);
      expect(r.center).toBeNaN();
      expect(r.scale).toBeNaN();
      expect(r.passes).toEqual([
        {
          nIn: 0,
          center: Number.NaN,
          scale: Number.NaN,
          threshold: Number.NaN,
          nKept: 0,
          minBoundaryMargin: null,
        },
      ]);
    }
  });

  it('n = 1 and constant input: scale 0, everything kept, z = 0', () => {
    for (const method of ['sigma', 'iterative-sigma', 'mad'] as const) {
      const one = filterOutliers({ method, k: 3 }, [4.25]);
      expect(Array.from(one.kept)).toEqual([0]);
      expect(one.center).toBe(4.25);
      expect(one.scale).toBe(0);
      expect(Array.from(one.z)).toEqual([0]);
      const flat = filterOutliers({ method, k: 0 }, [7, 7, 7]);
      expect(Array.from(flat.kept)).toEqual([0, 1, 2]);
      expect(flat.passes[0]?.minBoundaryMargin).toBeNull();
    }
  });

  it('MAD = 0 keeps only the values equal to the median; others get z = ±Infinity', () => {
    const r = filterOutliers({ method: 'mad', k: 3 }, [1, 1, 1, 1, 5, -2]);
    expect(r.mad).toBe(0);
    expect(Array.from(r.kept)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.removed)).toEqual([4, 5]);
    expect(Array.from(r.z)).toEqual([0, 0, 0, 0, Infinity, -Infinity]);
  });

  it('non-finite values are always removed, reported, and excluded from the statistics', () => {
    const x = [1, Number.NaN, 2, Infinity, 3, -Infinity];
    for (const method of ['sigma', 'iterative-sigma', 'mad'] as const) {
      const r = filterOutliers({ method, k: 10 }, x);
      expect(Array.from(r.kept)).toEqual([0, 2, 4]);
      expect(Array.from(r.removed)).toEqual([1, 3, 5]);
      expect(Array.from(r.nonFinite)).toEqual([1, 3, 5]);
      expect(r.center).toBe(2);
      expect(r.z[1]).toBeNaN();
      expect(r.z[3]).toBeNaN();
    }
    expect(filterOutliers({ method: 'sigma', k: 3 }, x).scale).toBe(Math.sqrt(2 / 3));
    expect(filterOutliers({ method: 'mad', k: 3 }, x).scale).toBe(MAD_TO_SIGMA * 1);
  });

  it('iterative filter peels a masked outlier that a single pass keeps', () => {
    // 2000 inflates the std so much that 35 passes the first test; after 2000 is gone it does not.
    const x = [0.1, -0.2, 0.3, -0.1, 0.0, 0.2, -0.3, 0.15, -0.15, 0.05, 35, 2000];
    const single = filterOutliers({ method: 'sigma', k: 3 }, x);
    expect(Array.from(single.removed)).toEqual([11]);
    const it2 = filterOutliers({ method: 'iterative-sigma', k: 3 }, x);
    expect(Array.from(it2.removed)).toEqual([10, 11]);
    expect(it2.passes.map((p) => [p.nIn, p.nKept])).toEqual([
      [12, 11],
      [11, 10],
      [10, 10],
    ]);
  });

  it('helpers: even-n median is the mean of the two middle values; std is ddof=0 and offset-robust', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
    const { mean, std } = meanStd([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]);
    expect(mean).toBe(1e9 + 2.5);
    expect(std).toBe(Math.sqrt(1.25));
  });

  it('accepts Float32Array, does not mutate x, rejects invalid k', () => {
    const x = Float32Array.from([1, 2, 3, 100]);
    const copy = Array.from(x);
    filterOutliers({ method: 'mad', k: 3 }, x);
    filterOutliers({ method: 'iterative-sigma', k: 1 }, x);
    expect(Array.from(x)).toEqual(copy);
    expect(() => filterOutliers({ method: 'sigma', k: -1 }, x)).toThrow(RangeError);
    expect(() => filterOutliers({ method: 'sigma', k: Number.NaN }, x)).toThrow(RangeError);
  });
});
