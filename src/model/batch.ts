/**
 * Batching crystal graphs for the model: cgcnn's `collate_pool` (host side, plain typed arrays) and the
 * upload of one batch to the device (`toTensors`).
 *
 * Notation: B crystals, N atoms in the batch (all crystals concatenated), M neighbours per atom,
 * K = the largest in-degree (see `revIdx`), D atom-feature length (92), G Gaussian centres (41).
 *
 * Divergences from cgcnn, deliberate:
 * - Besides `collate_pool`'s global neighbour indices we build a reverse index (`revIdx`) so that the
 *   gradient of the neighbour gather is itself a gather + sum (deterministic, no scatter; see gather.ts).
 * - Pooling is a [B, N] matrix product instead of a Python loop over `crystal_atom_idx`; same mean.
 * - The Gaussian expansion runs on the device in float32 from float32 distances; cgcnn expands float64
 *   distances with numpy. Features differ by ≤ ~2e-6 absolute (see `gaussianExpand` in data/graph.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianCentres, type CrystalGraph, type GaussianOptions } from '../data/graph.ts';
import type { AtomInit } from '../data/types.ts';

/** One batch on the host: plain typed arrays, cheap to build in the worker and to transfer. */
export interface GraphBatch {
  nCrystals: number;
  nAtoms: number;
  maxNeighbors: number;
  maxInDegree: number;
  /** [N] atomic numbers. */
  atomZ: Int32Array;
  /** [N*M] GLOBAL atom index of each neighbour (collate_pool semantics). */
  nbrIdx: Int32Array;
  /** [N*M] distances (Å), padded entries = radius+1. */
  nbrDist: Float32Array;
  /**
   * [N*K] for atom j, the flat positions p (= i*M+m) with nbrIdx[p] == j in ascending order, padded
   * with N*M (the index of an appended zero row).
   */
  revIdx: Int32Array;
  /** [N] index (0…B−1) of the crystal each atom belongs to. */
  crystalOfAtom: Int32Array;
  /** [B] atoms of each crystal. */
  atomsPerCrystal: Int32Array;
  /** [B] raw (un-normalised) targets. */
  targets: Float32Array;
}

/** What `collate` needs of a dataset (a `FeaturizedDataset` fits). */
export interface CollateSource {
  graphs: CrystalGraph[];
  numbers: Uint8Array[];
  targets: ArrayLike<number>;
}

/**
 * cgcnn's `collate_pool` for the crystals `indices` of `ds`, in that order: atoms concatenated, each
 * crystal's neighbour indices shifted by the number of atoms before it (global indices), plus the
 * reverse index:
 *
 *   inDeg[j] = #{p : nbrIdx[p] = j},  K = max_j inDeg[j] (≥ 1),
 *   revIdx[j*K + k] = the k-th smallest p with nbrIdx[p] = j, for k < inDeg[j]; N*M otherwise.
 *
 * Padding neighbours (index 0, distance radius+1) are kept, as cgcnn keeps them: they point at the
 * crystal's first atom and count in its in-degree.
 *
 * @throws RangeError for an empty selection, an index out of range, crystals without atoms, or graphs
 *   with different `maxNeighbors`.
 */
