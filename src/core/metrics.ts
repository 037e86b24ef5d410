/**
 * Regression metrics in float64, reproducing numpy 1.24 / scipy 1.10.1 (and sklearn's R² convention):
 * MAE, RMSE, SS_res, SS_tot, R² (literal IEEE and sklearn force_finite), Pearson r (`scipy.stats.pearsonr`)
 * and Spearman ρ (`scipy.stats.spearmanr`, average ranks for ties).
 *
 * Every variance-like quantity is two-pass and centred (Σ(x − mean)², never Σx² − n·mean²): with values
 * near 1e8 and O(1) spread a one-pass formula loses every significant digit, the centred one loses none.
 * Sums and means use numpy's own summation order ({@link numpySum}), so MAE, RMSE, SS_res, SS_tot and R²
 * reproduce numpy bit for bit; the BLAS parts of scipy (nrm2, dot) are approximated by compensated sums.
 *
 * Argument order follows sklearn (`yTrue`, `yPred`); Pearson and Spearman are symmetric anyway.
 * Mismatched lengths throw a RangeError. Inputs are never mutated.
 */

/** numpy's pairwise-summation unroll/block constants (`PW_BLOCKSIZE`, 8 accumulators). */
const PW_BLOCKSIZE = 128;
/** numpy's default ufunc buffer size: reductions run the inner loop on chunks of this many elements. */
const NUMPY_BUFSIZE = 8192;

/** numpy's `DOUBLE_pairwise_sum` on a[lo, lo + n) (numpy/core/src/umath/loops_utils.h.src). */
function pairwise(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i] as number;
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[lo] as number;
    let r1 = a[lo + 1] as number;
    let r2 = a[lo + 2] as number;
    let r3 = a[lo + 3] as number;
    let r4 = a[lo + 4] as number;
    let r5 = a[lo + 5] as number;
    let r6 = a[lo + 6] as number;
    let r7 = a[lo + 7] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const b = lo + i;
      r0 += a[b] as number;
      r1 += a[b + 1] as number;
      r2 += a[b + 2] as number;
      r3 += a[b + 3] as number;
      r4 += a[b + 4] as number;
      r5 += a[b + 5] as number;
      r6 += a[b + 6] as number;
      r7 += a[b + 7] as number;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[lo + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/**
 * Σx in exactly numpy's order for a contiguous float64 array (`np.sum`, `np.add.reduce`): the reduction
 * runs in chunks of 8192 elements (the ufunc buffer size), each chunk summed by numpy's pairwise
 * summation (8 interleaved accumulators for ≤ 128 elements, recursive halving above), and the chunk sums
 * are accumulated left to right starting from 0. Error O(log n·ε·Σ|x|). This reproduces numpy 1.24 bit
 * for bit on every sum behind the metrics and outliers fixtures (n up to 20000, where the 8192-element
 * chunking is visible). Empty input sums to 0. Also used by the outlier filters.
 */
export function numpySum(x: ArrayLike<number>): number {
  let s = 0;
  for (let lo = 0; lo < x.length; lo += NUMPY_BUFSIZE) {
    s += pairwise(x, lo, Math.min(NUMPY_BUFSIZE, x.length - lo));
  }
  return s;
}

/** `np.mean(x)` = numpySum(x)/n; NaN for empty input. */
export function numpyMean(x: ArrayLike<number>): number {
  return numpySum(x) / x.length;
}

/** Neumaier compensated Σ f(i), i in [0, n): stands in for BLAS kernels (extended-precision nrm2, ddot). */
function compensatedSum(n: number, f: (i: number) => number): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + comp : sum;
}

