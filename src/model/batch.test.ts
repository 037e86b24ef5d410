/**
 * collate / reverseIndex / toTensors on a hand-built two-crystal batch (values derived by hand below),
 * and the device Gaussian expansion against data/graph.ts `gaussianExpand` (abs 1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianExpand, type CrystalGraph } from '../data/graph.ts';
import type { AtomInit } from '../data/types.ts';
import {
  atomFeatures,
  collate,
  disposeBatchTensors,
  gaussianExpandTensor,
  reverseIndex,
  toTensors,
} from './batch.ts';

const G = { dmin: 0, dmax: 8, step: 0.2 };

/**
 * Crystal A: 2 atoms (Z 8, 1), M = 3.   Crystal B: 3 atoms (Z 1, 1, 8), M = 3.
 * Local neighbour lists (row i = atom i's 3 neighbours):
 *   A: atom0 → [1, 1, 0]   atom1 → [0, 0, 1]
 *   B: atom0 → [1, 2, 0]   atom1 → [2, 2, 2]   atom2 → [0, 0, 9 Å padding → 0]
 */
const crystalA: CrystalGraph = {
  nAtoms: 2,
  maxNeighbors: 3,
  radius: 8,
  nbrIdx: Int32Array.from([1, 1, 0, 0, 0, 1]),
  nbrDist: Float32Array.from([1.5, 1.6, 2.5, 1.5, 1.6, 2.5]),
  paddedAtoms: 0,
};
const crystalB: CrystalGraph = {
  nAtoms: 3,
  maxNeighbors: 3,
  radius: 8,
  nbrIdx: Int32Array.from([1, 2, 0, 2, 2, 2, 0, 0, 0]),
  nbrDist: Float32Array.from([2.0, 2.1, 3.0, 1.0, 1.1, 1.2, 3.5, 4.0, 9.0]),
  paddedAtoms: 1,
};
const ds = {
  graphs: [crystalA, crystalB],
  numbers: [Uint8Array.from([8, 1]), Uint8Array.from([1, 1, 8])],
  targets: Float64Array.from([-1.25, 2.5]),
};

/** A 4-dim feature table: Z 1 → [1,0,0,0.5], Z 8 → [0,1,1,−2]; the rest NaN (absent). */
const table: AtomInit = {
  dim: 4,
  maxZ: 8,
  table: Float32Array.from({ length: 9 * 4 }, (_, i) => {
    const z = Math.floor(i / 4);
    const k = i % 4;
    if (z === 1) return [1, 0, 0, 0.5][k]!;
    if (z === 8) return [0, 1, 1, -2][k]!;
    return Number.NaN;
  }),
  source: 'test table',
};

describe('collate', () => {
  // Order [B, A]: crystal B's atoms are global 0, 1, 2 and crystal A's are 3, 4.
  const b = collate(ds, [1, 0]);

  it('concatenates crystals in the requested order with global neighbour indices', () => {
    expect(b.nCrystals).toBe(2);
    expect(b.nAtoms).toBe(5);
    expect(b.maxNeighbors).toBe(3);
    expect(Array.from(b.atomZ)).toEqual([1, 1, 8, 8, 1]);
    expect(Array.from(b.nbrIdx)).toEqual([1, 2, 0, 2, 2, 2, 0, 0, 0, 4, 4, 3, 3, 3, 4]);
    expect(Array.from(b.nbrDist)).toEqual(
      Array.from(
        Float32Array.from([2.0, 2.1, 3.0, 1.0, 1.1, 1.2, 3.5, 4.0, 9.0, 1.5, 1.6, 2.5, 1.5, 1.6, 2.5]),
      ),
    );
    expect(Array.from(b.crystalOfAtom)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(b.atomsPerCrystal)).toEqual([3, 2]);
    expect(Array.from(b.targets)).toEqual([2.5, -1.25]);
  });

  it('builds the reverse index: positions pointing at each atom, ascending, padded with N·M', () => {
    // Global atom 0 is pointed at from p = 2, 6, 7, 8; atom 1 from p = 0; atom 2 from 1, 3, 4, 5;
    // atom 3 from 11, 12, 13; atom 4 from 9, 10, 14. K = 4, padding 15.
    expect(b.maxInDegree).toBe(4);
    expect(Array.from(b.revIdx)).toEqual([
      2, 6, 7, 8, 0, 15, 15, 15, 1, 3, 4, 5, 11, 12, 13, 15, 9, 10, 14, 15,
    ]);
  });

  it('reverseIndex: every position appears once, under the atom it points at', () => {
    const nbr = Int32Array.from([3, 0, 0, 2, 3, 3, 3, 1]);
    const { revIdx, maxInDegree } = reverseIndex(nbr, 5);
    expect(maxInDegree).toBe(4);
    expect(Array.from(revIdx)).toEqual([1, 2, 8, 8, 7, 8, 8, 8, 3, 8, 8, 8, 0, 4, 5, 6, 8, 8, 8, 8]);
  });

  it('refuses what it cannot batch, saying why', () => {
    expect(() => collate(ds, [])).toThrow(/at least one crystal/);
    expect(() => collate(ds, [2])).toThrow(/not in the dataset/);
    const other = {
      ...crystalA,
      maxNeighbors: 2,
      nbrIdx: Int32Array.from([1, 0, 0, 1]),
      nbrDist: new Float32Array(4),
    };
    expect(() =>
      collate({ ...ds, graphs: [crystalA, other], numbers: [ds.numbers[0]!, ds.numbers[0]!] }, [0, 1]),
    ).toThrow(/same maxNeighbors/);
  });
});

