/**
 * Downsampling a series for drawing: split it into buckets and keep each bucket's minimum and maximum
 * (in their original order), so spikes — a loss blow-up, a clipped gradient — survive at any zoom while
 * a 100-epoch run stays a few hundred points. Non-finite values are kept as they are (a chart shows a gap).
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number,
): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= maxPoints || maxPoints < 4) {
    return {
      x: Array.from({ length: n }, (_, i) => x[i] as number),
      y: Array.from({ length: n }, (_, i) => y[i] as number),
    };
  }
  const buckets = Math.floor(maxPoints / 2);
  const outX: number[] = [];
  const outY: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let iMin = lo;
    let iMax = lo;
    for (let i = lo; i < hi; i++) {
      const v = y[i] as number;
      if (!(v >= (y[iMin] as number))) iMin = i;
      if (!(v <= (y[iMax] as number))) iMax = i;
    }
    for (const i of iMin === iMax ? [iMin] : iMin < iMax ? [iMin, iMax] : [iMax, iMin]) {
      outX.push(x[i] as number);
      outY.push(y[i] as number);
    }
  }
  return { x: outX, y: outY };
}