/** Element-wise map into a new Float64Array (the numpy temporary an expression like `y - ŷ` creates). */
function mapN(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function checkLengths(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, what: string): number {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${what}: yTrue has ${yTrue.length} elements but yPred has ${yPred.length}`);
  }
  return yTrue.length;
}

/**
 * Mean absolute error (1/n)·Σ|ŷᵢ − yᵢ|, `sklearn.metrics.mean_absolute_error` / `np.mean(np.abs(ŷ − y))`.
 * NaN for n = 0 (numpy's mean of nothing; sklearn raises).
 */
export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkLengths(yTrue, yPred, 'meanAbsoluteError');
  return numpyMean(mapN(n, (i) => Math.abs((yPred[i] as number) - (yTrue[i] as number))));
}

/** Residual sum of squares SS_res = Σ(yᵢ − ŷᵢ)² (sklearn's r2_score numerator). 0 for n = 0. */
export function residualSumOfSquares(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkLengths(yTrue, yPred, 'residualSumOfSquares');
  return numpySum(
    mapN(n, (i) => {
      const d = (yTrue[i] as number) - (yPred[i] as number);
      return d * d;
    }),
  );
}

/**
 * Total sum of squares SS_tot = Σ(yᵢ − ȳ)², two-pass centred (sklearn's r2_score denominator).
 * NaN for n = 0 (ȳ is NaN).
 */
export function totalSumOfSquares(yTrue: ArrayLike<number>): number {
  const m = numpyMean(yTrue);
  return numpySum(
    mapN(yTrue.length, (i) => {
      const d = (yTrue[i] as number) - m;
      return d * d;
    }),
  );
}

/** Root mean squared error sqrt(SS_res/n) = sqrt(mean((ŷ − y)²)); NaN for n = 0. */
export function rootMeanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(residualSumOfSquares(yTrue, yPred) / yTrue.length);
}

/**
 * Coefficient of determination evaluated literally in IEEE float64: R² = 1 − SS_res/SS_tot. With
 * SS_tot = 0 this is −Infinity (SS_res > 0) or NaN (0/0), exactly what numpy gives for that expression.
 * See {@link r2ScoreForceFinite} for sklearn's default.
 */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return 1 - residualSumOfSquares(yTrue, yPred) / totalSumOfSquares(yTrue);
}

/**
 * R² with sklearn's `r2_score` default convention (`force_finite=True`): when SS_tot = 0 it is 1.0 if
 * SS_res = 0 (perfect prediction of a constant) and 0.0 otherwise; elsewhere 1 − SS_res/SS_tot.
 */
export function r2ScoreForceFinite(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return forceFinite(residualSumOfSquares(yTrue, yPred), totalSumOfSquares(yTrue));
}

function forceFinite(ssRes: number, ssTot: number): number {
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** True when every entry equals the first (scipy's `(x == x[0]).all()` constant-input test). */
function isConstant(x: ArrayLike<number>): boolean {
  const x0 = x[0] as number;
  for (let i = 1; i < x.length; i++) if (x[i] !== x0) return false;
  return true;
}

/**
 * Euclidean norm like `scipy.linalg.norm` on a 1-D float64 array (BLAS dnrm2, which OpenBLAS on x86-64
 * accumulates in extended precision): a compensated sqrt(Σv²) when that is safe, and
 * max|v|·sqrt(Σ(v/max)²) when Σv² would overflow or underflow.
 */
function norm2(v: Float64Array): number {
  const s = compensatedSum(v.length, (i) => (v[i] as number) * (v[i] as number));
  if (Number.isFinite(s) && s >= 2 ** -900) return Math.sqrt(s);
  let m = 0;
  for (const a of v) m = Math.max(m, Math.abs(a));
  if (m === 0 || !Number.isFinite(m)) return m;
  return m * Math.sqrt(compensatedSum(v.length, (i) => ((v[i] as number) / m) ** 2));
}

/**
 * Pearson's correlation coefficient r, following `scipy.stats.pearsonr` (scipy 1.10.1) step by step:
 *
 * - constant x or y (`(x == x[0]).all()`): NaN (scipy returns NaN with a ConstantInputWarning);
 * - n = 2: sign(x₁ − x₀)·sign(y₁ − y₀), exactly ±1;
 * - otherwise xm = x − mean(x), ym = y − mean(y), r = dot(xm/‖xm‖, ym/‖ym‖) (the centred vectors are
 *   normalised BEFORE the dot product, which is what keeps |r| ≤ 1 to an ulp), clipped to [−1, 1].
 *
 * Divergences: n < 2 returns NaN (scipy raises ValueError); scipy's NearConstantInputWarning is not
 * reproduced (nothing is emitted here). NaN in the data propagates to NaN.
 */
export function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkLengths(x, y, 'pearsonR');
  if (n < 2) return Number.NaN;
  if (isConstant(x) || isConstant(y)) return Number.NaN;
  if (n === 2) {
    return Math.sign((x[1] as number) - (x[0] as number)) * Math.sign((y[1] as number) - (y[0] as number));
  }
  const mx = numpyMean(x);
  const my = numpyMean(y);
  const xm = mapN(n, (i) => (x[i] as number) - mx);
  const ym = mapN(n, (i) => (y[i] as number) - my);
  const nx = norm2(xm);
  const ny = norm2(ym);
  // np.dot (BLAS ddot) of the normalised vectors, approximated by a compensated sum.
  const r = compensatedSum(n, (i) => ((xm[i] as number) / nx) * ((ym[i] as number) / ny));
  // max(min(r, 1), -1) as scipy does; NaN passes through (Math.min/max propagate NaN).
  return Math.max(Math.min(r, 1), -1);
}

/**
 * 1-based ranks with ties given the average of the ranks they span: `scipy.stats.rankdata(x,
 * method='average')` (e.g. [10, 20, 20, 30] → [1, 2.5, 2.5, 4]). If any value is NaN every rank is
 * NaN (scipy 1.10's default `nan_policy='propagate'`). ±Infinity are ordered normally.
 */
export function rank(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) return out.fill(Number.NaN);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  // Stable sort by value (ties keep index order, like scipy's mergesort; it does not affect averages).
  order.sort((a, b) => {
    const va = x[a] as number;
    const vb = x[b] as number;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  let start = 0;
  while (start < n) {
    const v = x[order[start] as number] as number;
    let end = start + 1;
    while (end < n && x[order[end] as number] === v) end++;
    // Positions start..end−1 (0-based) hold ranks start+1..end; their average is (start + 1 + end)/2.
    const r = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) out[order[j] as number] = r;
    start = end;
  }
  return out;
}

/**
 * Spearman's rank correlation ρ, following `scipy.stats.spearmanr(x, y)` (scipy 1.10.1): NaN when x or
 * y is constant (scipy: ConstantInputWarning) or n ≤ 1; otherwise the Pearson correlation of the
 * average ranks ({@link rank}), computed as scipy does through `np.corrcoef`:
 * c_xy = Σ(rx − r̄x)(ry − r̄y)·(1/(n − 1)), ρ = c_xy/sqrt(c_yy)/sqrt(c_xx), clipped to [−1, 1]. (This is why a
 * perfect ranking can come out as ±0.9999999999999999 rather than ±1, both in scipy and here.)
 */
export function spearmanRho(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkLengths(x, y, 'spearmanRho');
  if (n <= 1) return Number.NaN;
  if (isConstant(x) || isConstant(y)) return Number.NaN;
  const rx = rank(x);
  const ry = rank(y);
  const mx = numpyMean(rx);
  const my = numpyMean(ry);
  const fact = 1 / (n - 1);
  // np.cov: X −= mean; c = dot(X, Xᵀ)·(1/(n−1)). Rank deviations are multiples of ½, so these dot
  // products are exact in any order (for n up to ~10^5).
  const cxy = compensatedSum(n, (i) => ((rx[i] as number) - mx) * ((ry[i] as number) - my)) * fact;
  const cxx = compensatedSum(n, (i) => ((rx[i] as number) - mx) ** 2) * fact;
  const cyy = compensatedSum(n, (i) => ((ry[i] as number) - my) ** 2) * fact;
  // np.corrcoef: c /= stddev[:, None]; c /= stddev[None, :]; so c[1,0] = c_xy / sd_y / sd_x.
  const rho = cxy / Math.sqrt(cyy) / Math.sqrt(cxx);
  return Math.max(Math.min(rho, 1), -1);
}

/** All regression metrics of one (yTrue, yPred) pair; see the individual functions for definitions. */
export interface RegressionMetrics {
  readonly n: number;
  readonly mae: number;
  readonly rmse: number;
  /** Σ(y − ŷ)². */
  readonly ssRes: number;
  /** Σ(y − ȳ)². */
  readonly ssTot: number;
  /** 1 − ssRes/ssTot literally (−Infinity or NaN when ssTot = 0). */
  readonly r2: number;
  /** sklearn's force_finite R² (1 or 0 when ssTot = 0). */
  readonly r2ForceFinite: number;
  /** scipy pearsonr statistic; NaN for constant input. */
  readonly pearsonR: number;
  /** scipy spearmanr statistic; NaN for constant input. */
  readonly spearmanRho: number;
}

/**
 * Every metric at once, sharing SS_res/SS_tot: mae = mean|ŷ − y|, rmse = sqrt(SS_res/n),
 * r2 = 1 − SS_res/SS_tot (IEEE), r2ForceFinite (sklearn), pearsonR (scipy pearsonr), spearmanRho
 * (scipy spearmanr). Same semantics and edge cases as the individual functions.
 */
export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  const n = checkLengths(yTrue, yPred, 'regressionMetrics');
  const ssRes = residualSumOfSquares(yTrue, yPred);
  const ssTot = totalSumOfSquares(yTrue);
  return {
    n,
    mae: meanAbsoluteError(yTrue, yPred),
    rmse: Math.sqrt(ssRes / n),
    ssRes,
    ssTot,
    r2: 1 - ssRes / ssTot,
    r2ForceFinite: forceFinite(ssRes, ssTot),
    pearsonR: pearsonR(yTrue, yPred),
    spearmanRho: spearmanRho(yTrue, yPred),
  };
}
