import { describe, expect, it } from 'vitest';
import { closeRel, expectAllClose } from '../../test/oracle.ts';
import {
  avgSmoothLossInit,
  avgSmoothLossStep,
  avgSmoothLossValue,
  debiasedEma,
  fastaiSmoothLosses,
} from './smoothing.ts';

// Hand-computed expectations are exact rationals; float64 evaluation of a few terms is good to a few
// ulp, so 1e-14 relative.
const REL = 1e-14;

describe('debiasedEma (TensorBoard smoothing)', () => {
  it('[1, 2, 3] with w = 0.5 gives 1, 5/3, 17/7', () => {
    // last: 0.5·0 + 0.5·1 = 0.5 → /(1 − 0.5) = 1
    //       0.5·0.5 + 0.5·2 = 1.25 → /(1 − 0.25) = 5/3
    //       0.5·1.25 + 0.5·3 = 2.125 → /(1 − 0.125) = 17/7
    expectAllClose(debiasedEma([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7], { rel: REL });
  });

  it('[1, 3] with w = 0.98 gives 1, 199/99', () => {
    // last: 0.02·1 = 0.02 → /0.02 = 1; 0.98·0.02 + 0.02·3 = 0.0796 → /(1 − 0.9604 = 0.0396) = 199/99
    expectAllClose(debiasedEma([1, 3], 0.98), [1, 199 / 99], { rel: 1e-13 });
  });

  it('passes non-finite values through unchanged and does not count them (TensorBoard)', () => {
    const out = debiasedEma([1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[3]).toBe(Number.POSITIVE_INFINITY);
    expect(out[5]).toBe(Number.NEGATIVE_INFINITY);
    // The finite ones are the [1, 2, 3] result: debias exponents 1, 2, 3 (finite points only).
    expectAllClose([out[0] ?? 0, out[2] ?? 0, out[4] ?? 0], [1, 5 / 3, 17 / 7], { rel: REL });
  });

  it('a constant series stays (to rounding) constant thanks to the debias', () => {
    const out = debiasedEma(new Array<number>(200).fill(4.2), 0.99);
    for (const v of out) expect(closeRel(v, 4.2, 1e-13)).toBe(true);
  });

  it('w = 0 is the identity on finite values; the first output always equals the first finite input', () => {
    expect(Array.from(debiasedEma([3, -1, 7], 0))).toEqual([3, -1, 7]);
    expect(debiasedEma([Number.NaN, 0.7, 5], 0.9)[1]).toBeCloseTo(0.7, 15);
  });

  it('empty input gives an empty array; w outside [0, 1) throws', () => {
    expect(debiasedEma([], 0.6)).toHaveLength(0);
    expect(() => debiasedEma([1], 1)).toThrow(/beta/);
    expect(() => debiasedEma([1], -0.1)).toThrow(/beta/);
    expect(() => debiasedEma([1], Number.NaN)).toThrow(/beta/);
  });
});

describe('fastai AvgSmoothLoss', () => {
  it('[1, 3] with β = 0.98 gives 1, 199/99 (same maths as TensorBoard for finite input)', () => {
    expectAllClose(fastaiSmoothLosses([1, 3]), [1, 199 / 99], { rel: 1e-13 });
    expectAllClose(fastaiSmoothLosses([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7], { rel: REL });
  });

  it('state machine: value is NaN before the first loss (0/0), immutable steps', () => {
    const s0 = avgSmoothLossInit();
    expect(s0).toEqual({ beta: 0.98, count: 0, val: 0 });
    expect(avgSmoothLossValue(s0)).toBeNaN();
    const s1 = avgSmoothLossStep(s0, 2);
    expect(s0.count).toBe(0);
    // lerp(2, 0, 0.98) = 0 − (0 − 2)·(1 − 0.98); the debias divides by the same (1 − 0.98): exactly 2.
    expect(avgSmoothLossValue(s1)).toBe(2);
  });

  it('NaN poisons the average for good, +∞ turns into NaN at the next step (no skipping, unlike TensorBoard)', () => {
    const a = fastaiSmoothLosses([2, Number.NaN, 1, 1]);
    expect(a[0]).toBe(2);
    expect(Array.from(a.subarray(1)).every(Number.isNaN)).toBe(true);
    const b = fastaiSmoothLosses([1, Number.POSITIVE_INFINITY, 1]);
    expect(b[1]).toBe(Number.POSITIVE_INFINITY);
    expect(b[2]).toBeNaN();
  });
});
