import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from '../core/recipe.ts';
import { createRng, fork, normalArray } from '../core/rng.ts';
import type { FeaturizedDataset } from '../data/dataset.ts';
import {
  JobCancelled,
  filterNormalizedDirection,
  initialWeights,
  interpolate,
  lossSurface,
  powerIteration,
  probe,
  randomDirections,
  rayleighQuotients,
  sharpness,
  type HvpSpace,
  type Weights,
} from './landscape.ts';
import { Trainer, type StepRecords } from './trainer.ts';
import { smallDataset, TINY } from './testing/fixtures.ts';

/** A symmetric n×n matrix Q·diag(eig)·Qᵀ with a seeded random orthogonal Q (Gram–Schmidt), and Q. */
function symmetricWithEigen(eig: number[], seed: number): { H: Float64Array[]; Q: Float64Array[] } {
  const n = eig.length;
  const [z] = normalArray(createRng(seed), n * n);
  const Q: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const q = Float64Array.from({ length: n }, (_, i) => z[k * n + i]!);
    for (const p of Q) {
      const d = q.reduce((a, x, i) => a + x * p[i]!, 0);
      for (let i = 0; i < n; i++) q[i]! -= d * p[i]!;
    }
    const norm = Math.hypot(...q);
    Q.push(q.map((x) => x / norm));
  }
  const H = Array.from({ length: n }, (_, i) =>
    Float64Array.from({ length: n }, (_, j) => Q.reduce((a, q, k) => a + eig[k]! * q[i]! * q[j]!, 0)),
  );
  return { H, Q };
}

function matrixSpace(H: Float64Array[], counter?: { n: number }): HvpSpace<Float64Array> {
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  return {
    hvp: (v) => {
      if (counter) counter.n++;
      return Float64Array.from(H, (row) => dot(row, v));
    },
    dots: (v, w) => [dot(v, w), dot(w, w)] as const,
    residualNorm: (v, w, l) => Math.sqrt(w.reduce((s, x, i) => s + (x - l * v[i]!) ** 2, 0)),
    scale: (w, s) => w.map((x) => x / s),
    dispose: () => undefined,
  };
}

function unit(n: number, seed: number): Float64Array {
  const [z] = normalArray(createRng(seed), n);
  const norm = Math.hypot(...z);
  return Float64Array.from(z, (x) => x / norm);
}

describe('power iteration on an explicit matrix', () => {
  it('finds the eigenvalue of largest magnitude, its eigenvector and a small residual', async () => {
    const eig = [6, -2.5, 1, 0.5, 0.25, 0, -0.1, 2];
    const { H, Q } = symmetricWithEigen(eig, 3);
    const r = await powerIteration(matrixSpace(H), unit(eig.length, 9), { iterations: 200, tol: 1e-13 });
    expect(r.lambda).toBeCloseTo(6, 10);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(200);
    expect(r.estimates).toHaveLength(r.iterations);
    expect(r.residual).toBeLessThan(1e-5);
    const cos = Math.abs(r.vector.reduce((a, x, i) => a + x * Q[0]![i]!, 0));
    expect(cos).toBeGreaterThan(1 - 1e-9);
    // Rayleigh quotients increase towards λ for a PSD matrix, and never exceed it.
    const psd = symmetricWithEigen([3, 2, 1, 0.5], 4);
    const p = await powerIteration(matrixSpace(psd.H), unit(4, 1), { iterations: 30, tol: 0 });
    expect(p.iterations).toBe(30);
    for (let k = 1; k < p.estimates.length; k++) {
      expect(p.estimates[k]!).toBeGreaterThanOrEqual(p.estimates[k - 1]! - 1e-12);
      expect(p.estimates[k]!).toBeLessThanOrEqual(3 + 1e-12);
    }
    expect(p.lambda).toBeCloseTo(3, 6);
  });

  it('stops at the first H·v that is zero, and throws JobCancelled when cancelled', async () => {
    const zero = [new Float64Array(3), new Float64Array(3), new Float64Array(3)];
    const z = await powerIteration(matrixSpace(zero), unit(3, 2), { iterations: 10 });
    expect(z.lambda).toBe(0);
    expect(z.iterations).toBe(1);
    const { H } = symmetricWithEigen([2, 1, 0.5], 5);
    const counter = { n: 0 };
    const progress: number[] = [];
    await expect(
      powerIteration(matrixSpace(H, counter), unit(3, 2), {
        iterations: 50,
        hooks: { cancelled: () => counter.n >= 4, progress: (d) => progress.push(d) },
      }),
    ).rejects.toBeInstanceOf(JobCancelled);
    expect(counter.n).toBe(4);
    expect(progress).toEqual([1, 2, 3, 4]);
  });
});

