/**
 * Outlier filters for a 1-D sample, reproducing the numpy (1.24, float64) reference in
 * `shared/oracle/outliers.json`:
 *
 * - `sigma` — single pass: mean = Σx/n, std = sqrt(Σ(x − mean)²/n) (population, `np.std(x, ddof=0)`);
 *   keep i iff |xᵢ − mean| ≤ k·std.
 * - `iterative-sigma` — re-apply `sigma` to the kept set, recomputing mean and std from the kept values
 *   only, until a pass removes nothing. `passes` lists every pass, the final no-op pass included.
 * - `mad` — robust single pass: med = median(x) (mean of the two middle values for even n, like
 *   `np.median`), MAD = median(|x − med|), sigma = 1.4826·MAD; keep i iff |xᵢ − med| ≤ k·sigma. When
 *   MAD = 0 the rule (applied literally) keeps only values equal to the median.
 *
 * Means and variances are two-pass and centred (Σ(x − mean)², robust to large offsets) and summed in
 * numpy's own order ({@link numpySum}), so they are bit-identical to numpy; in any case the fixture's
 * decision margins are ≥ 9e-6 std, so no keep/remove decision could flip on rounding.
 *
 * Non-finite values (NaN, ±Infinity) are a deliberate divergence from plain numpy (where one NaN makes
 * mean and std NaN and every comparison false, so everything would be removed): they are always removed,
 * listed in both `removed` and `nonFinite`, and excluded from every statistic; the filter runs on the
 * finite values. The fixture contains no non-finite values.
 */

import { numpySum } from './metrics.ts';

/** Which filter, and its k (the threshold in units of std / robust sigma). */
export type OutlierConfig =
  | { readonly method: 'sigma'; readonly k: number }
  | { readonly method: 'iterative-sigma'; readonly k: number }
  | { readonly method: 'mad'; readonly k: number };

export type OutlierMethod = OutlierConfig['method'];

/** The consistency constant of the MAD for a normal distribution (≈ 1/Φ⁻¹(3/4)), as in the fixture. */
export const MAD_TO_SIGMA = 1.4826;

/** One pass of a filter: the statistics of its input and how many points it kept. */
export interface OutlierPass {
  /** Number of points this pass looked at (fixture `n_in`). */
  readonly nIn: number;
  /** mean (sigma filters) or median (mad) of the pass input. */
  readonly center: number;
  /** Population std (sigma filters) or 1.4826·MAD (mad) of the pass input. */
  readonly scale: number;
  /** k·scale: a point is kept iff |x − center| ≤ threshold. */
  readonly threshold: number;
  /** Number of input points kept (fixture `n_kept`). */
  readonly nKept: number;
  /**
   * minᵢ | |xᵢ − center| − k·scale | / scale over the pass input: the distance of the closest point to
   * the keep/remove boundary in units of the scale (fixture `min_boundary_margin_in_std`); null when
   * scale is 0 or the input is empty.
   */
  readonly minBoundaryMargin: number | null;
}

/** The outcome of {@link filterOutliers}. Index arrays are ascending 0-based indices into x. */
export interface OutlierResult {
  readonly method: OutlierMethod;
  readonly k: number;
  /** Indices kept by the (final pass of the) filter. */
  readonly kept: Int32Array;
  /** Every other index: the filtered-out points and the non-finite ones. */
  readonly removed: Int32Array;
  /** Indices of NaN/±Infinity values (always removed, never used in a statistic). */
  readonly nonFinite: Int32Array;
  /**
   * Per-point score (xᵢ − center)/scale against the final center/scale, length n. 0 where xᵢ == center
   * (also when scale = 0), ±Infinity for other points when scale = 0, NaN for non-finite xᵢ and when
   * there is no finite data.
   */
  readonly z: Float64Array;
  /** Final centre: mean of the last pass input (sigma filters) or the median (mad). */
  readonly center: number;
  /** Final scale: population std of the last pass input, or 1.4826·MAD. */
  readonly scale: number;
  /** Final k·scale. */
  readonly threshold: number;
  /** The MAD itself (unscaled) for `mad`, null for the sigma filters. */
  readonly mad: number | null;
  /** Every pass; exactly one for `sigma` and `mad`, ≥ 1 for `iterative-sigma` (last one removes nothing). */
  readonly passes: readonly OutlierPass[];
}

/**
 * Population mean and standard deviation (ddof = 0) of `values` at the given indices, two-pass and
 * centred exactly as numpy evaluates `x.mean()` and `x.std()`: mean = Σx/n, std = sqrt(Σ(x − mean)²/n),
 * with Σ in numpy's summation order ({@link numpySum}), so both are bit-identical to numpy. Empty input
 * gives NaN for both (numpy: NaN plus a RuntimeWarning).
 */
function meanStdAt(values: ArrayLike<number>, idx: ArrayLike<number>): { mean: number; std: number } {
  const n = idx.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = values[idx[j] as number] as number;
  const mean = numpySum(v) / n;
  for (let j = 0; j < n; j++) {
    const d = (v[j] as number) - mean;
    v[j] = d * d;
  }
  const std = Math.sqrt(numpySum(v) / n);
  return { mean, std };
}

