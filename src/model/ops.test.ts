/**
 * The hand-written gradients of ops.ts against TF.js autodiff of the plain formulas, on 'cpu' and
 * 'wasm'. Random inputs; a random linear functional L = Σ w ⊙ op(...) makes every output entry matter.
 * Tolerance: values and gradients |Δ| ≤ 2e-5·max|ref| per tensor (float32, different summation orders).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, uniformArray } from '../core/rng.ts';
import { batchNormEval, batchNormTrain, columnSums, constMatMul, dense, gatedNeighbourSum } from './ops.ts';

const TOL = 2e-5;
let seed = 100;
function rand(shape: number[], scale = 1, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const [u] = uniformArray(createRng(seed++), n);
  return tf.tensor(
    Float32Array.from(u, (v) => offset + scale * (2 * v - 1)),
    shape,
  );
}

function expectClose(got: tf.Tensor, want: tf.Tensor, label: string) {
  expect(got.shape, label).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i]! - w[i]!));
  expect(worst, `${label}: max |Δ| ${worst} vs max |ref| ${m}`).toBeLessThanOrEqual(TOL * m);
}

/** Value and gradients of Σ w ⊙ f(inputs) w.r.t. every input. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], w: tf.Tensor) {
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  return { out: f(...inputs), value, grads };
}

function compare(
  name: string,
  custom: (...xs: tf.Tensor[]) => tf.Tensor,
  plain: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
) {
  tf.tidy(() => {
    const w = rand(plain(...inputs).shape);
    const a = valueAndGrads(custom, inputs, w);
    const b = valueAndGrads(plain, inputs, w);
    expectClose(a.out, b.out, `${name} value`);
    a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, `${name} grad ${i}`));
  });
}

describe.each(['cpu', 'wasm'] as const)('ops on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it(`${backend}: columnSums (plain and grouped) = tf.sum(x, 0)`, () => {
    tf.tidy(() => {
      const x = rand([24, 5]) as tf.Tensor2D;
      const want = tf.reshape(tf.sum(x, 0), [1, 5]);
      expectClose(columnSums(x), want, 'columnSums');
      expectClose(columnSums(x, 6), want, 'columnSums grouped');
      expectClose(columnSums(x, 7), want, 'columnSums group not dividing R');
    });
  });

  it(`${backend}: dense = x·Wᵀ + b in every input combination`, () => {
    const x = rand([9, 4]);
    const W = rand([3, 4]);
    const b = rand([3]);
    const plain = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => {
      const y = tf.matMul(xx, tf.transpose(ww as tf.Tensor2D));
      return bb === undefined ? y : tf.add(y, bb);
    };
    compare(
      'dense x,W,b',
      (xx, ww, bb) => dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D),
      plain,
      [x, W, b],
    );
    compare(
      'dense x,W',
      (xx, ww) => dense(xx as tf.Tensor2D, ww as tf.Tensor2D, null),
      (xx, ww) => plain(xx, ww),
      [x, W],
    );
    compare(
      'dense const x, W, b',
      (ww, bb) => dense(x as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, true),
      (ww, bb) => plain(x, ww, bb),
      [W, b],
    );
    compare(
      'dense const x with xT, W',
      (ww) => dense(x as tf.Tensor2D, ww as tf.Tensor2D, null, true, tf.transpose(x as tf.Tensor2D)),
      (ww) => plain(x, ww),
      [W],
    );
    tf.dispose([x, W, b]);
  });

  it(`${backend}: constMatMul = A·x`, () => {
    const A = rand([3, 8]) as tf.Tensor2D;
    compare(
      'constMatMul',
      (xx) => constMatMul(A, xx as tf.Tensor2D),
      (xx) => tf.matMul(A, xx),
      [rand([8, 5])],
    );
    A.dispose();
  });

  it(`${backend}: batchNormTrain = (x − μ)/√(σ²+eps)·γ + β with batch statistics, and its statistics`, () => {
    const eps = 1e-5;
    const plain = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, 0);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
    };
    for (const group of [1, 4]) {
      compare(
        `batchNormTrain group ${group}`,
        (x, g, b) => batchNormTrain(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps, group).y,
        plain,
        [rand([12, 6], 2, 0.5), rand([6], 0.5, 1), rand([6], 0.3)],
      );
    }
    tf.tidy(() => {
      const x = rand([12, 6], 2, 0.5) as tf.Tensor2D;
      const { stats } = batchNormTrain(x, tf.ones([6]), tf.zeros([6]), eps, 3);
      const { mean, variance } = tf.moments(x, 0);
      expectClose(stats.mean, mean, 'batch mean');
      expectClose(stats.varUnbiased, tf.mul(variance, 12 / 11), 'unbiased variance');
    });
  });

  it(`${backend}: batchNormTrain's statistics live in the caller's scope (no leak, no early disposal)`, () => {
    const before = tf.memory().numTensors;
    const kept = tf.tidy(() => {
      const { stats } = batchNormTrain(rand([8, 3]) as tf.Tensor2D, tf.ones([3]), tf.zeros([3]), 1e-5);
      return stats.mean;
    });
    expect(kept.isDisposed).toBe(false);
    expect(kept.dataSync().length).toBe(3);
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it(`${backend}: batchNormEval uses the running statistics`, () => {
    tf.tidy(() => {
      const x = rand([5, 2]) as tf.Tensor2D;
      const y = batchNormEval(
        x,
        tf.tensor1d([2, 1]),
        tf.tensor1d([0.5, 0]),
        tf.tensor1d([1, -1]),
        tf.tensor1d([4, 1]),
        0,
      );
      const xv = x.dataSync();
      const yv = y.dataSync();
      for (let r = 0; r < 5; r++) {
        expect(yv[2 * r]).toBeCloseTo(((xv[2 * r]! - 1) / 2) * 2 + 0.5, 6);
        expect(yv[2 * r + 1]).toBeCloseTo(xv[2 * r + 1]! + 1, 6);
      }
    });
  });

  it(`${backend}: gatedNeighbourSum = Σ_m σ(f)·softplus(c)`, () => {
    const N = 4;
    const M = 3;
    const plain = (f: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.reshape(tf.mul(tf.sigmoid(f), tf.softplus(c)), [N, M, 5]), 1);
    compare(
      'gatedNeighbourSum',
      (f, c) => gatedNeighbourSum(f as tf.Tensor2D, c as tf.Tensor2D, N, M),
      plain,
      [rand([N * M, 5], 4), rand([N * M, 5], 4)],
    );
  });
});
