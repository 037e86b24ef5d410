/**
 * gatherRows: forward = plain row indexing, gradient = Σ over the positions that picked each row
 * (reference computed on the host in float64), on 'cpu' and 'wasm', both kernel choices. Tolerance:
 * exact forward; gradient |Δ| ≤ 1e-6·max|ref| (float32 sums of ≤ K terms). Both choices and repeated
 * runs are bit-identical (determinism).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, uniformArray } from '../core/rng.ts';
import { reverseIndex } from './batch.ts';
import { defaultGatherImpl, gatherRows, type GatherImpl } from './gather.ts';

const IMPLS: GatherImpl[] = ['gather', 'segment'];

function problem(R: number, P: number, C: number, seed: number) {
  const [u] = uniformArray(createRng(seed), R * C + P + P * C);
  const x = Float32Array.from(u.slice(0, R * C), (v) => 2 * v - 1);
  // Row R−1 is never picked (in-degree 0), the others at random.
  const idx = Int32Array.from(u.slice(R * C, R * C + P), (v) => Math.floor(v * (R - 1)));
  const dy = Float32Array.from(u.slice(R * C + P), (v) => 2 * v - 1);
  return { x, idx, dy };
}

describe.each(['cpu', 'wasm'] as const)('gatherRows on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it(`${backend}: the default kernel choice is 'segment' here, 'gather' on GPU backends`, () => {
    expect(defaultGatherImpl()).toBe('segment');
    expect(defaultGatherImpl('webgpu')).toBe('gather');
    expect(defaultGatherImpl('webgl')).toBe('gather');
  });

  it.each(IMPLS)(
    `${backend} %s: forward = x[idx], gradient = Σ_{p: idx[p]=j} dy[p] (float64 reference)`,
    (impl) => {
      const R = 7;
      const P = 40;
      const C = 5;
      const { x, idx, dy } = problem(R, P, C, 3);
      const { revIdx, maxInDegree } = reverseIndex(idx, R);
      const want = new Float64Array(R * C);
      for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) want[idx[p]! * C + c]! += dy[p * C + c]!;
      const { y, dx } = tf.tidy(() => {
        const xt = tf.tensor2d(x, [R, C]);
        const it = tf.tensor1d(idx, 'int32');
        const rt = tf.tensor1d(revIdx, 'int32');
        const g = tf.grad((v: tf.Tensor) =>
          tf.sum(tf.mul(gatherRows(v as tf.Tensor2D, it, rt, maxInDegree, impl), tf.tensor2d(dy, [P, C]))),
        );
        return { y: gatherRows(xt, it, rt, maxInDegree, impl).dataSync(), dx: g(xt).dataSync() };
      });
      for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) expect(y[p * C + c]).toBe(x[idx[p]! * C + c]);
      let m = 0;
      for (const v of want) m = Math.max(m, Math.abs(v));
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(dx[i]! - want[i]!), `dx[${i}]`).toBeLessThanOrEqual(1e-6 * m);
      // the row nobody picked gets exactly zero
      for (let c = 0; c < C; c++) expect(dx[(R - 1) * C + c]).toBe(0);
    },
  );

  it(`${backend}: both kernel choices and repeated runs give bit-identical gradients`, () => {
    const R = 50;
    const P = 600;
    const C = 16;
    const { x, idx, dy } = problem(R, P, C, 8);
    const { revIdx, maxInDegree } = reverseIndex(idx, R);
    const run = (impl: GatherImpl) =>
      tf.tidy(() => {
        const g = tf.grad((v: tf.Tensor) =>
          tf.sum(
            tf.mul(
              gatherRows(
                v as tf.Tensor2D,
                tf.tensor1d(idx, 'int32'),
                tf.tensor1d(revIdx, 'int32'),
                maxInDegree,
                impl,
              ),
              tf.tensor2d(dy, [P, C]),
            ),
          ),
        );
        return Array.from(g(tf.tensor2d(x, [R, C])).dataSync());
      });
    const a = run('segment');
    expect(run('segment')).toEqual(a);
    expect(run('gather')).toEqual(run('gather'));
    const b = run('gather');
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it(`${backend}: a reverse index of the wrong length is refused`, () => {
    tf.tidy(() => {
      expect(() =>
        gatherRows(tf.zeros([3, 2]), tf.tensor1d([0, 1], 'int32'), tf.tensor1d([0, 1], 'int32'), 1),
      ).toThrow(/reverse index has 2 entries, expected rows × K = 3 × 1/);
    });
  });
});
