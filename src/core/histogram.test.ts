import { describe, expect, it } from 'vitest';
import { histogram, quantile } from './histogram.ts';

describe('histogram', () => {
  it('bins as numpy.histogram does (last bin closed), skipping non-finite and out-of-range values', () => {
    // np.histogram([0, 0.5, 1, 1.5, 2, 2, 3.5, 4], bins=4, range=(0, 4)) → [2, 2, 2, 2]
    const h = histogram([0, 0.5, 1, 1.5, 2, 2, 3.5, 4, NaN, -1, 5, Infinity], 4, 0, 4);
    expect(Array.from(h.counts)).toEqual([2, 2, 2, 2]);
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(h.outside).toBe(2);
  });
  it('puts a value on an inner edge in the upper bin despite rounding', () => {
    // edges of (0, 0.3) in 3 bins: 0, 0.1, 0.2, 0.3; 0.1 and 0.2 belong to bins 1 and 2.
    const h = histogram([0.1, 0.2, 0.3], 3, 0, 0.3);
    expect(Array.from(h.counts)).toEqual([0, 1, 2]);
  });
  it('rejects bad arguments', () => {
    expect(() => histogram([1], 0, 0, 1)).toThrow(RangeError);
    expect(() => histogram([1], 2, 1, 1)).toThrow(/lo < hi/);
  });
});

describe('quantile', () => {
  it('interpolates linearly like numpy.quantile', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([3, 1, 2, NaN], 1)).toBe(3);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46, 12);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
