import { describe, expect, it } from 'vitest';
import { describeOracle, readOracle } from '../../test/oracle.ts';
import { minPairDistance, periodicNeighbors, type NeighborList } from './neighbors.ts';
import type { Structure } from './types.ts';

// ---------------------------------------------------------------------------------------------------
// Fixture types (../shared/oracle/featurize.json) and helpers shared by the suites below.
// ---------------------------------------------------------------------------------------------------

interface FixtureShell {
  start: number;
  count: number;
  distance: number;
}
interface FixtureCutShell {
  start: number;
  taken: number;
  shell_size: number;
  distance: number;
  Z_counts_in_whole_shell: Record<string, number>;
  Z_determined: boolean;
}
interface FixtureSite {
  n_within_radius: number;
  dist: number[];
  d13: number | null;
  nbr_Z: (number | null)[];
  nbr_index: (number | null)[];
  n_index_unambiguous: number;
  shells: FixtureShell[];
  cut_shell: FixtureCutShell | null;
}
interface FixtureCase {
  id: string;
  num_sites: number;
  lattice_matrix: number[][];
  Z: number[];
  frac_coords: number[][];
  cart_coords: number[][];
  sites: FixtureSite[];
}
interface FeaturizeFixture {
  radius: number;
  max_num_nbr: number;
  cases: FixtureCase[];
}

function structureOf(c: FixtureCase): Structure {
  return {
    lattice: Float64Array.from(c.lattice_matrix.flat()),
    numbers: Uint8Array.from(c.Z),
    frac: Float64Array.from(c.frac_coords.flat()),
  };
}

function make(lattice: number[][], frac: number[][], numbers?: number[]): Structure {
  return {
    lattice: Float64Array.from(lattice.flat()),
    numbers: Uint8Array.from(numbers ?? frac.map(() => 8)),
    frac: Float64Array.from(frac.flat()),
  };
}

const cubic = (a: number): number[][] => [
  [a, 0, 0],
  [0, a, 0],
  [0, 0, a],
];

function sortedCounts(xs: readonly number[]): string {
  return [...xs].sort((a, b) => a - b).join(',');
}

/** Site i's neighbours as (j, image) keys with their distance, for set comparisons. */
function siteKeys(nl: NeighborList, i: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let k = nl.offsets[i]!; k < nl.offsets[i + 1]!; k++) {
    const key = `${nl.index[k]}|${nl.image[3 * k]},${nl.image[3 * k + 1]},${nl.image[3 * k + 2]}`;
    expect(out.has(key), `duplicate neighbour ${key} of site ${i}`).toBe(false);
    out.set(key, nl.dist[k]!);
  }
  return out;
}

/**
 * Independent brute force: every image n in [−K, K]³ (K large and fixed, no lattice-dependent bound),
 * pymatgen's rule d² < fround(r)² + 1e-8 (valid when fround(r)² is exact in float32, as for 8).
 */
function bruteForce(s: Structure, radius: number, K: number): Map<string, number>[] {
  const L = s.lattice;
  const n = s.numbers.length;
  const thr = Math.fround(radius) ** 2 + 1e-8;
  const out: Map<string, number>[] = [];
  let maxUsed = 0;
  for (let i = 0; i < n; i++) {
    const m = new Map<string, number>();
    for (let j = 0; j < n; j++) {
      const d = [0, 1, 2].map((k) => s.frac[3 * j + k]! - s.frac[3 * i + k]!);
      for (let n0 = -K; n0 <= K; n0++) {
        for (let n1 = -K; n1 <= K; n1++) {
          for (let n2 = -K; n2 <= K; n2++) {
            const c0 = d[0]! + n0,
              c1 = d[1]! + n1,
              c2 = d[2]! + n2;
            const x = c0 * L[0]! + c1 * L[3]! + c2 * L[6]!;
            const y = c0 * L[1]! + c1 * L[4]! + c2 * L[7]!;
            const z = c0 * L[2]! + c1 * L[5]! + c2 * L[8]!;
            const q = x * x + y * y + z * z;
            if (q < thr && !(i === j && q <= 1e-16)) {
              m.set(`${j}|${n0},${n1},${n2}`, Math.sqrt(q));
              maxUsed = Math.max(maxUsed, Math.abs(n0), Math.abs(n1), Math.abs(n2));
            }
          }
        }
      }
    }
    out.push(m);
  }
  // The fixed range must not have been what limited the search.
  expect(maxUsed).toBeLessThan(K);
  return out;
}

