import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  initOptimizerState,
  makeOptimizerConfig,
  optimizerStep,
  type OptimizerConfig,
  type OptimizerState,
  type StepOverrides,
} from '../core/optimizers.ts';
import { createRng, normalArray } from '../core/rng.ts';
import { scheduleAt, withDefaults } from '../core/schedules.ts';
import { clipByGlobalNorm } from './clip.ts';
import { DeviceOptimizer, oneMinusPow, type DeviceOptimizerState } from './optim.ts';

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/** Parameter shapes of the toy model: a matrix, a vector and a scalar (like weight, bias, a BN scale). */
const SHAPES: number[][] = [[4, 3], [7], []];
const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function randomF32(seed: string, n: number, std = 1): Float32Array {
  return Float32Array.from(normalArray(createRng(seed), n, 0, std)[0]);
}

/** Random float32 values for every shape (the same for a given seed). */
function randomSet(seed: string, std = 1): Float32Array[] {
  return SHAPES.map((s, i) => randomF32(`${seed}/${i}`, sizeOf(s), std));
}

function makeVars(values: Float32Array[]): tf.Variable[] {
  return values.map((v, i) => {
    const t = tf.tensor(v, SHAPES[i], 'float32');
    const out = tf.variable(t, true);
    t.dispose();
    return out;
  });
}

async function readAll(ts: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map(async (t) => ((await t.data()) as Float32Array).slice()));
}

/** Bit-for-bit equality of float32 arrays (NaN payloads and ±0 distinguished). */
function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((x, i) => x === ub[i]);
}

function expectStatesBitEqual(a: DeviceOptimizerState, b: DeviceOptimizerState): void {
  expect(a.step).toBe(b.step);
  expect(a.config).toEqual(b.config);
  expect(a.slots.map((s) => s.name)).toEqual(b.slots.map((s) => s.name));
  a.slots.forEach((s, i) => {
    const o = b.slots[i];
    expect(o !== undefined && bitsEqual(s.data, o.data), `slot ${s.name}`).toBe(true);
  });
}

/** One device step with host-side float32 gradients and a host-side ok flag. */
function deviceStep(
  opt: DeviceOptimizer,
  grads: Float32Array[],
  lr: number,
  mu: number | null,
  ok = true,
): void {
  const g = grads.map((v, i) => tf.tensor(v, SHAPES[i], 'float32'));
  const okT = tf.scalar(ok, 'bool');
  opt.apply(g, lr, mu, okT);
  tf.dispose([...g, okT]);
}

type Sched = (t: number) => { lr: number; momentum: number | null };

/** OneCycle over 20 steps (max_lr, momentum/β₁ cycled 0.95 → 0.85 → 0.95) as the lab uses it. */
function oneCycle(maxLr: number, cycleMomentum: boolean): Sched {
  const cfg = withDefaults({ kind: 'onecycle', maxLr, totalSteps: 20, cycleMomentum });
  return (t) => scheduleAt(cfg, t);
}

const STEPS = 20;

// Tolerance for device (float32) vs core (float64) trajectories: |Δ| ≤ 1e-5·max(1, |p|).
// Why: every float32 operation rounds with relative error ≤ 2⁻²⁴ ≈ 6e-8; one step does ≤ ~10 of them on
// values of size ≤ |p| (parameter) or ≈ lr (update), so a step adds ≲ 1e-7·max(1,|p|)·(a few); over 20 steps
// that accumulates to ≲ 1e-6·max(1,|p|) in the worst case (momentum buffers carry it forward but μ < 1).
// 1e-5 leaves a 10× margin over that bound yet would catch any wrong rule (a missing dampening, the wrong β₁
// in a bias correction or the TF-style momentum each give deviations ≥ 1e-3 here). The observed deviation
// is printed and asserted too.
const TRAJ_TOL = 1e-5;

interface Variant {
  name: string;
  config: OptimizerConfig;
  schedule: Sched;
}

