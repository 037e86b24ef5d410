/**
 * Fixed-width histogram of the finite values of `x` over [lo, hi] in `bins` equal bins (numpy's rule:
 * every bin is half-open [a, b) except the last, which includes hi). Values outside [lo, hi] and
 * non-finite values are not counted; `outside` says how many finite values fell outside.
 */
export interface Hist {
  /** bins + 1 edges, ascending. */
  readonly edges: Float64Array;
  readonly counts: Int32Array;
  readonly outside: number;
}

export function histogram(x: ArrayLike<number>, bins: number, lo: number, hi: number): Hist {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`histogram: bins must be a whole number ≥ 1, got ${bins}.`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new RangeError(`histogram: need finite lo < hi, got [${lo}, ${hi}].`);
  }
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  edges[bins] = hi;
  const counts = new Int32Array(bins);
  let outside = 0;
  const w = (hi - lo) / bins;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    let b = v === hi ? bins - 1 : Math.floor((v - lo) / w);
    // Guard the rounding at bin edges: keep edges[b] ≤ v < edges[b + 1].
    if (b > 0 && v < edges[b]!) b--;
    else if (b < bins - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return { edges, counts, outside };
}

/** The q-quantile (0 ≤ q ≤ 1) of the finite values, linear interpolation (numpy's default); NaN if none. */
export function quantile(x: ArrayLike<number>, q: number): number {
  const v = Array.from(x)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const pos = q * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i]! + f * (v[i + 1]! - v[i]!) : v[i]!;
}
