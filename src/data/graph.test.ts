import { describe, expect, it } from 'vitest';
import { describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { buildGraph, CGCNN_GRAPH_DEFAULTS, gaussianCentres, gaussianExpand } from './graph.ts';
import { periodicNeighbors } from './neighbors.ts';
import type { Structure } from './types.ts';

interface FixtureSite {
  n_within_radius: number;
  dist: number[];
  nbr_index: (number | null)[];
  nbr_Z: (number | null)[];
  shells: { start: number; count: number; distance: number }[];
}
interface FixtureCase {
  id: string;
  num_sites: number;
  lattice_matrix: number[][];
  Z: number[];
  frac_coords: number[][];
  sites: FixtureSite[];
  gaussian_site0: { shape: number[]; data: number[] };
}
interface FeaturizeFixture {
  radius: number;
  max_num_nbr: number;
  gaussian_centres: number[];
  gaussian_var: number;
  cases: FixtureCase[];
}

function structureOf(c: FixtureCase): Structure {
  return {
    lattice: Float64Array.from(c.lattice_matrix.flat()),
    numbers: Uint8Array.from(c.Z),
    frac: Float64Array.from(c.frac_coords.flat()),
  };
}

const cubicCell = (a: number): Float64Array => Float64Array.from([a, 0, 0, 0, a, 0, 0, 0, a]);

function sortedCounts(xs: readonly (number | null)[]): string {
  return [...xs].sort((a, b) => (a ?? -1) - (b ?? -1)).join(',');
}

/** A 5-atom ABO3 perovskite, a ≈ 3.8–4.2 Å, slightly strained and with displaced atoms (seeded). */
function perovskites(count: number, seed = 1): Structure[] {
  let state = seed >>> 0;
  const rnd = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const out: Structure[] = [];
  for (let k = 0; k < count; k++) {
    const a = 3.8 + 0.4 * rnd();
    const e = () => 0.03 * (rnd() - 0.5);
    const lattice = Float64Array.from([a * (1 + e()), a * e(), 0, 0, a * (1 + e()), a * e(), a * e(), 0, a]);
    const base = [0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5];
    const frac = Float64Array.from(base, (x) => x + 0.02 * (rnd() - 0.5));
    out.push({ lattice, numbers: Uint8Array.from([38, 22, 8, 8, 8]), frac });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

describeOracle('featurize.json', 'buildGraph vs cgcnn CIFData (pymatgen 2022.11)', () => {
  const fx = readOracle<FeaturizeFixture>('featurize.json');
  const M = fx.max_num_nbr;

  it('cgcnn defaults are the fixture’s', () => {
    expect(CGCNN_GRAPH_DEFAULTS).toEqual({ radius: fx.radius, maxNeighbors: M });
  });

  it.each(fx.cases.map((c) => [c.id, c] as const))('%s: graph rows match', (_id, c) => {
    const s = structureOf(c);
    const g = buildGraph(s);
    expect(g.nAtoms).toBe(c.num_sites);
    expect(g.maxNeighbors).toBe(12);
    expect(g.radius).toBe(8);
    expect(g.nbrIdx.length).toBe(c.num_sites * M);
    expect(g.nbrDist.length).toBe(c.num_sites * M);
    // No fixture site has fewer than 12 neighbours within 8 Å, so nothing is padded.
    expect(g.paddedAtoms).toBe(c.sites.filter((x) => x.n_within_radius < M).length);
    expect(g.paddedAtoms).toBe(0);
    const nl = periodicNeighbors(s, 8);
    for (let i = 0; i < c.num_sites; i++) {
      const site = c.sites[i]!;
      const row = i * M;
      // float32 distances to 1e-5 Å.
      expectAllClose(g.nbrDist.subarray(row, row + M), site.dist, {
        rel: 0,
        abs: 1e-5,
        label: `${c.id}[${i}]`,
      });
      // Identical to the first 12 of the full stably sorted list (same rule, same tie order).
      const o = nl.offsets[i]!;
      expect(Array.from(g.nbrIdx.subarray(row, row + M))).toEqual(Array.from(nl.index.subarray(o, o + M)));
      expect(Array.from(g.nbrDist.subarray(row, row + M))).toEqual(
        Array.from(Float32Array.from(nl.dist.subarray(o, o + M))),
      );
      // Site indices per shell (where pymatgen's are determined), and elements.
      for (const sh of site.shells) {
        const ours = Array.from(g.nbrIdx.subarray(row + sh.start, row + sh.start + sh.count));
        const refIdx = site.nbr_index.slice(sh.start, sh.start + sh.count);
        if (refIdx.every((x) => x !== null)) expect(sortedCounts(ours)).toBe(sortedCounts(refIdx));
        const refZ = site.nbr_Z.slice(sh.start, sh.start + sh.count);
        if (refZ.every((x) => x !== null)) {
          expect(sortedCounts(ours.map((j) => c.Z[j]!))).toBe(sortedCounts(refZ));
        }
      }
    }
  });

  it('gaussianCentres reproduces np.arange(0, 8.2, 0.2) bit for bit', () => {
    const mu = gaussianCentres({ dmin: 0, dmax: fx.radius, step: 0.2 });
    expect(Array.from(mu)).toEqual(fx.gaussian_centres);
    expect(mu.length).toBe(41);
  });

  it('gaussian_site0 of every structure to 1e-6 (float64 distances expanded, stored float32)', () => {
    let worstF32 = 0;
    for (const c of fx.cases) {
      const s = structureOf(c);
      expect(c.gaussian_site0.shape).toEqual([12, 41]);
      const nl = periodicNeighbors(s, 8);
      const feats = gaussianExpand(nl.dist.subarray(0, M), {
        dmin: 0,
        dmax: 8,
        step: 0.2,
        var: fx.gaussian_var,
      });
      expectAllClose(feats, c.gaussian_site0.data, { rel: 0, abs: 1e-6, label: `${c.id} gaussian_site0` });
      // Expanding the graph's float32 distances instead: measured, bounded by ~2e-6 (see gaussianExpand).
      const g = buildGraph(s);
      const f32 = gaussianExpand(g.nbrDist.subarray(0, M));
      for (let k = 0; k < f32.length; k++) {
        worstF32 = Math.max(worstF32, Math.abs(f32[k]! - c.gaussian_site0.data[k]!));
      }
    }
    expect(worstF32).toBeLessThan(3e-6);
    console.log(`[graph] gaussian features from float32 nbrDist: max |Δ| = ${worstF32.toExponential(2)}`);
  });
});

describe('buildGraph: padding (cgcnn pads with index 0 and radius + 1)', () => {
  it('a single atom in a 20 Å cubic cell has no neighbour within 8 Å: all 12 padded', () => {
    const g = buildGraph({
      lattice: cubicCell(20),
      numbers: Uint8Array.from([14]),
      frac: new Float64Array(3),
    });
    expect(g.paddedAtoms).toBe(1);
    expect(Array.from(g.nbrIdx)).toEqual(new Array<number>(12).fill(0));
    expect(Array.from(g.nbrDist)).toEqual(new Array<number>(12).fill(9));
  });

  it('a 7 Å cubic cell: 6 images at 7 Å, then 6 padded entries (the next shell is at 9.9 Å)', () => {
    const g = buildGraph({
      lattice: cubicCell(7),
      numbers: Uint8Array.from([14, 8]),
      frac: Float64Array.from([0, 0, 0, 0.5, 0.5, 0.5]),
    });
    // Site 0: 8 body-centre neighbours at 7·√3/2 = 6.062 Å, then 6 own images at 7 Å → 12 kept of 14.
    // With the second atom the rows are full; check a one-atom cell for partial padding instead.
    expect(g.paddedAtoms).toBe(0);
    expect(Math.abs(g.nbrDist[0]! - (7 * Math.sqrt(3)) / 2)).toBeLessThan(1e-5);
    const one = buildGraph({
      lattice: cubicCell(7),
      numbers: Uint8Array.from([14]),
      frac: new Float64Array(3),
    });
    expect(one.paddedAtoms).toBe(1);
    expect(Array.from(one.nbrIdx)).toEqual(new Array<number>(12).fill(0));
    expect(Array.from(one.nbrDist)).toEqual([7, 7, 7, 7, 7, 7, 9, 9, 9, 9, 9, 9]);
  });

  it('custom options: radius 5, 4 neighbours, padding with 6', () => {
    const g = buildGraph(
      { lattice: cubicCell(4.5), numbers: Uint8Array.from([3]), frac: Float64Array.from([0.2, 0.2, 0.2]) },
      { radius: 5, maxNeighbors: 4 },
    );
    expect(g.maxNeighbors).toBe(4);
    expect(g.radius).toBe(5);
    expect(Array.from(g.nbrDist)).toEqual([4.5, 4.5, 4.5, 4.5]); // 6 images at 4.5 Å: the first 4
    expect(g.paddedAtoms).toBe(0);
    const h = buildGraph(
      { lattice: cubicCell(4.5), numbers: Uint8Array.from([3]), frac: Float64Array.from([0.2, 0.2, 0.2]) },
      { radius: 4, maxNeighbors: 4 },
    );
    expect(Array.from(h.nbrDist)).toEqual([5, 5, 5, 5]);
    expect(h.paddedAtoms).toBe(1);
  });

  it('a structure without atoms gives an empty graph; bad options are refused', () => {
    const g = buildGraph({ lattice: cubicCell(5), numbers: new Uint8Array(0), frac: new Float64Array(0) });
    expect(g.nAtoms).toBe(0);
    expect(g.nbrIdx.length).toBe(0);
    const s = { lattice: cubicCell(5), numbers: Uint8Array.from([1]), frac: new Float64Array(3) };
    expect(() => buildGraph(s, { radius: 8, maxNeighbors: 0 })).toThrow(/maxNeighbors/);
    expect(() => buildGraph(s, { radius: -1, maxNeighbors: 12 })).toThrow(/radius/);
  });

  it('agrees with the full neighbour list on skewed, distorted cells', () => {
    for (const s of perovskites(50, 7)) {
      const g = buildGraph(s);
      const nl = periodicNeighbors(s, 8);
      for (let i = 0; i < 5; i++) {
        const o = nl.offsets[i]!;
        expect(Array.from(g.nbrIdx.subarray(i * 12, i * 12 + 12))).toEqual(
          Array.from(nl.index.subarray(o, o + 12)),
        );
        expect(Array.from(g.nbrDist.subarray(i * 12, i * 12 + 12))).toEqual(
          Array.from(Float32Array.from(nl.dist.subarray(o, o + 12))),
        );
      }
    }
  });
});

describe('gaussianCentres / gaussianExpand', () => {
  it('numpy arange length and values (numbers from numpy 1.24)', () => {
    // np.arange(0.1, 1.1, 0.2): increment derived as (0.1 + 0.2) − 0.1 = 0.20000000000000004.
    expect(Array.from(gaussianCentres({ dmin: 0.1, dmax: 0.9, step: 0.2 }))).toEqual([
      0.1, 0.30000000000000004, 0.5000000000000001, 0.7000000000000001, 0.9000000000000001,
    ]);
    // np.arange(1, 2.3, 0.3): (2.3 − 1)/0.3 = 4.333… → 5 centres, the last beyond dmax.
    expect(Array.from(gaussianCentres({ dmin: 1, dmax: 2, step: 0.3 }))).toEqual([
      1, 1.3, 1.6, 1.9000000000000001, 2.2,
    ]);
    // np.arange(0, 6.15, 0.15) has 42 elements, ending at 6.1499999999999995.
    const c = gaussianCentres({ dmin: 0, dmax: 6, step: 0.15 });
    expect(c.length).toBe(42);
    expect(c[3]).toBe(0.44999999999999996);
    expect(c[41]).toBe(6.1499999999999995);
    const d = gaussianCentres({ dmin: 0.3, dmax: 2, step: 0.1 });
    expect(d.length).toBe(18);
    expect(d[4]).toBe(0.7000000000000002);
    expect(d[17]).toBe(2.0000000000000004);
  });

  it('exp(−(d − μ)² / var²), var defaulting to step', () => {
    const f = gaussianExpand([0, 1.1, 9]);
    expect(f.length).toBe(3 * 41);
    expect(f[0]).toBe(1); // d = 0, μ = 0
    expect(f[1]).toBe(Math.fround(Math.exp(-1))); // μ = 0.2: (0 − 0.2)² / 0.2² = 1 exactly in float64
    expect(Math.abs(f[41 + 5]! - Math.exp(-(0.1 ** 2) / 0.04))).toBeLessThan(1e-7); // d = 1.1, μ = 1.0
    expect(Math.abs(f[41 + 6]! - Math.exp(-(0.1 ** 2) / 0.04))).toBeLessThan(1e-7); // μ = 1.2
    expect(f[2 * 41 + 40]).toBe(Math.fround(Math.exp(-1 / (0.2 * 0.2)))); // padding 9 vs μ = 8: e^(−25)
    const w = gaussianExpand([1], { dmin: 0, dmax: 2, step: 0.5, var: 1 });
    expect(Array.from(w)).toEqual(
      Array.from(Float32Array.from([0, 0.5, 1, 1.5, 2], (m) => Math.exp(-((1 - m) ** 2)))),
    );
    expect(() => gaussianExpand([1], { dmin: 2, dmax: 1, step: 0.1 })).toThrow(/dmin < dmax/);
    expect(() => gaussianExpand([1], { dmin: 0, dmax: 1, step: 0.2, var: 0 })).toThrow(/var/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Timing (printed, not asserted).
// ---------------------------------------------------------------------------------------------------

describe('timing (printed, not asserted)', () => {
  const time = (label: string, structures: readonly Structure[], fn: (s: Structure) => void, reps = 1) => {
    for (let k = 0; k < Math.min(200, structures.length); k++) fn(structures[k]!); // warm-up
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) for (const s of structures) fn(s);
    const ms = (performance.now() - t0) / (reps * structures.length);
    console.log(`[timing] ${label}: ${(ms * 1000).toFixed(1)} µs per crystal`);
  };

  it('7,572 synthetic 5-atom perovskites', () => {
    const set = perovskites(7572, 3);
    time('perovskite ×7572  buildGraph', set, (s) => void buildGraph(s));
    time('perovskite ×7572  periodicNeighbors(8)', set, (s) => void periodicNeighbors(s, 8));
    time('perovskite ×7572  periodicNeighbors(8) + buildGraph', set, (s) => {
      periodicNeighbors(s, 8);
      buildGraph(s);
    });
    time(
      'perovskite ×7572  buildGraph + gaussianExpand(nbrDist)',
      set,
      (s) => void gaussianExpand(buildGraph(s).nbrDist),
    );
  });

  it('a 200-atom cell', () => {
    // 2 × 4 × 5 supercell of a distorted perovskite (a ≈ 4 Å): 200 sites, ~8 × 16 × 20 Å.
    const [cell] = perovskites(1, 11);
    const reps = [2, 4, 5];
    const lat = Float64Array.from(cell!.lattice, (x, k) => x * reps[Math.floor(k / 3)]!);
    const frac: number[] = [];
    const numbers: number[] = [];
    for (let a = 0; a < reps[0]!; a++)
      for (let b = 0; b < reps[1]!; b++)
        for (let c = 0; c < reps[2]!; c++)
          for (let s = 0; s < 5; s++) {
            frac.push(
              (cell!.frac[3 * s]! + a) / reps[0]!,
              (cell!.frac[3 * s + 1]! + b) / reps[1]!,
              (cell!.frac[3 * s + 2]! + c) / reps[2]!,
            );
            numbers.push(cell!.numbers[s]!);
          }
    const big: Structure = { lattice: lat, numbers: Uint8Array.from(numbers), frac: Float64Array.from(frac) };
    expect(big.numbers.length).toBe(200);
    time('200-atom cell  buildGraph', [big], (s) => void buildGraph(s), 20);
    time('200-atom cell  periodicNeighbors(8)', [big], (s) => void periodicNeighbors(s, 8), 20);
  });

  it('the 50 fixture structures', () => {
    let fx: FeaturizeFixture;
    try {
      fx = readOracle<FeaturizeFixture>('featurize.json');
    } catch {
      console.log('[timing] featurize.json absent: skipped');
      return;
    }
    const set = fx.cases.map(structureOf);
    time(
      '50 fixture structures  periodicNeighbors(8) + buildGraph',
      set,
      (s) => {
        periodicNeighbors(s, 8);
        buildGraph(s);
      },
      40,
    );
    time('50 fixture structures  buildGraph', set, (s) => void buildGraph(s), 40);
  });
});