describe('filter-normalised directions', () => {
  it('give each weight row its norm, zero for 1-D tensors, seeded and independent', () => {
    const rng = createRng(1);
    const theta = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2 + 0.25 * i);
    theta.fill(0, 8, 12); // an all-zero row
    const d = filterNormalizedDirection(theta, [3, 4], rng);
    const rowNorm = (a: ArrayLike<number>, r: number) =>
      Math.hypot(...Array.from({ length: 4 }, (_, c) => a[r * 4 + c]!));
    for (let r = 0; r < 3; r++) expect(rowNorm(d, r)).toBeCloseTo(rowNorm(theta, r), 5);
    expect(Array.from(d.subarray(8))).toEqual([0, 0, 0, 0]);
    expect(filterNormalizedDirection(theta, [12], rng)).toEqual(new Float32Array(12));
    expect(filterNormalizedDirection(theta, [3, 4], rng)).toEqual(d);
    expect(filterNormalizedDirection(theta, [3, 4], fork(rng, 'x'))).not.toEqual(d);
    const [d1, d2] = randomDirections(['w', 'b'], [[3, 4], [3]], [theta, new Float32Array(3)], 7);
    const [e1] = randomDirections(['w', 'b'], [[3, 4], [3]], [theta, new Float32Array(3)], 7);
    expect(e1).toEqual(d1);
    expect(d1[0]).not.toEqual(d2[0]);
    expect(d1[1]).toEqual(new Float32Array(3));
  });
});