const VARIANTS: Variant[] = [
  {
    name: 'SGD plain, lr cycled',
    config: makeOptimizerConfig('SGD', { lr: 0.05 }),
    schedule: oneCycle(0.05, false),
  },
  {
    name: 'SGD momentum, dampening 0.1, weight decay, lr+momentum cycled',
    config: makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }),
    schedule: oneCycle(0.05, true),
  },
  {
    name: 'SGD Nesterov, lr+momentum cycled',
    config: makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9, nesterov: true }),
    schedule: oneCycle(0.05, true),
  },
  {
    name: 'SGD momentum with μ = 0 at steps 3 and 11 (buffer untouched there)',
    config: makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9, dampening: 0.3 }),
    schedule: (t) => ({ ...oneCycle(0.05, true)(t), ...(t === 3 || t === 11 ? { momentum: 0 } : {}) }),
  },
  {
    name: 'SGD config momentum 0, first momentum step at 4 (torch creates the buffer then)',
    config: makeOptimizerConfig('SGD', { lr: 0.05, dampening: 0.5 }),
    schedule: (t) => ({ lr: 0.05, momentum: t < 4 ? 0 : 0.9 }),
  },
  {
    name: 'Adagrad lr_decay, weight decay, initial accumulator',
    config: makeOptimizerConfig('Adagrad', {
      lr: 0.05,
      lrDecay: 0.01,
      weightDecay: 1e-2,
      initialAccumulatorValue: 0.1,
    }),
    schedule: oneCycle(0.05, false),
  },
  {
    name: 'RMSprop default',
    config: makeOptimizerConfig('RMSprop', { lr: 0.01 }),
    schedule: oneCycle(0.01, false),
  },
  {
    name: 'RMSprop centered, momentum (cycled), weight decay',
    config: makeOptimizerConfig('RMSprop', { lr: 0.01, centered: true, momentum: 0.9, weightDecay: 1e-3 }),
    schedule: oneCycle(0.01, true),
  },
  {
    name: 'RMSprop config momentum 0, momentum passed per step (lazy zero buffer)',
    config: makeOptimizerConfig('RMSprop', { lr: 0.01, alpha: 0.9 }),
    schedule: oneCycle(0.01, true),
  },
  {
    name: 'Adam, β₁ cycled',
    config: makeOptimizerConfig('Adam', { lr: 0.01 }),
    schedule: oneCycle(0.01, true),
  },
  {
    name: 'Adam AMSGrad, weight decay, β₁ cycled',
    config: makeOptimizerConfig('Adam', { lr: 0.01, amsgrad: true, weightDecay: 1e-2 }),
    schedule: oneCycle(0.01, true),
  },
  {
    name: 'AdamW, β₁ cycled',
    config: makeOptimizerConfig('AdamW', { lr: 0.01 }),
    schedule: oneCycle(0.01, true),
  },
  {
    name: 'AdamW AMSGrad, β₁ fixed (null), β₂ 0.99',
    config: makeOptimizerConfig('AdamW', { lr: 0.01, amsgrad: true, betas: [0.9, 0.99], weightDecay: 0.1 }),
    schedule: (t) => ({ lr: oneCycle(0.01, false)(t).lr, momentum: null }),
  },
];

/** The core (float64) trajectory: one optimizer state per tensor, same per-step overrides. */
function coreRun(
  config: OptimizerConfig,
  start: Float32Array[],
  grads: Float32Array[][],
  schedule: Sched,
): number[][][] {
  let params = start.map((p) => Array.from(p));
  let states: OptimizerState[] = start.map((p) => initOptimizerState(config, p.length));
  const out: number[][][] = [];
  for (let t = 0; t < grads.length; t++) {
    const { lr, momentum } = schedule(t);
    const ov: StepOverrides = momentum === null ? { lr } : { lr, momentum };
    const res = params.map((p, i) =>
      optimizerStep(config, states[i] as OptimizerState, p, grads[t]?.[i] as Float32Array, ov),
    );
    params = res.map((r) => r.params);
    states = res.map((r) => r.state);
    out.push(params);
  }
  return out;
}