describe('toTensors (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('atom features, pooling matrix, normalised targets and index tensors', () => {
    const b = collate(ds, [1, 0]);
    const t = toTensors(b, table, G, { mean: 0.5, std: 2 });
    expect(t.atomFea.shape).toEqual([5, 4]);
    expect(Array.from(t.atomFea.dataSync())).toEqual([
      1, 0, 0, 0.5, 1, 0, 0, 0.5, 0, 1, 1, -2, 0, 1, 1, -2, 1, 0, 0, 0.5,
    ]);
    expect(t.pool.shape).toEqual([2, 5]);
    const pool = Array.from(t.pool.dataSync());
    expect(pool).toEqual([1 / 3, 1 / 3, 1 / 3, 0, 0, 0, 0, 0, 0.5, 0.5].map((v) => Math.fround(v)));
    for (let r = 0; r < 2; r++)
      expect(pool.slice(r * 5, r * 5 + 5).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
    expect(Array.from(t.targets.dataSync())).toEqual([1, -0.875]); // (2.5 − 0.5)/2, (−1.25 − 0.5)/2
    expect(t.targets.shape).toEqual([2, 1]);
    expect(t.nbrIdx.dtype).toBe('int32');
    expect(Array.from(t.nbrIdx.dataSync())).toEqual(Array.from(b.nbrIdx));
    expect(Array.from(t.revIdx.dataSync())).toEqual(Array.from(b.revIdx));
    expect(t.maxInDegree).toBe(4);
    expect(t.bondFea.shape).toEqual([15, 41]);
    disposeBatchTensors(t);
  });

  it('Gaussian bond features match gaussianExpand (abs 1e-6), 41 centres 0…8 Å', () => {
    const dist = Float32Array.from([0, 0.1, 0.2, 1.234, 3.3, 5.05, 7.9, 8, 9, 12.5]);
    const got = gaussianExpandTensor(dist, G);
    expect(got.shape).toEqual([10, 41]);
    const want = gaussianExpand(dist, G);
    const g = got.dataSync();
    for (let i = 0; i < want.length; i++) expect(Math.abs(g[i]! - want[i]!)).toBeLessThanOrEqual(1e-6);
    // exp(0) at the centre: d = 0.2 Å hits μ_1 exactly
    expect(g[2 * 41 + 1]).toBeCloseTo(1, 6);
    // custom width: exp(−(d − μ)²/var²)
    const wide = gaussianExpandTensor(Float32Array.from([1]), { ...G, var: 0.5 }).dataSync();
    expect(wide[0]).toBeCloseTo(Math.exp(-1 / 0.25), 6);
    tf.dispose(got);
  });

  it('names the element a table lacks, and refuses a zero std', () => {
    const noOxygen: AtomInit = { ...table, table: table.table.map((v, i) => (i >= 32 ? Number.NaN : v)) };
    expect(() => atomFeatures(Int32Array.from([1, 8]), noOxygen)).toThrow(/atomic number 8/);
    expect(() => atomFeatures(Int32Array.from([9]), table)).toThrow(
      /atomic number 9 is not in the feature table/,
    );
    const b = collate(ds, [0]);
    expect(() => toTensors(b, table, G, { mean: 0, std: 0 })).toThrow(/std > 0/);
  });
});