describe('loss landscape on the model (cpu)', () => {
  let ds: FeaturizedDataset;
  let trainer: Trainer;
  let trained: Weights;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = await smallDataset(40, 8);
    trainer = new Trainer(ds, withDefaults({ ...TINY, seed: 5 }));
    await trainer.run();
    trained = await trainer.model.readWeights();
  }, 120_000);

  afterAll(() => trainer.dispose());

  /** Each test must leave the trained weights and the live tensor count as they were. */
  async function unchanged<T>(f: () => Promise<T>): Promise<T> {
    const before = tf.memory().numTensors;
    const out = await f();
    expect(tf.memory().numTensors).toBe(before);
    expect(await trainer.model.readWeights()).toEqual(trained);
    return out;
  }

  it('surface: shapes, centre = the engine evaluation, line = the grid row, weights restored, no leaks', async () => {
    const progress: [number, number][] = [];
    const req = { grid: 5, span: 0.5, rows: 0, seed: 3, huberDelta: 0.2 };
    const r = await unchanged(() => lossSurface(trainer, req, { progress: (d, t) => progress.push([d, t]) }));
    const g = 5;
    expect(r.kind).toBe('surface');
    expect(Array.from(r.alphas)).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    expect(r.huber).toHaveLength(g * g);
    expect(r.mse).toHaveLength(g * g);
    expect(r.line.alphas).toHaveLength(4 * (g - 1) + 1);
    expect(r.rows).toBe(trainer.trainRows.length);
    // The centre is θ₀ itself: the same number as the trainer's own evaluation, bit for bit on cpu.
    const engine = await trainer.evaluate('train');
    expect(r.centre.engineLoss).toBe(engine.loss);
    expect(r.centre.recipeLoss).toBe(engine.loss);
    // The recipe is Huber δ = 0.2: the Huber surface is the recipe's.
    expect(Array.from(r.huber)).toEqual(Array.from(r.recipe));
    const c = (g - 1) / 2;
    for (let i = 0; i < g; i++) {
      expect(r.line.huber[4 * i]).toBe(r.huber[c * g + i]);
      expect(r.line.mse[4 * i]).toBe(r.mse[c * g + i]);
    }
    // Trained weights sit low: the centre is below the mean of the edge points (both losses).
    const edge = [
      ...new Set(Array.from({ length: g }, (_, i) => [i, (g - 1) * g + i, i * g, i * g + g - 1]).flat()),
    ];
    const mean = (a: Float64Array) => edge.reduce((s, i) => s + a[i]!, 0) / edge.length;
    expect(mean(r.huber)).toBeGreaterThan(r.centre.huber);
    expect(mean(r.mse)).toBeGreaterThan(r.centre.mse);
    expect(progress).toHaveLength(g * g + 3 * (g - 1));
    expect(progress.at(-1)).toEqual([progress.length, progress.length]);
    // Deterministic, and the seed matters.
    const small = { ...req, rows: 8 };
    const once = await lossSurface(trainer, small);
    const again = await lossSurface(trainer, small);
    expect(again.huber).toEqual(once.huber);
    expect(again.line.mse).toEqual(once.line.mse);
    const other = await lossSurface(trainer, { ...small, seed: 4 });
    expect(other.huber).not.toEqual(once.huber);
  }, 60_000);

  it('surface: a grid point equals evaluating θ₀ + α·d1 + β·d2 written into the model by hand', async () => {
    const req = { grid: 5, span: 1, rows: 12, seed: 11, huberDelta: 0.5 };
    const r = await unchanged(() => lossSurface(trainer, req));
    const P = trainer.model.params.length;
    const [d1, d2] = randomDirections(
      trainer.model.paramNames,
      trainer.model.params.map((v) => v.shape),
      trained.slice(0, P),
      req.seed,
    );
    const [a, b] = [1, -0.5]; // grid indices i = 4, j = 1
    const f = Math.fround;
    const moved = trained.map((w, k) =>
      k < P && trainer.model.params[k]!.shape.length >= 2
        ? w.map((x, i) => f(x + f(f(d1[k]![i]! * a) + f(d2[k]![i]! * b))))
        : w,
    );
    trainer.model.writeWeights(moved);
    const rows = trainer.trainRows.subarray(0, 12);
    const ev = await trainer.runExclusive(() => trainer.evaluateRowsExclusive(rows));
    trainer.model.writeWeights(trained);
    expect(r.recipe[1 * 5 + 4]).toBe(ev.loss);
    expect(r.rows).toBe(12);
  }, 60_000);

  it('sharpness: λ is the top Rayleigh quotient, the loss agrees with the engine, weights restored', async () => {
    let v: Float32Array[] = [];
    const rows = 16;
    const r = await unchanged(() =>
      sharpness(
        trainer,
        { iterations: 12, rows, seed: 1, epsilon: 1e-3 },
        {},
        { eigenvector: (x) => (v = x) },
      ),
    );
    expect(r.method).toBe('finite-differences');
    expect(r.fdStep).toBeGreaterThan(0);
    expect(r.iterations.length).toBeGreaterThan(1);
    expect(r.lambdaMax).toBe(r.iterations[r.iterations.length - 1]);
    expect(r.lambdaMax).toBeGreaterThan(0);
    expect(r.residual).toBeLessThan(0.05);
    expect(Math.abs(r.loss - r.engineLoss) / r.engineLoss).toBeLessThan(1e-5);
    expect(r.epsSharpness).toBeGreaterThan(0);
    // vᵀHv at the returned vector ≈ λ; random unit directions have smaller Rayleigh quotients.
    const P = trainer.model.params.length;
    const randomDirs = [21, 22, 23].map((s) =>
      trained
        .slice(0, P)
        .map((w, k) => Float32Array.from(normalArray(fork(createRng(s), String(k)), w.length)[0])),
    );
    const q = await unchanged(() =>
      rayleighQuotients(trainer, { rows, fdStep: r.fdStep }, [v, ...randomDirs]),
    );
    expect(Math.abs(q[0]! - r.lambdaMax) / r.lambdaMax).toBeLessThan(1e-3);
    for (const x of q.slice(1)) expect(x).toBeLessThan(r.lambdaMax);
    // The FD Hessian agrees with the curvature of the loss itself along v: (L(θ+tv) − 2L(θ) + L(θ−tv))/t².
    const t = 0.005; // small enough not to cross Huber's kinks (measured: 0.003 … 0.01 agree to 1e-4)
    const lossAt = async (s: number) => {
      trainer.model.writeWeights(trained.map((w, k) => (k < P ? w.map((x, i) => x + s * v[k]![i]!) : w)));
      return (
        await trainer.runExclusive(() => trainer.evaluateRowsExclusive(trainer.trainRows.subarray(0, rows)))
      ).loss;
    };
    const curv = ((await lossAt(t)) - 2 * (await lossAt(0)) + (await lossAt(-t))) / (t * t);
    trainer.model.writeWeights(trained);
    expect(Math.abs(curv - r.lambdaMax) / r.lambdaMax).toBeLessThan(0.01);
    // Deterministic.
    const again = await sharpness(trainer, { iterations: 12, rows, seed: 1, epsilon: 1e-3 });
    expect(again.iterations).toEqual(r.iterations);
    expect(again.epsSharpness).toBe(r.epsSharpness);
  }, 120_000);

  it('interpolation: α = 0 and 1 are the two models evaluated by the engine; weights restored', async () => {
    const init = await initialWeights(trainer);
    const fresh = new Trainer(ds, withDefaults({ ...TINY, seed: 5 }));
    expect(await fresh.model.readWeights()).toEqual(init);
    fresh.dispose();
    const r = await unchanged(() =>
      interpolate(trainer, init, trained, {
        points: 9,
        range: [-0.5, 1.5],
        rows: 0,
        labels: ['init', 'end'],
      }),
    );
    expect(Array.from(r.alphas)).toEqual([-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    expect(r.labels).toEqual(['init', 'end']);
    expect(r.valRows).toBe(ds.split.val.length);
    const trainEnd = await trainer.evaluate('train');
    const valEnd = await trainer.evaluate('val');
    expect(r.train[6]).toBe(trainEnd.loss);
    expect(r.val[6]).toBe(valEnd.loss);
    trainer.model.writeWeights(init);
    const trainInit = await trainer.evaluate('train');
    const valInit = await trainer.evaluate('val');
    trainer.model.writeWeights(trained);
    expect(r.train[2]).toBe(trainInit.loss);
    expect(r.val[2]).toBe(valInit.loss);
    // Training lowered the training loss; everything is finite (running variances clamped at 0).
    expect(r.train[6]!).toBeLessThan(r.train[2]!);
    for (const x of [...r.train, ...r.val]) expect(Number.isFinite(x)).toBe(true);
    await expect(
      interpolate(trainer, init.slice(1), trained, { points: 3, range: [0, 1], rows: 0 }),
    ).rejects.toThrow(/another size/);
  }, 60_000);

  it('cancel: the job throws JobCancelled after the flag, with the weights back and no leaks', async () => {
    let n = 0;
    await unchanged(async () => {
      await expect(
        lossSurface(
          trainer,
          { grid: 7, span: 1, rows: 8, seed: 0, huberDelta: 0.2 },
          { cancelled: () => n >= 3, progress: () => n++ },
        ),
      ).rejects.toBeInstanceOf(JobCancelled);
    });
    expect(n).toBe(3);
    n = 0;
    await unchanged(async () => {
      await expect(
        sharpness(
          trainer,
          { iterations: 10, rows: 8, seed: 0, epsilon: 1e-3 },
          { cancelled: () => n >= 4, progress: () => n++ },
        ),
      ).rejects.toBeInstanceOf(JobCancelled);
      await expect(
        interpolate(
          trainer,
          trained,
          trained,
          { points: 5, range: [0, 1], rows: 8 },
          { cancelled: () => true },
        ),
      ).rejects.toBeInstanceOf(JobCancelled);
    });
  }, 60_000);

  it('probe times a point and a gradient; requests are validated with messages for people', async () => {
    const p = await unchanged(() => probe(trainer, { rows: 8 }));
    expect(p.kind).toBe('probe');
    expect(p.rows).toBe(8);
    expect(p.msPerPoint).toBeGreaterThan(0);
    expect(p.msPerGradient).toBeGreaterThan(0);
    expect(p.parameters).toBe(trainer.model.params.reduce((a, v) => a + v.size, 0));
    const bad = { grid: 6, span: 1, rows: 0, seed: 0, huberDelta: 0.2 };
    await expect(async () => lossSurface(trainer, bad)).rejects.toThrow(/odd whole number from 5 to 41/);
    await expect(async () => lossSurface(trainer, { ...bad, grid: 5, span: 0 })).rejects.toThrow(/span/);
    await expect(async () => lossSurface(trainer, { ...bad, grid: 5, huberDelta: 0 })).rejects.toThrow(
      /delta/,
    );
    await expect(async () =>
      sharpness(trainer, { iterations: 0, rows: 0, seed: 0, epsilon: 0 }),
    ).rejects.toThrow(/iterations/);
    await expect(async () => probe(trainer, { rows: -1 })).rejects.toThrow(/Rows/);
  });
});