function maxScaledDev(dev: Float32Array[], ref: number[][]): number {
  let worst = 0;
  dev.forEach((d, i) => {
    const r = ref[i] as number[];
    d.forEach((x, j) => {
      const y = r[j] as number;
      worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(y)));
    });
  });
  return worst;
}

// ---------------------------------------------------------------------------------------------------------

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DeviceOptimizer on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
      expect(tf.getBackend()).toBe(backend);
    });

    describe('(a) 20 steps vs src/core/optimizers.ts (float64) with per-step lr/momentum', () => {
      const observed: string[] = [];
      for (const v of VARIANTS) {
        it(v.name, async () => {
          const start = randomSet(`start/${v.name}`);
          const grads = Array.from({ length: STEPS }, (_, t) => randomSet(`grad/${v.name}/${t}`));
          const ref = coreRun(v.config, start, grads, v.schedule);
          const vars = makeVars(start);
          const opt = new DeviceOptimizer(v.config, vars);
          let worst = 0;
          for (let t = 0; t < STEPS; t++) {
            const { lr, momentum } = v.schedule(t);
            deviceStep(opt, grads[t] as Float32Array[], lr, momentum);
            worst = Math.max(worst, maxScaledDev(await readAll(vars), ref[t] as number[][]));
          }
          // The trajectory really moved (so the comparison is not vacuous).
          const moved = maxScaledDev(start, ref[STEPS - 1] as number[][]);
          expect(moved).toBeGreaterThan(1e-3);
          expect(worst, `max |Δ|/max(1,|p|) over 20 steps`).toBeLessThanOrEqual(TRAJ_TOL);
          expect((await opt.getState()).step).toBe(STEPS);
          observed.push(`${v.name}: ${worst.toExponential(2)}`);
          opt.dispose();
          tf.dispose(vars);
        });
      }
      it('reports the observed deviations', () => {
        console.log(
          `[optim ${backend}] max |Δ|/max(1,|p|) vs float64 core over ${STEPS} steps:\n  ${observed.join('\n  ')}`,
        );
        expect(observed).toHaveLength(VARIANTS.length);
      });
    });

    it('hand-derived: SGD dampening (first step copies d), Adam bias correction with the CURRENT β₁', async () => {
      // SGD μ = 0.9, τ = 0.5, lr 0.1, p = 1, g = 1: step 1 buf = 1 → p = 0.9; step 2 buf = 0.9 + 0.5 = 1.4
      // → p = 0.9 − 0.14 = 0.76.
      const [p] = makeVars([Float32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)]);
      if (p === undefined) throw new Error('no var');
      const sgd = new DeviceOptimizer(
        makeOptimizerConfig('SGD', { lr: 0.1, momentum: 0.9, dampening: 0.5 }),
        [p],
      );
      const g = tf.onesLike(p);
      const ok = tf.scalar(true, 'bool');
      sgd.apply([g], 0.1, null, ok);
      expect((await p.data())[0]).toBeCloseTo(0.9, 6);
      sgd.apply([g], 0.1, null, ok);
      expect((await p.data())[0]).toBeCloseTo(0.76, 6);
      sgd.dispose();
      // Adam lr 0.1, g = 1, β₁ = 0.9 then 0.5: m₂ = 0.1·0.5 + 0.5 = 0.55, bc1 = 1 − 0.5² = 0.75 (torch: the
      // current β₁), v̂ = 1 → Δp₂ = −0.1·0.55/0.75 = −0.07333…; a running product 1 − 0.9·0.5 would give −0.1.
      p.assign(tf.onesLike(p));
      const adam = new DeviceOptimizer(makeOptimizerConfig('Adam', { lr: 0.1 }), [p]);
      adam.apply([g], 0.1, 0.9, ok);
      const p1 = (await p.data())[0] as number;
      expect(p1).toBeCloseTo(0.9, 6);
      adam.apply([g], 0.1, 0.5, ok);
      const p2 = (await p.data())[0] as number;
      expect(Math.abs(p2 - p1 - -0.1 * (0.55 / 0.75))).toBeLessThan(1e-6);
      adam.dispose();
      tf.dispose([p, g, ok]);
    });

    it('1 − β^t on the device (expm1 polynomial) is accurate to 5e-7 where float32 1 − β^t is not', async () => {
      let worst = 0;
      for (const beta of [0.999, 0.99, 0.95, 0.9, 0.85, 0.5, 0.1, 0]) {
        for (const t of [1, 2, 3, 4, 5, 10, 100, 499, 500, 501, 693, 1000, 10_000, 1_000_000]) {
          const got = tf.tidy(() => oneMinusPow(beta, tf.scalar(t)));
          const g = (await got.data())[0] as number;
          got.dispose();
          const exact = -Math.expm1(t * Math.log(beta));
          worst = Math.max(worst, Math.abs(g - exact) / exact);
        }
      }
      expect(worst).toBeLessThanOrEqual(5e-7);
      // The naive float32 form loses ~1e-5 relative at β₂ = 0.999, t = 1 (why the polynomial exists).
      const naive = Math.fround(1 - Math.fround(Math.fround(0.999) ** 1));
      expect(Math.abs(naive - 0.001) / 0.001).toBeGreaterThan(1e-5);
    });

    describe('(b) the momentum passed per step really is used', () => {
      const K = 5;
      const N = 10;
      const LR = 0.1;
      const cfg = makeOptimizerConfig('SGD', { lr: LR, momentum: 0.9 });
      const muA: Sched = () => ({ lr: LR, momentum: 0.9 });
      const muB: Sched = (t) => ({ lr: LR, momentum: t === K ? 0.5 : 0.9 });

      it(`two runs differing only in the momentum at step ${K} are identical before it and diverge from it, by what the core predicts`, async () => {
        const start = randomSet('momentum-proof/start');
        const grads = Array.from({ length: N }, (_, t) => randomSet(`momentum-proof/grad/${t}`));
        const refA = coreRun(cfg, start, grads, muA);
        const refB = coreRun(cfg, start, grads, muB);
        const varsA = makeVars(start);
        const varsB = makeVars(start);
        const optA = new DeviceOptimizer(cfg, varsA);
        const optB = new DeviceOptimizer(cfg, varsB);
        for (let t = 0; t < N; t++) {
          deviceStep(optA, grads[t] as Float32Array[], LR, muA(t).momentum);
          deviceStep(optB, grads[t] as Float32Array[], LR, muB(t).momentum);
          const a = await readAll(varsA);
          const b = await readAll(varsB);
          const same = a.every((x, i) => bitsEqual(x, b[i] as Float32Array));
          if (t < K) {
            expect(same, `step ${t} < ${K}: bit-identical`).toBe(true);
            continue;
          }
          expect(same, `step ${t} ≥ ${K}: different`).toBe(false);
          // The difference equals the core's difference (at step K: −lr·(0.5 − 0.9)·buf_{K−1}).
          let worst = 0;
          let size = 0;
          a.forEach((x, i) =>
            x.forEach((xa, j) => {
              const dDev = xa - ((b[i] as Float32Array)[j] as number);
              const dRef =
                ((refA[t] as number[][])[i]?.[j] as number) - ((refB[t] as number[][])[i]?.[j] as number);
              worst = Math.max(worst, Math.abs(dDev - dRef));
              size = Math.max(size, Math.abs(dRef));
            }),
          );
          expect(size, `step ${t}: the predicted divergence is large`).toBeGreaterThan(1e-2);
          expect(worst, `step ${t}: divergence matches the core`).toBeLessThanOrEqual(TRAJ_TOL);
        }
        optA.dispose();
        optB.dispose();
        tf.dispose([...varsA, ...varsB]);
      });

      it('contrast: tf.train.momentum + setMomentum() ignores the new momentum (why the lab has its own optimizer)', async () => {
        const start = randomSet('momentum-proof/start');
        const grads = Array.from({ length: N }, (_, t) => randomSet(`momentum-proof/grad/${t}`));
        // tf.train at 0.9 throughout vs tf.train with setMomentum(0.5) before step K and back to 0.9 after.
        const fixed = makeVars(start);
        const switched = makeVars(start);
        const trainFixed = tf.train.momentum(LR, 0.9);
        const trainSwitched = tf.train.momentum(LR, 0.9);
        // Ours at 0.9 throughout (for the "same rule at fixed μ" check) and with 0.5 at step K.
        const oursFixed = makeVars(start);
        const oursSwitched = makeVars(start);
        const optFixed = new DeviceOptimizer(cfg, oursFixed);
        const optSwitched = new DeviceOptimizer(cfg, oursSwitched);
        for (let t = 0; t < N; t++) {
          const g = grads[t] as Float32Array[];
          const apply = (opt: tf.MomentumOptimizer, vars: tf.Variable[]): void => {
            const named = vars.map((v, i) => ({
              name: v.name,
              tensor: tf.tensor(g[i] as Float32Array, SHAPES[i]),
            }));
            opt.applyGradients(named);
            tf.dispose(named.map((x) => x.tensor));
          };
          trainSwitched.setMomentum(t === K ? 0.5 : 0.9);
          apply(trainFixed, fixed);
          apply(trainSwitched, switched);
          deviceStep(optFixed, g, LR, 0.9);
          deviceStep(optSwitched, g, LR, t === K ? 0.5 : 0.9);
        }
        const [f, s, of, os] = await Promise.all([
          readAll(fixed),
          readAll(switched),
          readAll(oursFixed),
          readAll(oursSwitched),
        ]);
        // 1. tf.train ignored setMomentum(0.5): bit-identical to the run that never called it.
        expect(f.every((x, i) => bitsEqual(x, s[i] as Float32Array))).toBe(true);
        // 2. At a fixed momentum with dampening 0, torch's rule and TF's coincide: ours equals tf.train bit for bit.
        expect(f.every((x, i) => bitsEqual(x, of[i] as Float32Array))).toBe(true);
        // 3. Ours honoured the 0.5: it differs from the tf.train result by far more than rounding.
        const diff = Math.max(
          ...os.map((x, i) =>
            Math.max(...Array.from(x, (xv, j) => Math.abs(xv - ((s[i] as Float32Array)[j] as number)))),
          ),
        );
        expect(diff).toBeGreaterThan(1e-2);
        trainFixed.dispose();
        trainSwitched.dispose();
        optFixed.dispose();
        optSwitched.dispose();
        tf.dispose([...fixed, ...switched, ...oursFixed, ...oursSwitched]);
      });
    });

    describe('(c) ok = false leaves params and slots bit-identical, also with NaN/Inf gradients', () => {
      const configs: OptimizerConfig[] = [
        makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 1e-3 }),
        makeOptimizerConfig('Adagrad', { lr: 0.05, lrDecay: 0.1 }),
        makeOptimizerConfig('RMSprop', { lr: 0.01, centered: true, momentum: 0.9 }),
        makeOptimizerConfig('Adam', { lr: 0.01, amsgrad: true }),
        makeOptimizerConfig('AdamW', { lr: 0.01 }),
      ];
      for (const cfg of configs) {
        it(`${cfg.kind}: rejected steps change nothing; continuing equals a run without them`, async () => {
          const start = randomSet(`guard/start/${cfg.kind}`);
          const grads = Array.from({ length: 6 }, (_, t) => randomSet(`guard/grad/${cfg.kind}/${t}`));
          const mu = cfg.kind === 'Adagrad' ? null : 0.9;
          const vars = makeVars(start);
          const clean = makeVars(start);
          const opt = new DeviceOptimizer(cfg, vars);
          const ref = new DeviceOptimizer(cfg, clean);
          for (let t = 0; t < 3; t++) {
            deviceStep(opt, grads[t] as Float32Array[], 0.01, mu);
            deviceStep(ref, grads[t] as Float32Array[], 0.01, mu);
          }
          const before = await opt.getState();
          const pBefore = await readAll(vars);
          const bad = (grads[3] as Float32Array[]).map((g) => g.slice());
          (bad[0] as Float32Array)[1] = Number.NaN;
          (bad[1] as Float32Array)[2] = Number.POSITIVE_INFINITY;
          (bad[2] as Float32Array)[0] = Number.NEGATIVE_INFINITY;
          deviceStep(opt, bad, 0.01, mu, false); // NaN/Inf gradients, rejected
          deviceStep(opt, grads[3] as Float32Array[], 0.01, mu, false); // finite gradients, rejected
          const after = await opt.getState();
          const pAfter = await readAll(vars);
          expectStatesBitEqual(after, before);
          expect(pAfter.every((x, i) => bitsEqual(x, pBefore[i] as Float32Array))).toBe(true);
          // Continue: equal, bit for bit, to the optimizer that never saw the rejected steps.
          for (let t = 3; t < 6; t++) {
            deviceStep(opt, grads[t] as Float32Array[], 0.01, mu);
            deviceStep(ref, grads[t] as Float32Array[], 0.01, mu);
          }
          expectStatesBitEqual(await opt.getState(), await ref.getState());
          const [a, b] = await Promise.all([readAll(vars), readAll(clean)]);
          expect(a.every((x, i) => bitsEqual(x, b[i] as Float32Array))).toBe(true);
          opt.dispose();
          ref.dispose();
          tf.dispose([...vars, ...clean]);
        });
      }

      it("SGD: a rejected FIRST momentum step does not count as torch's buffer creation", async () => {
        const cfg = makeOptimizerConfig('SGD', { lr: 0.1, momentum: 0.9, dampening: 0.5 });
        const start = randomSet('guard/first');
        const g = randomSet('guard/first/g');
        const bad = g.map((x) => x.map(() => Number.NaN));
        const vars = makeVars(start);
        const clean = makeVars(start);
        const opt = new DeviceOptimizer(cfg, vars);
        const ref = new DeviceOptimizer(cfg, clean);
        deviceStep(opt, bad, 0.1, null, false);
        expect((await opt.getState()).slots).toEqual([]); // still no buffer, as in torch before any step
        deviceStep(opt, g, 0.1, null);
        deviceStep(ref, g, 0.1, null);
        const [a, b] = await Promise.all([readAll(vars), readAll(clean)]);
        expect(a.every((x, i) => bitsEqual(x, b[i] as Float32Array))).toBe(true);
        expectStatesBitEqual(await opt.getState(), await ref.getState());
        opt.dispose();
        ref.dispose();
        tf.dispose([...vars, ...clean]);
      });

      it('the guard works from a device-side finiteness check of the clipped-gradient norm (no readback)', async () => {
        const cfg = makeOptimizerConfig('Adam', { lr: 0.01 });
        const vars = makeVars(randomSet('guard/norm'));
        const opt = new DeviceOptimizer(cfg, vars);
        const pBefore = await readAll(vars);
        const grads = SHAPES.map((s, i) => (i === 1 ? tf.fill(s, Number.NaN) : tf.ones(s)));
        tf.tidy(() => {
          const { clipped, preNorm } = clipByGlobalNorm(grads, 0.5);
          const ok = tf.all<tf.Scalar>(tf.isFinite(preNorm));
          opt.apply(clipped, 0.01, null, ok);
        });
        const pAfter = await readAll(vars);
        expect(pAfter.every((x, i) => bitsEqual(x, pBefore[i] as Float32Array))).toBe(true);
        expect((await opt.getState()).step).toBe(0);
        opt.dispose();
        tf.dispose([...vars, ...grads]);
      });
    });

    describe('(d) getState → setState on a fresh optimizer continues bit-identically', () => {
      const configs: { cfg: OptimizerConfig; mu: (t: number) => number | null }[] = [
        {
          cfg: makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9, nesterov: true }),
          mu: (t) => 0.85 + 0.01 * t,
        },
        { cfg: makeOptimizerConfig('SGD', { lr: 0.05 }), mu: (t) => (t < 3 ? 0 : 0.9) },
        {
          cfg: makeOptimizerConfig('Adagrad', { lr: 0.05, lrDecay: 0.05, initialAccumulatorValue: 0.2 }),
          mu: () => null,
        },
        { cfg: makeOptimizerConfig('RMSprop', { lr: 0.01, centered: true }), mu: (t) => 0.8 + 0.01 * t },
        {
          cfg: makeOptimizerConfig('Adam', { lr: 0.01, amsgrad: true, weightDecay: 0.01 }),
          mu: (t) => 0.95 - 0.01 * t,
        },
        { cfg: makeOptimizerConfig('AdamW', { lr: 0.01 }), mu: (t) => 0.95 - 0.01 * t },
      ];
      for (const { cfg, mu } of configs) {
        it(`${cfg.kind} ${JSON.stringify(cfg)}`, async () => {
          const grads = Array.from({ length: 10 }, (_, t) => randomSet(`state/${cfg.kind}/${t}`));
          const varsA = makeVars(randomSet(`state/${cfg.kind}/start`));
          const optA = new DeviceOptimizer(cfg, varsA);
          for (let t = 0; t < 5; t++) deviceStep(optA, grads[t] as Float32Array[], 0.01 * (1 + t), mu(t));
          const state = await optA.getState();
          expect(state.step).toBe(5);
          const varsB = makeVars(await readAll(varsA));
          const optB = new DeviceOptimizer(cfg, varsB);
          optB.setState(state);
          expectStatesBitEqual(await optB.getState(), state);
          for (let t = 5; t < 10; t++) {
            deviceStep(optA, grads[t] as Float32Array[], 0.01 * (1 + t), mu(t));
            deviceStep(optB, grads[t] as Float32Array[], 0.01 * (1 + t), mu(t));
          }
          const [a, b] = await Promise.all([readAll(varsA), readAll(varsB)]);
          expect(a.every((x, i) => bitsEqual(x, b[i] as Float32Array))).toBe(true);
          expectStatesBitEqual(await optA.getState(), await optB.getState());
          optA.dispose();
          optB.dispose();
          tf.dispose([...varsA, ...varsB]);
        });
      }

      it('slot names follow torch state_dict; a mismatching checkpoint is refused before anything changes', async () => {
        const cfg = makeOptimizerConfig('Adam', { lr: 0.01, amsgrad: true });
        const vars = makeVars(randomSet('state/names'));
        const opt = new DeviceOptimizer(cfg, vars);
        deviceStep(opt, randomSet('state/names/g'), 0.01, null);
        const s = await opt.getState();
        expect(s.slots.map((x) => x.name)).toEqual([
          '0.exp_avg',
          '0.exp_avg_sq',
          '0.max_exp_avg_sq',
          '1.exp_avg',
          '1.exp_avg_sq',
          '1.max_exp_avg_sq',
          '2.exp_avg',
          '2.exp_avg_sq',
          '2.max_exp_avg_sq',
        ]);
        expect(s.slots[0]?.shape).toEqual([4, 3]);
        expect(s.slots[6]?.shape).toEqual([]);
        const other = new DeviceOptimizer(makeOptimizerConfig('Adam', { lr: 0.01 }), vars);
        expect(() => other.setState(s)).toThrow(/checkpoint was written for/);
        // The same config with its keys in another order (as a checkpoint read back from JSON may have).
        const reorderedConfig = Object.fromEntries(
          Object.entries(s.config).reverse(),
        ) as unknown as OptimizerConfig;
        expect(Object.keys(reorderedConfig)).not.toEqual(Object.keys(s.config));
        const reordered: DeviceOptimizerState = { ...s, config: reorderedConfig };
        expect(() => opt.setState(reordered)).not.toThrow(); // key order does not matter
        const badShape = { ...s, slots: s.slots.map((x, i) => (i === 0 ? { ...x, shape: [3, 4] } : x)) };
        expect(() => opt.setState(badShape)).toThrow(/shape/);
        const missing = { ...s, slots: s.slots.filter((x) => x.name !== '1.exp_avg') };
        expect(() => opt.setState(missing)).toThrow(/exp_avg/);
        expectStatesBitEqual(await opt.getState(), s);
        other.dispose();
        opt.dispose();
        tf.dispose(vars);
      });
    });

    describe('(e) no tensor leaks', () => {
      const configs: OptimizerConfig[] = [
        makeOptimizerConfig('SGD', { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
        makeOptimizerConfig('Adagrad', { lr: 0.01, lrDecay: 0.01 }),
        makeOptimizerConfig('RMSprop', { lr: 0.001, centered: true, momentum: 0.5 }),
        makeOptimizerConfig('Adam', { lr: 0.001, amsgrad: true }),
        makeOptimizerConfig('AdamW', { lr: 0.001 }),
      ];
      for (const cfg of configs) {
        it(`${cfg.kind}: the live tensor count after 200 steps equals the count after 5`, () => {
          const vars = makeVars(randomSet(`leak/${cfg.kind}`));
          const grads = SHAPES.map((s) => tf.randomNormal(s));
          const ok = tf.scalar(true, 'bool');
          const opt = new DeviceOptimizer(cfg, vars);
          const mu = cfg.kind === 'Adagrad' ? null : 0.9;
          for (let t = 0; t < 5; t++) opt.apply(grads, 0.001, mu, ok);
          const after5 = tf.memory().numTensors;
          for (let t = 5; t < 200; t++) opt.apply(grads, 0.001, t % 2 === 0 ? mu : null, ok);
          expect(tf.memory().numTensors).toBe(after5);
          opt.dispose();
          tf.dispose([...vars, ...grads, ok]);
        });
      }

      it('slots are not trainable (tf.variableGrads without a var list does not see them) and dispose frees them', () => {
        const trainable = (): number =>
          Object.values(tf.engine().registeredVariables).filter((v) => v.trainable).length;
        const before = tf.memory().numTensors;
        const t0 = trainable();
        const vars = makeVars(randomSet('leak/slots'));
        const opt = new DeviceOptimizer(makeOptimizerConfig('Adam', { lr: 0.01, amsgrad: true }), vars);
        expect(trainable()).toBe(t0 + vars.length);
        opt.dispose();
        tf.dispose(vars);
        expect(tf.memory().numTensors).toBe(before);
      });
    });

    it('refuses bad calls with readable messages', () => {
      const vars = makeVars(randomSet('bad'));
      const ok = tf.scalar(true, 'bool');
      const okFloat = tf.scalar(1);
      const grads = SHAPES.map((s) => tf.zeros(s));
      const ada = new DeviceOptimizer(makeOptimizerConfig('Adagrad', {}), vars);
      const adam = new DeviceOptimizer(makeOptimizerConfig('Adam', {}), vars);
      expect(() => ada.apply(grads, 0.01, 0.9, ok)).toThrow(/Adagrad has no momentum/);
      expect(() => adam.apply(grads, 0.01, 1, ok)).toThrow(/β₁/);
      expect(() => adam.apply(grads, Number.NaN, null, ok)).toThrow(/learning rate/);
      expect(() => adam.apply(grads.slice(1), 0.01, null, ok)).toThrow(/2 gradients for 3 variables/);
      expect(() =>
        adam.apply([grads[1] as tf.Tensor, grads[0] as tf.Tensor, grads[2] as tf.Tensor], 0.01, null, ok),
      ).toThrow(/shape/);
      expect(() => adam.apply(grads, 0.01, null, okFloat)).toThrow(/bool scalar/);
      expect(
        () =>
          new DeviceOptimizer(
            { kind: 'SGD', lr: -1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
            vars,
          ),
      ).toThrow(/learning rate/);
      ada.dispose();
      adam.dispose();
      expect(() => adam.apply(grads, 0.01, null, ok)).toThrow(/after dispose/);
      tf.dispose([...vars, ...grads, ok, okFloat]);
    });
  });
}
