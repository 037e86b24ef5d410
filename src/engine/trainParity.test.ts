/**
 * Three training steps of CGCNN against PyTorch 1.13 (`cgcnn_parity.json`, F = 8, 2 convolutions, every
 * tensor in full): the engine's pieces together — `lossTensor` (Huber δ = 0.2), `clipByGlobalNorm`
 * (max_norm 0.5), `DeviceOptimizer` (SGD momentum 0.9 / Adam) with the fixture's per-step OneCycle lr and
 * momentum/β₁ — around helper E's `CgcnnModel`, on 'cpu' and 'wasm'.
 *
 * Each step, as the fixture's loop: train forward → Huber loss → backward → clip_grad_norm_(0.5) →
 * optimizer.step() with that step's lr and momentum (β₁); running statistics updated by the forward.
 *
 * Tolerances: the oracle README's float32 table ("CGCNN in float32"). "rel r of each tensor's max" means
 * |Δ| ≤ r·max|ref| per tensor (what the README's observed column measures: max|x32 − x64|/max|x64|);
 * scalars (losses, norms, coefficients) and the 3 eval outputs are compared element-wise relative.
 * - every step, both optimizers: Huber and MSE losses, pre-clip norm, clip_coef_clamped: rel 1e-4;
 * - SGD: updates (after − before) of steps 0 and 1: rel 2e-2 of each tensor's max update, fc_full.bias
 *   excluded (its gradient is mathematically zero; step 2's lr 2e-7 is below float32 resolution);
 *   parameters after every step rel 1e-4 of each tensor's max; running statistics rel 1e-4 of each
 *   tensor's max; eval outputs after the 3 steps rel 1e-4;
 * - Adam: parameters after every step rel 1e-2 of each tensor's max, fc_full.bias excluded (Adam turns
 *   its float32 gradient noise into O(lr) updates: no parity possible); eval outputs after rel 0.1 (smoke).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { runParitySteps, type ParityCase, type StepRecord } from './testing/parity.ts';

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
};

/** max|a − e| / max|e| (the README's per-tensor relative deviation). */
function tensorRel(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < expected.length; i++)
    d = Math.max(d, Math.abs((actual[i] as number) - (expected[i] as number)));
  const m = maxAbs(expected);
  return m === 0 ? d : d / m;
}

