/**
 * Row gather with a deterministic, scatter-free gradient.
 *
 * TF.js's own gradient of `tf.gather` is an UnsortedSegmentSum (a scatter-add): the wasm backend has
 * no such kernel, the cpu one is O(segments × rows), and webgpu's uses float atomics (order-dependent
 * sums, so not bit-reproducible). Here the gradient reads a precomputed reverse index instead — a
 * second gather followed by a sum over a fixed-size axis — so every backend sums the same terms in the
 * same order, every time.
 *
 * Two kernel choices compute the same thing (`GatherImpl`):
 * - 'gather'  — GatherV2 forward; backward = GatherV2 of the padded gradient by the reverse index, then
 *               a sum over the K axis. Used on webgpu / webgl.
 * - 'segment' — SparseSegmentSum in both directions: forward with segment ids 0…P−1 (a plain row copy),
 *               backward with the reverse index and segment ids ⌊i/K⌋ (a sum of K rows per atom, in
 *               the reverse index's order). Used on wasm and cpu, where it is ≈ 15–40× faster than
 *               GatherV2 (wasm GatherV2 computes every element's address separately; measured 14–40 ms
 *               vs ≈ 1 ms for [3840, 128] in Node). Not on webgpu: its SparseSegmentSum reads the
 *               segment ids back to the CPU synchronously and sums with float atomics.
 * Both sum the same K terms per row in the same order (padding adds +0): on wasm the two give
 * bit-identical gradients; on cpu GatherV2's path sums in float64 (JS numbers) and SparseSegmentSum in
 * float32, so they differ by float32 rounding (≈ 1e-6). Each is deterministic run to run.
 */
import * as tf from '@tensorflow/tfjs';

export type GatherImpl = 'gather' | 'segment';

/** The faster deterministic implementation for the active backend (see the module comment). */
export function defaultGatherImpl(backend: string = tf.getBackend()): GatherImpl {
  return backend === 'wasm' || backend === 'cpu' ? 'segment' : 'gather';
}

/** int32 [R*K]: ⌊i/K⌋, the atom each reverse-index slot belongs to. */
function repeatedIds(R: number, K: number): tf.Tensor1D {
  const ids = new Int32Array(R * K);
  for (let j = 0; j < R; j++) ids.fill(j, j * K, (j + 1) * K);
  return tf.tensor1d(ids, 'int32');
}

/**
 * y = x[idx] (rows), with the gradient
 *
 *   dx[j, :] = Σ_{k<K} dyExt[rev[j*K + k], :],   dyExt = concat(dy, zeros[1, C])   ([P+1, C])
 *
 * where `rev` lists, for each row j of x, the positions p with idx[p] = j, padded with P (the appended
 * zero row). That is exactly Σ_{p: idx[p]=j} dy[p, :], summed in the order of `rev` (ascending p when
 * built by `reverseIndex` in batch.ts).
 *
 * Shapes: x [R, C] (float32), idx int32 [P], rev int32 [R*K] → y [P, C].
 * Only x gets a gradient: the index tensors are closed over, not inputs.
 */
export function gatherRows(
  x: tf.Tensor2D,
  idx: tf.Tensor1D,
  rev: tf.Tensor1D,
  maxInDegree: number,
  impl: GatherImpl = defaultGatherImpl(),
): tf.Tensor2D {
  const [R, C] = x.shape;
  const P = idx.shape[0];
  const K = maxInDegree;
  if (rev.shape[0] !== R * K) {
    throw new RangeError(
      `gatherRows: reverse index has ${rev.shape[0]} entries, expected rows × K = ${R} × ${K}.`,
    );
  }
  const op = tf.customGrad((xIn: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const xx = xIn as tf.Tensor2D;
    const value =
      impl === 'segment'
        ? (tf.sparse.sparseSegmentSum(xx, idx, tf.range(0, P, 1, 'int32')) as tf.Tensor2D)
        : tf.gather(xx, idx);
    // What the gradient reads must be saved (the forward's scope is disposed before backprop).
    (save as tf.GradSaveFunc)([rev]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const r = saved[0] as tf.Tensor1D;
      const dyExt = tf.concat([dy as tf.Tensor2D, tf.zeros([1, C])], 0); // [P+1, C]
      if (impl === 'segment') return tf.sparse.sparseSegmentSum(dyExt, r, repeatedIds(R, K)); // [R, C]
      return tf.sum(tf.reshape(tf.gather(dyExt, r), [R, K, C]), 1); // [R, C]
    };
    return { value, gradFunc };
  });
  return op(x);
}
