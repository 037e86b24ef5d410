import { describe, expect, it } from 'vitest';
import { det3, inverse3 } from './mat3.ts';

const mul = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from({ length: 9 }, (_, k) => {
    const r = Math.floor(k / 3);
    const c = k % 3;
    return (
      (a[3 * r] ?? 0) * (b[c] ?? 0) +
      (a[3 * r + 1] ?? 0) * (b[3 + c] ?? 0) +
      (a[3 * r + 2] ?? 0) * (b[6 + c] ?? 0)
    );
  });

describe('mat3', () => {
  it('determinant of known matrices', () => {
    expect(det3([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(1);
    expect(det3([2, 0, 0, 0, 3, 0, 0, 0, 4])).toBe(24);
    expect(det3([1, 2, 3, 4, 5, 6, 7, 8, 10])).toBe(-3);
    expect(det3([1, 2, 3, 2, 4, 6, 0, 1, 1])).toBe(0);
  });

  it('inverse times matrix is the identity (a skewed lattice)', () => {
    const L = [5.271776, 0, 3.043661, 1.757259, 4.970278, 3.043661, 0, 0, 6.087323];
    const I = mul(L, inverse3(L));
    I.forEach((v, k) => expect(Math.abs(v - (k % 4 === 0 ? 1 : 0))).toBeLessThan(1e-15));
    expect(Array.from(inverse3([1, 2, 3, 4, 5, 6, 7, 8, 10]))).toEqual(
      [-2 / 3, -4 / 3, 1, -2 / 3, 11 / 3, -2, 1, -2, 1].map((v) => expect.closeTo(v, 14) as number),
    );
  });

  it('a singular matrix gives non-finite entries', () => {
    expect(inverse3([1, 2, 3, 2, 4, 6, 0, 1, 1]).some((v) => !Number.isFinite(v))).toBe(true);
  });
});