function expectMatchesBruteForce(s: Structure, radius: number, K: number): NeighborList {
  const nl = periodicNeighbors(s, radius);
  const bf = bruteForce(s, radius, K);
  for (let i = 0; i < s.numbers.length; i++) {
    const ours = siteKeys(nl, i);
    const ref = bf[i]!;
    expect(ours.size, `site ${i} neighbour count`).toBe(ref.size);
    for (const [key, d] of ref) {
      const got = ours.get(key);
      expect(got, `site ${i} misses ${key} at ${d}`).toBeDefined();
      expect(Math.abs(got! - d)).toBeLessThan(1e-12);
    }
  }
  return nl;
}

function expectSortedAndConsistent(s: Structure, nl: NeighborList): void {
  const L = s.lattice;
  for (let i = 0; i < nl.nSites; i++) {
    for (let k = nl.offsets[i]!; k < nl.offsets[i + 1]!; k++) {
      if (k > nl.offsets[i]!) expect(nl.dist[k]!).toBeGreaterThanOrEqual(nl.dist[k - 1]!);
      const j = nl.index[k]!;
      const c = [0, 1, 2].map((a) => s.frac[3 * j + a]! + nl.image[3 * k + a]! - s.frac[3 * i + a]!);
      const x = c[0]! * L[0]! + c[1]! * L[3]! + c[2]! * L[6]!;
      const y = c[0]! * L[1]! + c[1]! * L[4]! + c[2]! * L[7]!;
      const z = c[0]! * L[2]! + c[1]! * L[5]! + c[2]! * L[8]!;
      expect(Math.abs(Math.hypot(x, y, z) - nl.dist[k]!)).toBeLessThan(1e-11);
    }
  }
}

/** Ideal cubic perovskite ABO3 (a = 3.9 Å). */
function perovskite(a = 3.9): Structure {
  return make(
    cubic(a),
    [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0],
      [0.5, 0, 0.5],
      [0, 0.5, 0.5],
    ],
    [38, 22, 8, 8, 8],
  );
}

/** The same crystal in the cell L' = U·L (U unimodular): frac' = frac·U⁻¹. */
function transformCell(s: Structure, U: number[][], Uinv: number[][]): Structure {
  const L = s.lattice;
  const lat: number[][] = [0, 1, 2].map((r) =>
    [0, 1, 2].map((c) => U[r]![0]! * L[c]! + U[r]![1]! * L[3 + c]! + U[r]![2]! * L[6 + c]!),
  );
  const frac: number[][] = [];
  for (let i = 0; i < s.numbers.length; i++) {
    frac.push(
      [0, 1, 2].map(
        (c) =>
          s.frac[3 * i]! * Uinv[0]![c]! +
          s.frac[3 * i + 1]! * Uinv[1]![c]! +
          s.frac[3 * i + 2]! * Uinv[2]![c]!,
      ),
    );
  }
  return make(lat, frac, [...s.numbers]);
}

// ---------------------------------------------------------------------------------------------------
// Oracle: pymatgen 2022.11 get_all_neighbors(8), cgcnn-sorted, 50 structures, every site.
// ---------------------------------------------------------------------------------------------------