export function collate(ds: CollateSource, indices: ArrayLike<number>): GraphBatch {
  const B = indices.length;
  if (B === 0) throw new RangeError('collate: a batch needs at least one crystal.');
  let N = 0;
  let M = -1;
  for (let b = 0; b < B; b++) {
    const c = indices[b]!;
    const g = ds.graphs[c];
    const z = ds.numbers[c];
    if (!Number.isInteger(c) || g === undefined || z === undefined) {
      throw new RangeError(
        `collate: crystal index ${c} is not in the dataset (${ds.graphs.length} crystals).`,
      );
    }
    if (g.nAtoms < 1 || z.length !== g.nAtoms) {
      throw new RangeError(
        `collate: crystal ${c} has ${g.nAtoms} graph atoms and ${z.length} atomic numbers; need ≥ 1 and equal.`,
      );
    }
    if (M === -1) M = g.maxNeighbors;
    else if (g.maxNeighbors !== M) {
      throw new RangeError(
        `collate: crystal ${c} has ${g.maxNeighbors} neighbours per atom, the batch has ${M}; every graph must be built with the same maxNeighbors.`,
      );
    }
    N += g.nAtoms;
  }
  const atomZ = new Int32Array(N);
  const nbrIdx = new Int32Array(N * M);
  const nbrDist = new Float32Array(N * M);
  const crystalOfAtom = new Int32Array(N);
  const atomsPerCrystal = new Int32Array(B);
  const targets = new Float32Array(B);
  let offset = 0;
  for (let b = 0; b < B; b++) {
    const c = indices[b]!;
    const g = ds.graphs[c]!;
    const z = ds.numbers[c]!;
    const n = g.nAtoms;
    atomsPerCrystal[b] = n;
    targets[b] = ds.targets[c]!;
    for (let i = 0; i < n; i++) {
      atomZ[offset + i] = z[i]!;
      crystalOfAtom[offset + i] = b;
    }
    const base = offset * M;
    for (let p = 0; p < n * M; p++) {
      const local = g.nbrIdx[p]!;
      if (!(local >= 0 && local < n)) {
        throw new RangeError(`collate: crystal ${c} has a neighbour index ${local} outside 0…${n - 1}.`);
      }
      nbrIdx[base + p] = local + offset;
      nbrDist[base + p] = g.nbrDist[p]!;
    }
    offset += n;
  }
  const { revIdx, maxInDegree } = reverseIndex(nbrIdx, N);
  return {
    nCrystals: B,
    nAtoms: N,
    maxNeighbors: M,
    maxInDegree,
    atomZ,
    nbrIdx,
    nbrDist,
    revIdx,
    crystalOfAtom,
    atomsPerCrystal,
    targets,
  };
}

/**
 * The reverse of a neighbour list: for each of the N atoms j, the positions p with nbrIdx[p] = j
 * (ascending), padded to the largest in-degree K with P = nbrIdx.length. K ≥ 1 (so the [N, K] shape is
 * never empty). Counting sort, O(N + P).
 */
export function reverseIndex(
  nbrIdx: Int32Array,
  nAtoms: number,
): { revIdx: Int32Array; maxInDegree: number } {
  const P = nbrIdx.length;
  const deg = new Int32Array(nAtoms);
  for (let p = 0; p < P; p++) {
    const j = nbrIdx[p]!;
    if (!(j >= 0 && j < nAtoms)) throw new RangeError(`reverseIndex: index ${j} outside 0…${nAtoms - 1}.`);
    deg[j]!++;
  }
  let K = 1;
  for (let j = 0; j < nAtoms; j++) if (deg[j]! > K) K = deg[j]!;
  const revIdx = new Int32Array(nAtoms * K).fill(P);
  const fill = new Int32Array(nAtoms);
  for (let p = 0; p < P; p++) {
    const j = nbrIdx[p]!;
    revIdx[j * K + fill[j]!] = p;
    fill[j]!++;
  }
  return { revIdx, maxInDegree: K };
}

/** One batch on the device. The caller disposes every tensor (e.g. with `disposeBatchTensors`). */
export interface BatchTensors {
  /** [N, D] atom features (rows of the AtomInit table by Z). */
  atomFea: tf.Tensor2D;
  /** [N*M, G] Gaussian-expanded distances exp(−(d−μ)²/var²), G = 41 for cgcnn's defaults. */
  bondFea: tf.Tensor2D;
  /** int32 [N*M] global neighbour indices. */
  nbrIdx: tf.Tensor1D;
  /** int32 [N*K] reverse index (see `GraphBatch.revIdx`). */
  revIdx: tf.Tensor1D;
  maxInDegree: number;
  /** [B, N] mean-pooling matrix: 1/n_b where atom i belongs to crystal b, else 0. */
  pool: tf.Tensor2D;
  /** [B, 1] NORMALISED targets (t − mean)/std. */
  targets: tf.Tensor2D;
}

/** Disposes every tensor of a `BatchTensors`. */
export function disposeBatchTensors(t: BatchTensors): void {
  tf.dispose([t.atomFea, t.bondFea, t.nbrIdx, t.revIdx, t.pool, t.targets]);
}

