import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, readOracle } from '../../test/oracle.ts';
import {
  CLIP_EPS,
  clipCoefficient,
  clipGradNorm,
  globalNorm,
  isFiniteAll,
  type ClipNormType,
} from './clipping.ts';

interface Tensor {
  shape: number[];
  data: number[];
}
interface ClipCase {
  name: string;
  grads: Tensor[];
  max_norm: number;
  norm_type: number; // 2 or Infinity (decoded from "Infinity")
  total_norm: number;
  clip_coef: number;
  clip_coef_clamped: number;
  clipped_grads: Tensor[];
}
interface ClipFile {
  cases: ClipCase[];
}

function normTypeOf(c: ClipCase): ClipNormType {
  if (c.norm_type === 2) return 2;
  if (c.norm_type === Number.POSITIVE_INFINITY) return 'inf';
  throw new Error(`${c.name}: unexpected norm_type ${c.norm_type}`);
}

// Tolerance (README): rel 1e-12 for norms, coefficients and clipped values — the norm is a float64 sum of
// ≤ 110 squares, so a different summation order moves it by a few ulps (~1e-15), and every clipped entry
// is one multiplication by the coefficient. NaN/±Infinity placement must be exact, and so is the sign
// of zero, because plain IEEE multiplication reproduces torch's −0 (−2·0 in `inf_gradient`).
const REL = 1e-12;

/** closeRel plus the sign of zero (Object.is) when the expected value is ±0. */
function sameValue(a: number, e: number): boolean {
  if (e === 0) return Object.is(a, e);
  return closeRel(a, e, REL);
}

describeOracle('clipping.json', 'clipping', () => {
  const file = readOracle<ClipFile>('clipping.json');

  it('has 54 cases (9 gradient sets × norm 2/inf × max_norm 0.5/1/10)', () => {
    expect(file.cases).toHaveLength(54);
    for (const c of file.cases) {
      expect([0.5, 1, 10]).toContain(c.max_norm);
      for (const g of c.grads) expect(g.data.length).toBe(g.shape.reduce((a, b) => a * b, 1));
    }
  });

  for (const c of file.cases) {
    it(`${c.name}: total_norm, clip_coef(_clamped) and every clipped entry match torch`, () => {
      const p = normTypeOf(c);
      const grads = c.grads.map((g) => g.data);
      const before = JSON.stringify(grads);
      const out = clipGradNorm(grads, c.max_norm, p);

      expect(sameValue(out.totalNorm, c.total_norm), `total_norm ${out.totalNorm} vs ${c.total_norm}`).toBe(
        true,
      );
      expect(sameValue(out.clipCoef, c.clip_coef), `clip_coef ${out.clipCoef} vs ${c.clip_coef}`).toBe(true);
      expect(
        sameValue(out.clipCoefClamped, c.clip_coef_clamped),
        `clip_coef_clamped ${out.clipCoefClamped} vs ${c.clip_coef_clamped}`,
      ).toBe(true);

      expect(out.clipped).toHaveLength(c.clipped_grads.length);
      c.clipped_grads.forEach((t, j) => {
        const got = out.clipped[j];
        if (got === undefined) throw new Error(`missing clipped tensor ${j}`);
        expect(got).toBeInstanceOf(Float64Array);
        expect(got.length).toBe(t.data.length);
        t.data.forEach((e, i) => {
          const a = got[i] as number;
          expect(sameValue(a, e), `clipped[${j}][${i}]: got ${a}, expected ${e}`).toBe(true);
        });
      });

      // The same numbers through the smaller entry points.
      expect(sameValue(globalNorm(grads, p), c.total_norm)).toBe(true);
      expect(sameValue(clipCoefficient(c.total_norm, c.max_norm), c.clip_coef_clamped)).toBe(true);

      // Flags: finite ⇔ total_norm finite ⇔ every entry finite; fired ⇔ the gradients were shrunk.
      expect(out.finite).toBe(Number.isFinite(c.total_norm));
      expect(isFiniteAll(grads)).toBe(Number.isFinite(c.total_norm));
      expect(out.fired).toBe(c.clip_coef_clamped < 1);

      // Pure: the caller's gradients are untouched.
      expect(JSON.stringify(grads)).toBe(before);
    });
  }
});

describe('clipping (fixture-free properties)', () => {
  it('p=2 global norm equals the flat L2 norm of all entries; inf is the max |g|', () => {
    const grads = [[3, -4], [12], [], [0, 0, -84]];
    expect(globalNorm(grads, 2)).toBe(85); // sqrt(9+16+144+7056) = 85
    expect(globalNorm(grads, 'inf')).toBe(84);
  });

  it('does not overflow or underflow for extreme entries (deliberate divergence from torch overflow)', () => {
    expect(closeRel(globalNorm([[3e200], [4e200]], 2), 5e200, 1e-15)).toBe(true);
    expect(closeRel(globalNorm([[3e-200, 4e-200]], 2), 5e-200, 1e-15)).toBe(true);
    const out = clipGradNorm([[3e200, -4e200]], 1, 2);
    expect(out.finite).toBe(true);
    expect(closeRel(out.clipped[0]?.[0] ?? Number.NaN, 0.6, 1e-15)).toBe(true);
    expect(closeRel(out.clipped[0]?.[1] ?? Number.NaN, -0.8, 1e-15)).toBe(true);
  });

  it('an empty gradient list has norm 0 and clips nothing', () => {
    const out = clipGradNorm([], 1, 2);
    expect(out.totalNorm).toBe(0);
    expect(out.clipCoef).toBe(1 / CLIP_EPS);
    expect(out.clipCoefClamped).toBe(1);
    expect(out.clipped).toEqual([]);
    expect(out.finite).toBe(true);
    expect(out.fired).toBe(false);
  });

  it('NaN beats Infinity in the norm (torch: NaN propagates through sum and max)', () => {
    expect(globalNorm([[Infinity], [Number.NaN]], 2)).toBeNaN();
    expect(globalNorm([[Infinity], [Number.NaN]], 'inf')).toBeNaN();
    expect(globalNorm([[-Infinity, 1]], 2)).toBe(Infinity);
    expect(globalNorm([[-Infinity, 1]], 'inf')).toBe(Infinity);
  });

  it('accepts Float32Array gradients and returns Float64Array copies', () => {
    const g = Float32Array.from([0.5, -0.25]);
    const out = clipGradNorm([g], 10, 2);
    expect(out.clipCoefClamped).toBe(1);
    expect(Array.from(out.clipped[0] ?? [])).toEqual([0.5, -0.25]);
    expect(out.clipped[0]).not.toBe(g);
  });
});