describeOracle('featurize.json', 'periodicNeighbors vs pymatgen get_all_neighbors(8)', () => {
  const fx = readOracle<FeaturizeFixture>('featurize.json');
  const M = fx.max_num_nbr;

  it('has the expected fixture shape', () => {
    expect(fx.radius).toBe(8);
    expect(M).toBe(12);
    expect(fx.cases.length).toBe(50);
  });

  it.each(fx.cases.map((c) => [c.id, c] as const))('%s: every site matches', (_id, c) => {
    const s = structureOf(c);
    // The structure is built from lattice_matrix and frac_coords; check it is the fixture's crystal.
    for (let i = 0; i < c.num_sites; i++) {
      for (let k = 0; k < 3; k++) {
        const x =
          s.frac[3 * i]! * s.lattice[k]! +
          s.frac[3 * i + 1]! * s.lattice[3 + k]! +
          s.frac[3 * i + 2]! * s.lattice[6 + k]!;
        expect(Math.abs(x - c.cart_coords[i]![k]!)).toBeLessThan(1e-9);
      }
    }
    const nl = periodicNeighbors(s, fx.radius);
    expect(nl.nSites).toBe(c.num_sites);
    expectSortedAndConsistent(s, nl);
    for (let i = 0; i < c.num_sites; i++) {
      const site = c.sites[i]!;
      const o = nl.offsets[i]!;
      const count = nl.offsets[i + 1]! - o;
      const label = `${c.id} site ${i}`;
      expect(count, `${label} n_within_radius`).toBe(site.n_within_radius);
      // Distances of the 12 kept, and the 13th, to 1e-9 Å.
      for (let k = 0; k < site.dist.length; k++) {
        expect(Math.abs(nl.dist[o + k]! - site.dist[k]!), `${label} dist[${k}]`).toBeLessThanOrEqual(1e-9);
      }
      if (site.d13 !== null) {
        expect(Math.abs(nl.dist[o + M]! - site.d13), `${label} d13`).toBeLessThanOrEqual(1e-9);
      }
      // Neighbour identities: per-shell multisets (order inside a shell is arbitrary).
      for (const sh of site.shells) {
        const ours = Array.from(nl.index.subarray(o + sh.start, o + sh.start + sh.count));
        const refIdx = site.nbr_index.slice(sh.start, sh.start + sh.count);
        const refZ = site.nbr_Z.slice(sh.start, sh.start + sh.count);
        for (let k = 0; k < sh.count; k++) {
          expect(Math.abs(nl.dist[o + sh.start + k]! - sh.distance)).toBeLessThanOrEqual(1e-6);
        }
        if (refIdx.every((x) => x !== null)) {
          expect(sortedCounts(ours), `${label} shell@${sh.start} indices`).toBe(sortedCounts(refIdx));
        } else {
          // Only the shell straddling the 12-neighbour cut may be ambiguous.
          expect(site.cut_shell?.start).toBe(sh.start);
        }
        if (refZ.every((x) => x !== null)) {
          const ourZ = ours.map((j) => c.Z[j]!);
          expect(sortedCounts(ourZ), `${label} shell@${sh.start} Z`).toBe(sortedCounts(refZ));
        }
      }
      // The unambiguous prefix is exactly the union of the complete shells before the cut.
      const prefix = site.n_index_unambiguous;
      expect(sortedCounts(Array.from(nl.index.subarray(o, o + prefix)))).toBe(
        sortedCounts(site.nbr_index.slice(0, prefix) as number[]),
      );
      // The whole cut shell (beyond the 12): same size and the same elements.
      const cs = site.cut_shell;
      if (cs !== null) {
        const zc = new Map<number, number>();
        for (let k = cs.start; k < cs.start + cs.shell_size; k++) {
          expect(Math.abs(nl.dist[o + k]! - cs.distance)).toBeLessThanOrEqual(1e-6);
          const z = c.Z[nl.index[o + k]!]!;
          zc.set(z, (zc.get(z) ?? 0) + 1);
        }
        if (cs.start + cs.shell_size < count) {
          expect(nl.dist[o + cs.start + cs.shell_size]! - cs.distance).toBeGreaterThan(1e-6);
        }
        const refZc = Object.entries(cs.Z_counts_in_whole_shell).map(([z, k]) => `${z}:${k}`);
        const ourZc = [...zc].map(([z, k]) => `${z}:${k}`);
        expect(ourZc.sort()).toEqual(refZc.sort());
      }
    }
  });

  it('minPairDistance equals the smallest first-neighbour distance of every structure', () => {
    for (const c of fx.cases) {
      const ref = Math.min(...c.sites.map((s) => s.dist[0]!));
      const got = minPairDistance(structureOf(c));
      expect(Math.abs(got.distance - ref), c.id).toBeLessThanOrEqual(1e-9);
      const si = c.sites[got.i]!;
      expect(Math.abs(si.dist[0]! - ref)).toBeLessThanOrEqual(1e-9);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Geometry without the oracle.
// ---------------------------------------------------------------------------------------------------

describe('periodicNeighbors: hand-derived cases', () => {
  it('simple cubic a = 4: shells 6 × 4, 12 × 4√2, 8 × 4√3, 6 × 8 within 8 Å (self excluded)', () => {
    const nl = periodicNeighbors(make(cubic(4), [[0, 0, 0]]), 8);
    // |n|² ≤ 4: counts of integer vectors with |n|² = 1, 2, 3, 4 are 6, 12, 8, 6.
    expect(nl.offsets[1]).toBe(32);
    const d = Array.from(nl.dist);
    expect(d.slice(0, 6).every((x) => x === 4)).toBe(true);
    expect(d.slice(6, 18).every((x) => Math.abs(x - 4 * Math.SQRT2) < 1e-14)).toBe(true);
    expect(d.slice(18, 26).every((x) => Math.abs(x - 4 * Math.sqrt(3)) < 1e-14)).toBe(true);
    expect(d.slice(26).every((x) => x === 8)).toBe(true);
    expect(Array.from(nl.index).every((j) => j === 0)).toBe(true);
  });

  it('ties keep the enumeration order (image n2, n1, n0 ascending) — a stable sort', () => {
    const nl = periodicNeighbors(make(cubic(4), [[0, 0, 0]]), 4.5);
    expect(Array.from(nl.image)).toEqual([0, 0, -1, 0, -1, 0, -1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('boundary rule is pymatgen 2022.11’s: d² < fround(r)² + 1e-8 (measured on the package)', () => {
    // pymatgen: Lattice.cubic(a), one atom, get_all_neighbors(8) → 6, 6, 6, 0, 0 neighbours.
    const counts = [8, 8 + 4e-10, 8 + 6e-10, 8 + 7e-10, 8 + 1e-9].map(
      (a) => periodicNeighbors(make(cubic(a), [[0, 0, 0]]), 8).offsets[1],
    );
    expect(counts).toEqual([6, 6, 6, 0, 0]);
  });

  it('reproduces pymatgen’s float32 radius and box pre-filter (r = 6.1) and its r < 1 rule', () => {
    const rf = Math.fround(6.1);
    const one = (a: number, r: number) => periodicNeighbors(make(cubic(a), [[0, 0, 0]]), r).offsets[1];
    // pymatgen 2022.11: cubic(6.1) → 0 (6.1 > fround(6.1) + 1e-8 fails the box); a² = rf² + 1.5e-8 → 6.
    expect(one(6.1, 6.1)).toBe(0);
    expect(one(Math.sqrt(rf * rf + 1.5e-8), 6.1)).toBe(6);
    // r < 1 (pymatgen's min_r): d ≤ fround(r). cubic(fround(0.9)) → 6, cubic(0.9) → 0, cubic(0.5) → 6.
    expect(one(Math.fround(0.9), 0.9)).toBe(6);
    expect(one(0.9, 0.9)).toBe(0);
    expect(one(0.5, 0.5)).toBe(6);
    // Squared radius rounded in float32: a neighbour along (1,1,1) (far inside the box) at
    // d² = rf² + 2.53e-7 is kept, at fround(rf²) + 1.5e-8 it is not (pymatgen: 2 and 0).
    const diag = (t: number) => {
      const L = Math.sqrt(t) / Math.sqrt(3);
      return periodicNeighbors(
        make(
          [
            [L, L, L],
            [0, 30, -30],
            [30, -30, 0],
          ],
          [[0, 0, 0]],
        ),
        6.1,
      ).offsets[1];
    };
    expect(diag(rf * rf + 2.5295531003166616e-7)).toBe(2);
    expect(diag(Math.fround(rf * rf) + 1.5e-8)).toBe(0);
  });

  it('a heavily skewed cell matches brute force over images [−45, 45]³', () => {
    // A Niggli-unreduced description of a small cell: angles far from 90°, image indices up to 38 along a
    // (8·|b*| = 37.1, 10.4, 3.1) where a naive |n_k| ≤ ⌈8/|a_k|⌉ box would stop at 2, 1, 1.
    const s = make(
      [
        [4.1, 0, 0],
        [12.3, 1.9, 0],
        [-8.2, 5.9, 2.6],
      ],
      [
        [0.1, 0.2, 0.3],
        [0.75, 0.5, 0.05],
        [0.4, 0.9, 0.6],
      ],
      [11, 17, 8],
    );
    const nl = expectMatchesBruteForce(s, 8, 45);
    expectSortedAndConsistent(s, nl);
    expect(nl.index.length).toBeGreaterThan(900); // ≈ 3 · 3 · (4/3)π·8³ / 20.25 Å³
    const maxImage0 = Math.max(
      ...Array.from(nl.image)
        .filter((_, k) => k % 3 === 0)
        .map(Math.abs),
    );
    expect(maxImage0).toBeGreaterThan(30);
  });

  it('a unimodular re-description of the perovskite cell gives the same distances', () => {
    const ref = periodicNeighbors(perovskite(), 8);
    const U = [
      [1, 0, 0],
      [7, 1, 0],
      [-5, 3, 1],
    ];
    const Uinv = [
      [1, 0, 0],
      [-7, 1, 0],
      [26, -3, 1],
    ];
    const s2 = transformCell(perovskite(), U, Uinv);
    const nl = periodicNeighbors(s2, 8);
    expect(Array.from(nl.offsets)).toEqual(Array.from(ref.offsets));
    for (let k = 0; k < ref.dist.length; k++)
      expect(Math.abs(nl.dist[k]! - ref.dist[k]!)).toBeLessThan(1e-11);
    expectSortedAndConsistent(s2, nl);
    expect(Math.abs(minPairDistance(s2).distance - 1.95)).toBeLessThan(1e-12);
  });

  it('a cell thinner than the radius in one direction (slab-like) matches brute force', () => {
    const s = make(
      [
        [2.6, 0, 0],
        [0, 14, 0],
        [0.4, 1.1, 20],
      ],
      [
        [0, 0.1, 0.2],
        [0.5, 0.3, 0.25],
      ],
      [6, 6],
    );
    expectMatchesBruteForce(s, 8, 12);
    // And a cell 0.9 Å thick along c with many images along it.
    const t = make(
      [
        [5, 0, 0],
        [1, 5, 0],
        [0.2, 0.1, 0.9],
      ],
      [[0.3, 0.3, 0.3]],
    );
    const nl = expectMatchesBruteForce(t, 8, 14);
    expect(nl.offsets[1]).toBeGreaterThan(90); // ≈ (4/3)π·8³ / 22.5 Å³
  });

  it('fractional coordinates outside [0, 1) give the same neighbours, images shifted', () => {
    const base = perovskite(4.05);
    const shift = [
      [0, 0, 0],
      [-1, 2, 0],
      [3, -1, -2],
      [0, 1, 0],
      [-4, 0, 1],
    ];
    const shifted: Structure = {
      ...base,
      frac: base.frac.map((x, k) => x + shift[Math.floor(k / 3)]![k % 3]!),
    };
    const a = periodicNeighbors(base, 8);
    const b = periodicNeighbors(shifted, 8);
    expect(Array.from(b.offsets)).toEqual(Array.from(a.offsets));
    for (let k = 0; k < a.dist.length; k++) expect(Math.abs(b.dist[k]! - a.dist[k]!)).toBeLessThan(1e-12);
    // Same (j, image) sets once images are mapped back: f_j + s_j + img' − f_i − s_i = f_j + img − f_i,
    // so img' = img − s_j + s_i. (Ties may come out in another order: distances differ by ~1e-16.)
    for (let i = 0; i < 5; i++) {
      const ka = siteKeys(a, i);
      const kb = new Map<string, number>();
      for (const [key, d] of siteKeys(b, i)) {
        const [js, img] = key.split('|') as [string, string];
        const j = Number(js);
        const back = img.split(',').map((x, c) => Number(x) + shift[j]![c]! - shift[i]![c]!);
        kb.set(`${j}|${back.join(',')}`, d);
      }
      expect(kb.size).toBe(ka.size);
      for (const [key, d] of ka) expect(Math.abs(kb.get(key)! - d), key).toBeLessThan(1e-12);
    }
    expectSortedAndConsistent(shifted, b);
  });

  it('a coincident distinct site of another element is kept at distance 0, itself is not', () => {
    const s = make(cubic(5), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    s.numbers[1] = 17;
    const nl = periodicNeighbors(s, 1);
    // pymatgen (validate_proximity=False): [Na, Cl] at the origin → 1 neighbour each (the other one).
    expect(Array.from(nl.offsets)).toEqual([0, 1, 2]);
    expect(Array.from(nl.index)).toEqual([1, 0]);
    expect(Array.from(nl.dist)).toEqual([0, 0]);
    // pymatgen: [Na, Na, Cl] all at the origin → 1, 1, 2 (same element at the same place = itself).
    const t = make(
      cubic(5),
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      [11, 11, 17],
    );
    expect(Array.from(periodicNeighbors(t, 1).offsets)).toEqual([0, 1, 2, 4]);
  });

  it('rejects bad input with messages for people', () => {
    expect(() => periodicNeighbors(perovskite(), 0)).toThrow(/positive/);
    expect(() => periodicNeighbors(perovskite(), Number.NaN)).toThrow(/positive/);
    const flat = make(
      [
        [4, 0, 0],
        [0, 4, 0],
        [4, 4, 0],
      ],
      [[0, 0, 0]],
    );
    expect(() => periodicNeighbors(flat, 8)).toThrow(/coplanar/);
    expect(() => periodicNeighbors(make(cubic(0.01), [[0, 0, 0]]), 8)).toThrow(/too many/);
    const bad = make(cubic(4), [[0, Number.NaN, 0]]);
    expect(() => periodicNeighbors(bad, 8)).toThrow(/site 1/);
  });

  it('a structure without sites has an empty list', () => {
    const nl = periodicNeighbors(make(cubic(4), []), 8);
    expect(Array.from(nl.offsets)).toEqual([0]);
    expect(nl.dist.length).toBe(0);
  });
});

describe('minPairDistance', () => {
  it('two atoms 0.3 Å apart', () => {
    const r = minPairDistance(
      make(cubic(10), [
        [0.1, 0.1, 0.1],
        [0.13, 0.1, 0.1],
      ]),
    );
    expect(Math.abs(r.distance - 0.3)).toBeLessThan(1e-12);
    expect([r.i, r.j]).toEqual([0, 1]);
  });

  it('a pair across the cell boundary (images count)', () => {
    const r = minPairDistance(
      make(cubic(10), [
        [0.98, 0.5, 0.5],
        [0.5, 0.5, 0.5],
        [0.01, 0.5, 0.5],
      ]),
    );
    expect(Math.abs(r.distance - 0.3)).toBeLessThan(1e-12);
    expect([r.i, r.j]).toEqual([0, 2]);
  });

  it('a 0.4 Å cubic cell of one atom overlaps its own image', () => {
    const r = minPairDistance(make(cubic(0.4), [[0.2, 0.7, 0.1]]));
    expect(Math.abs(r.distance - 0.4)).toBeLessThan(1e-15);
    expect([r.i, r.j]).toEqual([0, 0]);
  });

  it('a skewed cell whose shortest lattice vector is none of a, b, c', () => {
    // a = (5,0,0), b = (5.3,0.2,0), c = (0,0,6): the shortest vector is b − a, length √(0.09 + 0.04).
    const r = minPairDistance(
      make(
        [
          [5, 0, 0],
          [5.3, 0.2, 0],
          [0, 0, 6],
        ],
        [[0.5, 0.5, 0.5]],
      ),
    );
    expect(Math.abs(r.distance - Math.sqrt(0.13))).toBeLessThan(1e-12);
  });

  it('an extremely unreduced cell (shortest vector b − 3a, 1.4e-6 Å) is solved through LLL', () => {
    const s = make(
      [
        [5, 0, 0],
        [15 + 1e-6, 1e-6, 0],
        [0.3, 0.2, 5],
      ],
      [
        [0.1, 0.2, 0.3],
        [0.6, 0.5, 0.4],
      ],
    );
    const r = minPairDistance(s);
    expect(Math.abs(r.distance - Math.SQRT2 * 1e-6)).toBeLessThan(1e-15);
    expect(r.i).toBe(r.j);
  });

  it('a unimodular re-description of a cell gives the same closest pair', () => {
    const s = make(
      [
        [4.1, 0, 0],
        [12.3, 1.9, 0],
        [-8.2, 5.9, 2.6],
      ],
      [
        [0.1, 0.2, 0.3],
        [0.75, 0.5, 0.05],
        [0.4, 0.9, 0.6],
      ],
    );
    const nl = periodicNeighbors(s, 8);
    const r = minPairDistance(s);
    expect(Math.abs(r.distance - Math.min(...Array.from(nl.dist)))).toBeLessThan(1e-12);
  });

  it('perovskite: the B–O distance a/2', () => {
    const r = minPairDistance(perovskite(3.9));
    expect(Math.abs(r.distance - 1.95)).toBeLessThan(1e-12);
    expect(r.i).toBe(1);
  });

  it('no sites → Infinity', () => {
    expect(minPairDistance(make(cubic(4), []))).toEqual({ distance: Infinity, i: -1, j: -1 });
  });
});