describe('jobs in the middle of a run do not change it (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a surface, a sharpness and an interpolation after epoch 1 leave every step and weight bit-identical', async () => {
    const ds = await smallDataset(30, 8);
    const cfg = withDefaults({ ...TINY, seed: 9, epochs: 2 });
    const series = async (withJobs: boolean) => {
      const steps: StepRecords[] = [];
      const jobs: Promise<unknown>[] = [];
      const t: Trainer = new Trainer(ds, cfg, {
        onSteps: (r) => steps.push(r),
        onEpoch: (e) => {
          if (!withJobs || e.epoch !== 1) return;
          // Queued from the epoch hook (inside the trainer's lock): they run before the next step.
          const at = t.globalStep;
          // Every point of these two runs before the run's next step (the progress hook sees the same step).
          const between = { progress: () => expect(t.globalStep).toBe(at) };
          jobs.push(lossSurface(t, { grid: 5, span: 1, rows: 8, seed: 1, huberDelta: 0.1 }, between));
          jobs.push(sharpness(t, { iterations: 3, rows: 8, seed: 2, epsilon: 1e-3 }, between));
          jobs.push(
            initialWeights(t).then((w) => interpolate(t, w, w, { points: 3, range: [0, 1], rows: 8 })),
          );
        },
      });
      const before = tf.memory().numTensors;
      await t.run();
      await Promise.all(jobs);
      const out = {
        loss: steps.flatMap((s) => Array.from(s.loss)),
        norm: steps.flatMap((s) => Array.from(s.gradNormPre)),
        weights: await t.model.readWeights(),
        val: t.history.map((h) => [h.val.loss, h.val.mae, h.test.mae]),
        jobs: jobs.length,
      };
      t.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
      return out;
    };
    const plain = await series(false);
    const probed = await series(true);
    expect(probed.jobs).toBe(3);
    expect(probed.loss).toEqual(plain.loss);
    expect(probed.norm).toEqual(plain.norm);
    expect(probed.val).toEqual(plain.val);
    expect(probed.weights).toEqual(plain.weights);
  }, 120_000);
});