const isZeroGradBias = (name: string): boolean => /^convs\.\d+\.fc_full\.bias$/.test(name);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`3 CGCNN training steps vs torch on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
      expect(tf.getBackend()).toBe(backend);
    });

    describeOracle('cgcnn_parity.json', `train.SGD and train.Adam (${backend})`, () => {
      const c = readOracle<{ cases: ParityCase[] }>('cgcnn_parity.json').cases[0] as ParityCase;

      for (const which of ['SGD', 'Adam'] as const) {
        describe(which, () => {
          const run = c.train[which];
          const records: StepRecord[] = [];
          let evalAfter: Float32Array = new Float32Array(0);
          let paramNames: string[] = [];
          let bufferNames: string[] = [];

          beforeAll(async () => {
            expect(run.clip.norm_type).toBe(2);
            expect(run.loss.name).toBe('HuberLoss');
            const r = await runParitySteps(c, which);
            records.push(...r.records);
            evalAfter = r.evalAfter;
            paramNames = r.paramNames;
            bufferNames = r.bufferNames;
            expect(paramNames).toEqual(c.init.param_order);
          });

          it('per step: Huber and MSE losses, pre-clip norm and clip_coef_clamped rel 1e-4', () => {
            expect(records).toHaveLength(3);
            const devs: number[] = [];
            run.steps.forEach((s, t) => {
              const r = records[t] as StepRecord;
              for (const [label, got, want] of [
                ['huber', r.huber, s.huber_loss],
                ['mse', r.mse, s.mse_loss],
                ['preclip_norm', r.preNorm, s.preclip_norm],
                ['clip_coef_clamped', r.coef, s.clip_coef_clamped],
              ] as const) {
                expect(closeRel(got, want, 1e-4), `step ${t} ${label}: ${got} vs ${want}`).toBe(true);
                devs.push(Math.abs(got - want) / Math.abs(want));
              }
            });
            console.log(
              `[trainParity ${backend} ${which}] losses/norms/coefs max rel dev ${Math.max(...devs).toExponential(2)}`,
            );
          });

          if (which === 'SGD') {
            it('updates of steps 0 and 1: rel 2e-2 of each tensor’s max update (fc_full.bias excluded)', () => {
              let worst = 0;
              for (const t of [0, 1]) {
                const r = records[t] as StepRecord;
                paramNames.forEach((name, i) => {
                  if (isZeroGradBias(name)) return;
                  const before = t === 0 ? c.init.params[name] : run.steps[t - 1]?.params_after[name];
                  const after = run.steps[t]?.params_after[name];
                  if (before === undefined || after === undefined) throw new Error(`fixture lacks ${name}`);
                  const refUpd = after.data.map((a, j) => a - (before.data[j] as number));
                  const ourUpd = Array.from(
                    r.paramsAfter[i] as Float32Array,
                    (a, j) => a - ((r.paramsBefore[i] as Float32Array)[j] as number),
                  );
                  const dev = tensorRel(ourUpd, refUpd);
                  expect(dev, `step ${t} ${name} update`).toBeLessThanOrEqual(2e-2);
                  worst = Math.max(worst, dev);
                });
              }
              console.log(
                `[trainParity ${backend} SGD] updates max rel (of tensor max) ${worst.toExponential(2)}`,
              );
            });

            it('parameters after every step rel 1e-4 of each tensor’s max; running statistics rel 1e-4', () => {
              let worstP = 0;
              let worstB = 0;
              run.steps.forEach((s, t) => {
                const r = records[t] as StepRecord;
                paramNames.forEach((name, i) => {
                  const dev = tensorRel(r.paramsAfter[i] as Float32Array, s.params_after[name]?.data ?? []);
                  expect(dev, `step ${t} ${name}`).toBeLessThanOrEqual(1e-4);
                  worstP = Math.max(worstP, dev);
                });
                bufferNames.forEach((name, i) => {
                  const dev = tensorRel(r.buffersAfter[i] as Float32Array, s.buffers_after[name]?.data ?? []);
                  expect(dev, `step ${t} ${name}`).toBeLessThanOrEqual(1e-4);
                  worstB = Math.max(worstB, dev);
                });
              });
              console.log(
                `[trainParity ${backend} SGD] params max rel ${worstP.toExponential(2)}, running stats max rel ${worstB.toExponential(2)}`,
              );
            });

            it('eval outputs after the 3 steps rel 1e-4', () => {
              expectAllClose(evalAfter, run.eval_outputs_after.data, {
                rel: 1e-4,
                label: 'eval_outputs_after',
              });
            });
          } else {
            it('parameters after every step rel 1e-2 of each tensor’s max (fc_full.bias excluded)', () => {
              let worst = 0;
              run.steps.forEach((s, t) => {
                const r = records[t] as StepRecord;
                paramNames.forEach((name, i) => {
                  if (isZeroGradBias(name)) return;
                  const dev = tensorRel(r.paramsAfter[i] as Float32Array, s.params_after[name]?.data ?? []);
                  expect(dev, `step ${t} ${name}`).toBeLessThanOrEqual(1e-2);
                  worst = Math.max(worst, dev);
                });
              });
              console.log(
                `[trainParity ${backend} Adam] params max rel (fc_full.bias excluded) ${worst.toExponential(2)}`,
              );
            });

            it('eval outputs after the 3 steps rel 0.1 (smoke check, per the README)', () => {
              expectAllClose(evalAfter, run.eval_outputs_after.data, {
                rel: 0.1,
                label: 'eval_outputs_after',
              });
              console.log(
                `[trainParity ${backend} Adam] eval_outputs_after max rel ${Math.max(...run.eval_outputs_after.data.map((e, i) => Math.abs((evalAfter[i] as number) - e) / Math.abs(e))).toExponential(2)}`,
              );
            });
          }
        });
      }
    });
  });
}
