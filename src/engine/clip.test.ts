import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { clipGradNorm } from '../core/clipping.ts';
import { clipByGlobalNorm } from './clip.ts';

interface ClipCase {
  name: string;
  grads: { shape: number[]; data: number[] }[];
  max_norm: number;
  norm_type: number; // 2 or Infinity (decoded)
  total_norm: number;
  clip_coef: number;
  clip_coef_clamped: number;
  clipped_grads: { shape: number[]; data: number[] }[];
}

// Tolerance: float32 rel 1e-6. The fixture's float64 gradients are rounded to float32 on upload (rel 6e-8
// each); the norm is a float32 sum of ≤ 110 squares (a few ulps) and one sqrt, the coefficient one add and
// one divide, each clipped entry one more multiply — all well inside 1e-6 relative. NaN/Infinity placement
// must be exact (closeRel treats NaN == NaN and equal infinities as equal).
const REL = 1e-6;

async function run(
  c: { grads: { shape: number[]; data: number[] }[] },
  maxNorm: number | null,
): Promise<{ preNorm: number; coef: number; clipped: Float32Array[]; finite: boolean }> {
  const grads = c.grads.map((g) => tf.tensor(g.data, g.shape, 'float32'));
  const { clipped, preNorm, coef } = clipByGlobalNorm(grads, maxNorm);
  const finite = tf.all(tf.isFinite(preNorm));
  const out = {
    preNorm: (await preNorm.data())[0] as number,
    coef: (await coef.data())[0] as number,
    clipped: await Promise.all(clipped.map(async (t) => (await t.data()) as Float32Array)),
    finite: (await finite.data())[0] === 1,
  };
  tf.dispose([...grads, ...clipped, preNorm, coef, finite]);
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`clipByGlobalNorm on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
      expect(tf.getBackend()).toBe(backend);
    });

    describeOracle('clipping.json', `clip_grad_norm_ L2 cases (${backend})`, () => {
      const cases = readOracle<{ cases: ClipCase[] }>('clipping.json').cases.filter((c) => c.norm_type === 2);
      let worst = 0;

      it('has the 27 L2 cases', () => {
        expect(cases).toHaveLength(27);
      });

      for (const c of cases) {
        it(`${c.name}: pre-clip norm, clamped coefficient and clipped gradients match torch`, async () => {
          const got = await run(c, c.max_norm);
          expect(closeRel(got.preNorm, c.total_norm, REL), `preNorm ${got.preNorm} vs ${c.total_norm}`).toBe(
            true,
          );
          expect(
            closeRel(got.coef, c.clip_coef_clamped, REL),
            `coef ${got.coef} vs ${c.clip_coef_clamped}`,
          ).toBe(true);
          c.clipped_grads.forEach((g, i) =>
            expectAllClose(got.clipped[i] as Float32Array, g.data, { rel: REL, label: `clipped[${i}]` }),
          );
          // The same on the core (float64) from the float32-rounded inputs.
          const core = clipGradNorm(
            c.grads.map((g) => Float32Array.from(g.data)),
            c.max_norm,
            2,
          );
          expect(closeRel(got.preNorm, core.totalNorm, REL)).toBe(true);
          expect(got.finite).toBe(core.finite);
          expect(got.finite).toBe(Number.isFinite(c.total_norm));
          if (Number.isFinite(c.total_norm) && c.total_norm > 0) {
            worst = Math.max(worst, Math.abs(got.preNorm - c.total_norm) / c.total_norm);
          }
        });
      }

      it('non-finite gradients: the norm is reported non-finite (NaN → NaN, Inf → Infinity, coef 0)', async () => {
        const nan = cases.find((c) => c.name.startsWith('nan_gradient'));
        const inf = cases.find((c) => c.name.startsWith('inf_gradient'));
        if (nan === undefined || inf === undefined) throw new Error('fixture lacks the NaN/Inf cases');
        const a = await run(nan, 0.5);
        expect(Number.isNaN(a.preNorm)).toBe(true);
        expect(Number.isNaN(a.coef)).toBe(true);
        expect(a.finite).toBe(false);
        expect(a.clipped.every((t) => t.every((x) => Number.isNaN(x)))).toBe(true);
        const b = await run(inf, 0.5);
        expect(b.preNorm).toBe(Number.POSITIVE_INFINITY);
        expect(b.coef).toBe(0);
        expect(b.finite).toBe(false);
      });

      it('a norm exactly at max_norm is still scaled by max/(max + 1e-6), as torch does', async () => {
        const c = cases.find((x) => x.name === 'norm_exactly_one__norm2__max1.0');
        if (c === undefined) throw new Error('norm_exactly_one missing');
        const got = await run(c, 1);
        expect(got.coef).toBeLessThan(1);
        // float32: 1 + 1e-6 rounds to 1 + 8·2⁻²³, so the coefficient is 1/(1 + 9.5367e-7) in float32.
        expect(got.coef).toBe(Math.fround(1 / Math.fround(1 + 1e-6)));
      });

      it('reports the observed deviation', () => {
        console.log(`[clip ${backend}] max rel deviation of preNorm from torch: ${worst.toExponential(2)}`);
        expect(worst).toBeLessThanOrEqual(REL);
      });
    });

    it('hand-derived: grads [3,4] and [12] → norm 13, coef 0.5/(13+1e-6)', async () => {
      const got = await run(
        {
          grads: [
            { shape: [2], data: [3, 4] },
            { shape: [1, 1], data: [12] },
          ],
        },
        0.5,
      );
      expect(got.preNorm).toBe(13);
      const coef = Math.fround(0.5 / Math.fround(13 + 1e-6));
      expect(closeRel(got.coef, coef, 1e-7)).toBe(true);
      expectAllClose(got.clipped[0] as Float32Array, [3 * coef, 4 * coef], { rel: 1e-7 });
      expectAllClose(got.clipped[1] as Float32Array, [12 * coef], { rel: 1e-7 });
    });

    it('maxNorm null: coef 1, the gradients are returned as they are, the norm is still computed', () => {
      const g = [tf.tensor1d([3, 4]), tf.scalar(12)];
      const { clipped, preNorm, coef } = clipByGlobalNorm(g, null);
      expect(clipped).toEqual(g);
      expect(clipped[0]).toBe(g[0]);
      expect(preNorm.dataSync()[0]).toBe(13);
      expect(coef.dataSync()[0]).toBe(1);
      tf.dispose([...g, preNorm, coef]);
    });

    it('an empty list has norm 0 (torch: tensor(0.)); an invalid maxNorm is refused', () => {
      const { preNorm, coef, clipped } = clipByGlobalNorm([], 0.5);
      expect(preNorm.dataSync()[0]).toBe(0);
      expect(coef.dataSync()[0]).toBe(1);
      expect(clipped).toEqual([]);
      tf.dispose([preNorm, coef]);
      expect(() => clipByGlobalNorm([], -1)).toThrow(/max norm/);
      expect(() => clipByGlobalNorm([], Number.NaN)).toThrow(RangeError);
    });

    it('leaves no intermediate tensors behind', () => {
      const g = [tf.randomNormal([5, 3]), tf.randomNormal([7])];
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) {
        const r = clipByGlobalNorm(g, 0.5);
        tf.dispose([...r.clipped, r.preNorm, r.coef]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(g);
    });
  });
}