/** Median of a sorted Float64Array (mean of the two middle values for even length; NaN when empty). */
function medianOfSorted(s: Float64Array): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  if (n % 2 === 1) return s[h] as number;
  const a = s[h - 1] as number;
  const b = s[h] as number;
  // np.median: mean([a, b]) = (a + b)/2; a/2 + b/2 only if a + b overflows.
  const m = (a + b) / 2;
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

/**
 * Median of a sample, `np.median(x)`: the middle order statistic, or the mean of the two middle ones
 * for even n. NaN for an empty sample. Values are expected finite (NaN ordering is not numpy's).
 */
export function median(x: ArrayLike<number>): number {
  return medianOfSorted(Float64Array.from(x).sort());
}

/**
 * Population mean and standard deviation (ddof = 0), `np.mean(x)` and `np.std(x)`, computed two-pass and
 * centred in numpy's summation order (robust to large offsets). NaN for both when x is empty.
 */
export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  const idx = new Int32Array(x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return meanStdAt(x, idx);
}

/** One keep/remove pass of `indices` with the given centre/scale. */
function applyPass(
  x: ArrayLike<number>,
  indices: Int32Array,
  center: number,
  scale: number,
  k: number,
): { kept: Int32Array; pass: OutlierPass } {
  const threshold = k * scale;
  const keptList: number[] = [];
  let margin = Number.POSITIVE_INFINITY;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j] as number;
    const dev = Math.abs((x[i] as number) - center);
    if (dev <= threshold) keptList.push(i);
    const m = Math.abs(dev - threshold);
    if (m < margin) margin = m;
  }
  const usable = indices.length > 0 && scale > 0 && Number.isFinite(scale);
  return {
    kept: Int32Array.from(keptList),
    pass: {
      nIn: indices.length,
      center,
      scale,
      threshold,
      nKept: keptList.length,
      minBoundaryMargin: usable ? margin / scale : null,
    },
  };
}

/** Per-point (xᵢ − center)/scale, with 0 where xᵢ == center (so scale = 0 never yields 0/0). */
function zScores(x: ArrayLike<number>, center: number, scale: number): Float64Array {
  const z = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    z[i] = !Number.isFinite(v) ? Number.NaN : v === center ? 0 : (v - center) / scale;
  }
  return z;
}

/**
 * Filters outliers from a 1-D sample (see the module doc for the exact rules and their numpy
 * reference). `kept` and `removed` are ascending, disjoint and together cover 0..n−1.
 *
 * - `sigma`: one pass with mean and population std (ddof = 0).
 * - `iterative-sigma`: passes until one removes nothing; `center`/`scale` are those of the last pass,
 *   whose input is exactly the kept set. Terminates after at most n + 1 passes. (Only with k < 1 can a
 *   pass remove every point; the following empty pass then records NaN statistics and ends the loop.)
 * - `mad`: one pass with the median and 1.4826·MAD; MAD = 0 keeps only the values equal to the median.
 *
 * Edge cases: n = 0 (or no finite value) gives empty `kept`, NaN centre/scale and one pass with nIn = 0;
 * n = 1 and constant input have scale 0 and keep everything (|x − centre| = 0 ≤ 0). Throws a RangeError
 * unless k is a finite number ≥ 0. `x` is not mutated.
 */
export function filterOutliers(config: OutlierConfig, x: ArrayLike<number>): OutlierResult {
  const { method, k } = config;
  if (!Number.isFinite(k) || k < 0) {
    throw new RangeError(`filterOutliers: k must be finite and >= 0, got ${k}`);
  }
  const n = x.length;
  const finiteIdx: number[] = [];
  const nonFiniteIdx: number[] = [];
  for (let i = 0; i < n; i++) (Number.isFinite(x[i]) ? finiteIdx : nonFiniteIdx).push(i);
  let current: Int32Array = Int32Array.from(finiteIdx);

  const passes: OutlierPass[] = [];
  let mad: number | null = null;
  let center: number;
  let scale: number;

  switch (method) {
    case 'sigma':
    case 'iterative-sigma': {
      for (;;) {
        const { mean, std } = meanStdAt(x, current);
        const { kept, pass } = applyPass(x, current, mean, std, k);
        passes.push(pass);
        center = mean;
        scale = std;
        const removedNothing = kept.length === current.length;
        current = kept;
        if (method === 'sigma' || removedNothing) break;
      }
      break;
    }
    case 'mad': {
      const vals = Float64Array.from(current, (i) => x[i] as number).sort();
      const med = medianOfSorted(vals);
      const absDev = Float64Array.from(vals, (v) => Math.abs(v - med)).sort();
      mad = medianOfSorted(absDev);
      center = med;
      scale = MAD_TO_SIGMA * mad;
      const { kept, pass } = applyPass(x, current, center, scale, k);
      passes.push(pass);
      current = kept;
      break;
    }
  }

  const keptSet = new Uint8Array(n);
  for (const i of current) keptSet[i] = 1;
  const removed: number[] = [];
  for (let i = 0; i < n; i++) if (keptSet[i] === 0) removed.push(i);

  return {
    method,
    k,
    kept: current,
    removed: Int32Array.from(removed),
    nonFinite: Int32Array.from(nonFiniteIdx),
    z: zScores(x, center, scale),
    center,
    scale,
    threshold: k * scale,
    mad,
    passes,
  };
}