/**
 * Rows of the atom-feature table for the atoms of a batch: out[i, :] = table[Z_i, :], [N × D] row-major.
 * A constant input (no gradient), gathered on the host.
 *
 * @throws Error naming the element when the table has no (finite) row for an atomic number.
 */
export function atomFeatures(atomZ: Int32Array, atomTable: AtomInit): Float32Array {
  const D = atomTable.dim;
  const out = new Float32Array(atomZ.length * D);
  for (let i = 0; i < atomZ.length; i++) {
    const z = atomZ[i]!;
    if (!(z >= 0 && z <= atomTable.maxZ)) {
      throw new Error(`Atom features: atomic number ${z} is not in the feature table (${atomTable.source}).`);
    }
    const row = z * D;
    for (let k = 0; k < D; k++) {
      const v = atomTable.table[row + k]!;
      if (!Number.isFinite(v)) {
        throw new Error(
          `Atom features: the table (${atomTable.source}) has no features for atomic number ${z}; use a table that covers every element of the dataset.`,
        );
      }
      out[i * D + k] = v;
    }
  }
  return out;
}

/**
 * Gaussian expansion on the device: d [P] → [P, G], exp(−(d − μ_k)² / var²) with μ = `gaussianCentres`
 * (numpy's arange, as cgcnn) and var = `gaussian.var ?? step`. float32 throughout.
 */
export function gaussianExpandTensor(dist: Float32Array, gaussian: GaussianOptions): tf.Tensor2D {
  const centres = gaussianCentres(gaussian);
  const v = gaussian.var ?? gaussian.step;
  if (!(Number.isFinite(v) && v > 0)) {
    throw new RangeError(`Gaussian expansion: var must be a positive number, got ${v}.`);
  }
  return tf.tidy(() => {
    const d = tf.tensor2d(dist, [dist.length, 1]);
    const mu = tf.tensor2d(Float32Array.from(centres), [1, centres.length]);
    return tf.exp(tf.div(tf.neg(tf.square(tf.sub(d, mu))), v * v));
  });
}

/**
 * Uploads a batch: atom features by Z, Gaussian bond features, indices, the [B, N] pooling matrix and
 * the normalised targets (t − mean)/std (cgcnn's `Normalizer.norm`).
 *
 * @throws Error for atoms missing from the table; RangeError for a non-positive or non-finite std.
 */
export function toTensors(
  b: GraphBatch,
  atomTable: AtomInit,
  gaussian: GaussianOptions,
  normalizer: { mean: number; std: number },
): BatchTensors {
  if (!(Number.isFinite(normalizer.std) && normalizer.std > 0 && Number.isFinite(normalizer.mean))) {
    throw new RangeError(
      `toTensors: the target normaliser needs a finite mean and a std > 0, got mean ${normalizer.mean}, std ${normalizer.std}.`,
    );
  }
  const { nCrystals: B, nAtoms: N, maxNeighbors: M } = b;
  if (b.nbrIdx.length !== N * M || b.nbrDist.length !== N * M || b.revIdx.length !== N * b.maxInDegree) {
    throw new RangeError(
      'toTensors: the batch arrays do not match nAtoms × maxNeighbors (and × maxInDegree).',
    );
  }
  const fea = atomFeatures(b.atomZ, atomTable);
  const pool = new Float32Array(B * N);
  for (let i = 0; i < N; i++) {
    const c = b.crystalOfAtom[i]!;
    pool[c * N + i] = 1 / b.atomsPerCrystal[c]!;
  }
  const targets = new Float32Array(B);
  for (let c = 0; c < B; c++) targets[c] = (b.targets[c]! - normalizer.mean) / normalizer.std;
  return {
    atomFea: tf.tensor2d(fea, [N, atomTable.dim]),
    bondFea: gaussianExpandTensor(b.nbrDist, gaussian),
    nbrIdx: tf.tensor1d(b.nbrIdx, 'int32'),
    revIdx: tf.tensor1d(b.revIdx, 'int32'),
    maxInDegree: b.maxInDegree,
    pool: tf.tensor2d(pool, [B, N]),
    targets: tf.tensor2d(targets, [B, 1]),
  };
}
