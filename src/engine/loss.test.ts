import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { lossValueAndGrad, type LossConfig } from '../core/losses.ts';
import { lossConfigOf, type LossCase } from '../core/testing/lossFixture.ts';
import { lossTensor } from './loss.ts';

/** Value and d/dpred, d/dtarget of lossTensor through TF's autodiff (tf.grads), read back. */
async function deviceLoss(
  config: LossConfig,
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  shape: number[],
  upstream = 1,
): Promise<{ value: number; dPred: Float32Array; dTarget: Float32Array }> {
  const p = tf.tensor(Array.from(pred), shape, 'float32');
  const t = tf.tensor(Array.from(target), shape, 'float32');
  const value = lossTensor(config, p, t);
  const [dp, dt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(lossTensor(config, a, b), upstream))([
    p,
    t,
  ]) as [tf.Tensor, tf.Tensor];
  const out = {
    value: (await value.data())[0] as number,
    dPred: (await dp.data()) as Float32Array,
    dTarget: (await dt.data()) as Float32Array,
  };
  tf.dispose([p, t, value, dp, dt]);
  return out;
}

const f32 = (xs: readonly number[]): number[] => Array.from(Float32Array.from(xs));

// Tolerances (float32 device code vs the float64 core on the SAME float32-rounded inputs, so input
// rounding is not counted): value rel 1e-6 — a float32 mean of ≤ 64 non-negative terms carries a few
// float32 ulps (6e-8 each) of summation error; gradient rel 1e-6 per entry — each entry is one float32
// product norm·slope (≤ 2 roundings) — with abs 0, so an entry torch makes exactly 0 (sign(0)) must be
// exactly 0 here. Versus the fixture itself (float64 inputs), a second check allows the input rounding:
// |Δ| ≤ 1e-6·max|·| for both.
const VALUE_REL = 1e-6;
const GRAD_REL = 1e-6;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`lossTensor on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
      expect(tf.getBackend()).toBe(backend);
    });

    describeOracle('losses.json', `losses vs src/core/losses.ts (${backend})`, () => {
      const cases = readOracle<{ cases: LossCase[] }>('losses.json').cases;
      let worstValue = 0;
      let worstGrad = 0;

      for (const c of cases) {
        for (const r of c.results) {
          const cfg = lossConfigOf(r);
          it(`${c.name} ${r.loss}${JSON.stringify(r.kwargs)}: value and d/dpred`, async () => {
            const p = f32(c.predictions);
            const t = f32(c.targets);
            const ref = lossValueAndGrad(cfg, p, t); // float64 on the float32 inputs
            const got = await deviceLoss(cfg, p, t, c.shape);
            expect(
              closeRel(got.value, ref.value, VALUE_REL),
              `value ${got.value} vs core ${ref.value} (rel ${VALUE_REL})`,
            ).toBe(true);
            expectAllClose(got.dPred, ref.grad, { rel: GRAD_REL, label: 'd/dpred' });
            expectAllClose(
              got.dTarget,
              Array.from(ref.grad, (g) => -g),
              { rel: GRAD_REL, label: 'd/dtarget' },
            );
            // And against torch's float64 numbers themselves, allowing for the float32 rounding of the
            // inputs: |Δe_i| ≤ 2⁻²⁴(|p_i| + |t_i|), times the slope's Lipschitz constant L (MSE 2, Huber 1,
            // SmoothL1 1/β, L1 0), over n — plus the same 1e-6 relative as above.
            const n = p.length;
            const lip =
              cfg.kind === 'mse' ? 2 : cfg.kind === 'huber' ? 1 : cfg.kind === 'smoothl1' ? 1 / cfg.beta : 0;
            for (let i = 0; i < n; i++) {
              const g = r.grad[i] as number;
              const inputRounding =
                (lip * 2 ** -24 * (Math.abs(c.predictions[i] as number) + Math.abs(c.targets[i] as number))) /
                n;
              expect(Math.abs((got.dPred[i] as number) - g), `d/dpred[${i}] vs torch`).toBeLessThanOrEqual(
                inputRounding + GRAD_REL * Math.abs(g),
              );
            }
            expect(Math.abs(got.value - r.value)).toBeLessThanOrEqual(1e-6 * Math.abs(r.value));
            worstValue = Math.max(worstValue, Math.abs(got.value - ref.value) / Math.abs(ref.value || 1));
            for (let i = 0; i < ref.grad.length; i++) {
              const g = ref.grad[i] as number;
              if (g !== 0)
                worstGrad = Math.max(worstGrad, Math.abs((got.dPred[i] as number) - g) / Math.abs(g));
            }
          });
        }
      }

      it('reports the observed float32 deviation', () => {
        console.log(
          `[loss ${backend}] max rel deviation from the float64 core: value ${worstValue.toExponential(2)}, grad ${worstGrad.toExponential(2)}`,
        );
        expect(worstValue).toBeLessThanOrEqual(VALUE_REL);
        expect(worstGrad).toBeLessThanOrEqual(GRAD_REL);
      });
    });

    it("TF.js's own abs gradient at 0 is −1 (why the losses carry a custom gradient)", async () => {
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.abs(x)))(tf.tensor1d([0, 2, -2]));
      expect(Array.from(await g.data())).toEqual([-1, 1, -1]);
      g.dispose();
    });

    it('L1 and SmoothL1(β=0) give gradient exactly 0 at a zero residual (torch sign(0) = 0)', async () => {
      const p = [0.5, 1.5, -2, 3];
      const t = [0.5, 1, -1, 3];
      for (const cfg of [{ kind: 'mae' }, { kind: 'smoothl1', beta: 0 }] as LossConfig[]) {
        const got = await deviceLoss(cfg, p, t, [4]);
        expect(Array.from(got.dPred)).toEqual([0, 0.25, -0.25, 0]);
        expect(got.value).toBeCloseTo((0 + 0.5 + 1 + 0) / 4, 7);
      }
      // Huber and MSE at e = 0: slope e = 0.
      for (const cfg of [{ kind: 'huber', delta: 0.2 }, { kind: 'mse' }] as LossConfig[]) {
        const got = await deviceLoss(cfg, [1], [1], [1]);
        expect(got.dPred[0]).toBe(0);
        expect(got.value).toBe(0);
      }
    });

    it('hand-derived Huber(δ=0.5) on a [4,1] batch: both branches, value and gradient', async () => {
      // e = [0.25, -1, 2, 0]: ℓ = [0.03125, 0.375, 0.875, 0] → mean 0.3203125 (all exact in float32);
      // slope = [0.25, -0.5, 0.5, 0] / 4.
      const got = await deviceLoss({ kind: 'huber', delta: 0.5 }, [1.25, 0, 2, 3], [1, 1, 0, 3], [4, 1]);
      expect(got.value).toBe(0.3203125);
      expect(Array.from(got.dPred)).toEqual([0.0625, -0.125, 0.125, 0]);
    });

    it('the upstream gradient multiplies through (d(3·loss)/dpred = 3·d loss/dpred)', async () => {
      const cfg: LossConfig = { kind: 'smoothl1', beta: 0.5 };
      const a = await deviceLoss(cfg, [0.3, -2, 1], [0, 0, 0], [3]);
      const b = await deviceLoss(cfg, [0.3, -2, 1], [0, 0, 0], [3], 3);
      expectAllClose(
        b.dPred,
        Array.from(a.dPred, (x) => 3 * x),
        { rel: 1e-7, label: '3·grad' },
      );
    });

    it('works with tf.variableGrads on a variable (the trainer pattern)', async () => {
      const w = tf.variable(tf.tensor2d([[2], [-1]]), true);
      const x = tf.tensor2d([[1, 0.5]]);
      const y = tf.tensor2d([[0.5]]);
      // pred = x·w = 2 − 0.5 = 1.5, e = 1 → Huber(0.2) slope 0.2, d/dw = 0.2·xᵀ.
      const { value, grads } = tf.variableGrads(
        () => lossTensor({ kind: 'huber', delta: 0.2 }, tf.matMul(x, w), y),
        [w],
      );
      expect((await value.data())[0]).toBeCloseTo(0.2 * (1 - 0.1), 7);
      expectAllClose(await (grads[w.name] as tf.Tensor).data(), [0.2, 0.1], { rel: 1e-7 });
      tf.dispose([w, x, y, value, ...Object.values(grads)]);
    });

    it('a NaN residual gives a NaN gradient for every kind (never a silent 0 or ±δ)', async () => {
      const cfgs: LossConfig[] = [
        { kind: 'mse' },
        { kind: 'mae' },
        { kind: 'huber', delta: 0.2 },
        { kind: 'smoothl1', beta: 0.2 },
        { kind: 'smoothl1', beta: 0 },
      ];
      for (const cfg of cfgs) {
        const got = await deviceLoss(cfg, [Number.NaN, 1], [0, 0], [2]);
        expect(Number.isNaN(got.value), cfg.kind).toBe(true);
        expect(Number.isNaN(got.dPred[0] as number), `${cfg.kind} grad`).toBe(true);
        expect(Number.isNaN(got.dPred[1] as number), `${cfg.kind} grad[1]`).toBe(false);
      }
    });

    it('refuses mismatched shapes, empty batches and invalid δ/β with a readable message', () => {
      const a = tf.zeros([3, 1]);
      const b = tf.zeros([3]);
      const e = tf.zeros([0, 1]);
      expect(() => lossTensor({ kind: 'mse' }, a, b)).toThrow(/shape \[3, 1\].*\[3\]/);
      expect(() => lossTensor({ kind: 'mse' }, e, e)).toThrow(/empty/);
      expect(() => lossTensor({ kind: 'huber', delta: 0 }, a, a)).toThrow(RangeError);
      expect(() => lossTensor({ kind: 'smoothl1', beta: -1 }, a, a)).toThrow(RangeError);
      tf.dispose([a, b, e]);
    });

    it('leaks no tensors', async () => {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await deviceLoss({ kind: 'huber', delta: 0.2 }, [1, 2, 3], [0, 2, 4], [3]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
