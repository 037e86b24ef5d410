/**
 * Periodic neighbour search: every site's neighbours within a radius over all periodic images, as
 * pymatgen 2022.11's `Structure.get_all_neighbors(r)` finds them (the neighbour lists cgcnn builds its
 * crystal graphs from), and the smallest interatomic distance for the overlap check.
 *
 * How images are enumerated. For a pair of sites (i, j) with fractional difference δ = f_j − f_i, the
 * neighbour through image n ∈ ℤ³ sits at x = (δ + n)·L (rows of L = lattice vectors a₀, a₁, a₂). Writing
 * c = δ + n and Gram–Schmidt-orthogonalising the lattice rows (a₀* = a₀, a₁* = a₁ − μ₁₀a₀*,
 * a₂* = a₂ − μ₂₀a₀* − μ₂₁a₁*) gives
 *
 *   |x|² = (c₀ + μ₁₀c₁ + μ₂₀c₂)²·|a₀*|² + (c₁ + μ₂₁c₂)²·|a₁*|² + c₂²·|a₂*|²,
 *
 * a sum of non-negative terms, so |x| ≤ R bounds c₂ to |c₂| ≤ R/|a₂*| = R·|b₂*| (b* = reciprocal vectors
 * without 2π: this is the interplanar-spacing bound), then c₁ for each c₂, then c₀ for each (c₂, c₁)
 * (Fincke–Pohst enumeration). The bounds are exact for any lattice however skewed, need no wrapping of
 * fractional coordinates (δ may be any real vector: coordinates outside [0, 1) are fine), and visit
 * the lattice points inside the sphere plus, per (c₂, c₁) row, at most a boundary point or two. Each
 * bound is widened by 1e-6 (fractional) so rounding never drops a boundary point; inclusion is then
 * decided on the cartesian squared distance.
 *
 * No cell list: per pair the enumeration costs O(1 + points in sphere), which for the lab's structures
 * (≤ a few hundred sites) is within a small factor of the unavoidable O(neighbours) output (200 sites,
 * 35k neighbours: ~2 ms). The neighbour search works in the basis as given (images are reported in
 * it); the overlap check, which reports no images, first LLL-reduces the lattice.
 */
import { inverse3 } from '../core/mat3.ts';
import type { Structure } from './types.ts';

/** Neighbours of every site in compressed-sparse-row layout, each site's neighbours sorted by distance. */
export interface NeighborList {
  /** Number of sites (centres). */
  nSites: number;
  /** The radius asked for (Å). */
  radius: number;
  /** Site i's neighbours are entries offsets[i] … offsets[i+1]−1. Length nSites + 1. */
  offsets: Int32Array;
  /** Site index (0…nSites−1) of each neighbour. */
  index: Int32Array;
  /** Distance of each neighbour (Å), ascending within a site. */
  dist: Float64Array;
  /**
   * Integer image offset of each neighbour, 3 per neighbour: the neighbour is at
   * (frac[index] + image)·L, relative to the fractional coordinates as given (not wrapped), as
   * pymatgen's `PeriodicNeighbor.image` is relative to the structure's own coordinates.
   */
  image: Int32Array;
}

/** The closest pair of sites, periodic images included (a site and its own image count as a pair). */
export interface MinPairDistance {
  /** Smallest distance (Å); Infinity for a structure without sites. */
  distance: number;
  /** The pair's site indices, i ≤ j (i = j: a site and one of its own periodic images); −1 when no sites. */
  i: number;
  j: number;
}

/** pymatgen's `numerical_tol` (get_all_neighbors, find_points_in_spheres). */
const NUMERICAL_TOL = 1e-8;
/** Slack on the enumeration bounds, in fractional units: a superset is enumerated, inclusion is exact. */
const ENUM_EPS = 1e-6;
/** Refuse to enumerate more candidate pairs than this (a cell far too small for the radius). */
const MAX_ESTIMATED_PAIRS = 2e7;

/** The lattice and coordinates unpacked into numbers, with the Gram–Schmidt data for enumeration. */
interface Prepared {
  n: number;
  frac: Float64Array;
  numbers: Uint8Array;
  /** Lattice rows a₀ = (ax, ay, az), a₁ = (bx, by, bz), a₂ = (cx, cy, cz). */
  ax: number;
  ay: number;
  az: number;
  bx: number;
  by: number;
  bz: number;
  cx: number;
  cy: number;
  cz: number;
  /** |a₀*|², |a₁*|², |a₂*|² and the Gram–Schmidt coefficients. */
  g0: number;
  g1: number;
  g2: number;
  m10: number;
  m20: number;
  m21: number;
  volume: number;
}

function prepare(structure: Structure, what: string): Prepared {
  const L = structure.lattice;
  const n = structure.numbers.length;
  if (L.length !== 9) {
    throw new Error(`${what}: the lattice must have 9 numbers (3 vectors × 3), got ${L.length}.`);
  }
  if (structure.frac.length !== 3 * n) {
    throw new Error(
      `${what}: ${n} sites need ${3 * n} fractional coordinates, got ${structure.frac.length}.`,
    );
  }
  for (let k = 0; k < 9; k++) {
    if (!Number.isFinite(L[k])) throw new Error(`${what}: the lattice contains a non-finite number.`);
  }
  for (let k = 0; k < structure.frac.length; k++) {
    if (!Number.isFinite(structure.frac[k])) {
      throw new Error(`${what}: site ${Math.floor(k / 3) + 1} has a non-finite fractional coordinate.`);
    }
  }
  const ax = L[0]!,
    ay = L[1]!,
    az = L[2]!,
    bx = L[3]!,
    by = L[4]!,
    bz = L[5]!,
    cx = L[6]!,
    cy = L[7]!,
    cz = L[8]!;
  const volume = Math.abs(ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx));
  const la = Math.hypot(ax, ay, az),
    lb = Math.hypot(bx, by, bz),
    lc = Math.hypot(cx, cy, cz);
  if (!(volume > 1e-10 * la * lb * lc) || !(volume > 0)) {
    throw new Error(
      `${what}: the lattice vectors are (nearly) coplanar — cell volume ${volume.toPrecision(3)} Å³ for ` +
        `vector lengths ${la.toFixed(3)}, ${lb.toFixed(3)}, ${lc.toFixed(3)} Å — so the cell is not a valid 3-D crystal.`,
    );
  }
  const g0 = ax * ax + ay * ay + az * az;
  const m10 = (bx * ax + by * ay + bz * az) / g0;
  const px = bx - m10 * ax,
    py = by - m10 * ay,
    pz = bz - m10 * az;
  const g1 = px * px + py * py + pz * pz;
  const m20 = (cx * ax + cy * ay + cz * az) / g0;
  const m21 = (cx * px + cy * py + cz * pz) / g1;
  const qx = cx - m20 * ax - m21 * px,
    qy = cy - m20 * ay - m21 * py,
    qz = cz - m20 * az - m21 * pz;
  const g2 = qx * qx + qy * qy + qz * qz;
  return {
    n,
    frac: structure.frac,
    numbers: structure.numbers,
    ax,
    ay,
    az,
    bx,
    by,
    bz,
    cx,
    cy,
    cz,
    g0,
    g1,
    g2,
    m10,
    m20,
    m21,
    volume,
  };
}

/**
 * pymatgen 2022.11's inclusion rule for `get_all_neighbors(r)` (find_points_in_spheres, measured on the
 * installed package): the radius arrives as a C `float`, so rf = fround(r); for rf ≥ 1 a point is a
 * neighbour iff d² < fround(rf·rf) + 1e-8 (squared in float32, tolerance added in float64) and it lies
 * inside the axis-aligned box [min over centres − rf − 1e-8, max over centres + rf + 1e-8] (strict)
 * that pymatgen pre-filters image points with; for rf < 1 (its `min_r`) it is d ≤ rf. For r = 8 the
 * box never bites (√(64 + 1e-8) < 8 + 1e-8); for radii whose float32 square rounds up it can.
 */
interface Rule {
  /** Candidates with d² < enumR2 are visited; `accept2` then decides. */
  enumR2: number;
  /** d² < accept2 ⇒ neighbour (when `exact` is false, this is the whole test). */
  accept2: number;
  /** True when the sqrt test (rf < 1) or the box filter must also be applied. */
  exact: boolean;
  sqrtMode: boolean;
  rf: number;
  box: Float64Array | null;
}

function inclusionRule(radius: number, p: Prepared): Rule {
  const rf = Math.fround(radius);
  if (rf < 1) {
    const r2 = rf * rf;
    return {
      enumR2: r2 * (1 + 1e-12),
      accept2: r2 * (1 + 1e-12),
      exact: true,
      sqrtMode: true,
      rf,
      box: null,
    };
  }
  const accept2 = Math.fround(rf * rf) + NUMERICAL_TOL;
  const boxBites = Math.sqrt(accept2) >= rf + NUMERICAL_TOL;
  let box: Float64Array | null = null;
  if (boxBites && p.n > 0) {
    let x0 = Infinity,
      y0 = Infinity,
      z0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity,
      z1 = -Infinity;
    const f = p.frac;
    for (let s = 0; s < p.n; s++) {
      const [x, y, z] = cart(p, f[3 * s]!, f[3 * s + 1]!, f[3 * s + 2]!);
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      z0 = Math.min(z0, z);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
      z1 = Math.max(z1, z);
    }
    // pymatgen: valid_min = min − r − tol, valid_max = max + r + tol (left to right, float64).
    box = Float64Array.from([
      x0 - rf - NUMERICAL_TOL,
      y0 - rf - NUMERICAL_TOL,
      z0 - rf - NUMERICAL_TOL,
      x1 + rf + NUMERICAL_TOL,
      y1 + rf + NUMERICAL_TOL,
      z1 + rf + NUMERICAL_TOL,
    ]);
  }
  return { enumR2: accept2 * (1 + 1e-12), accept2, exact: box !== null, sqrtMode: false, rf, box };
}

function checkRadius(radius: number, what: string): void {
  if (!(Number.isFinite(radius) && radius > 0)) {
    throw new RangeError(`${what}: the neighbour radius must be a positive number of Å, got ${radius}.`);
  }
}

function checkSize(p: Prepared, radius: number, what: string): void {
  const sphere = (4 / 3) * Math.PI * radius * radius * radius;
  const estimate = p.n * p.n * (sphere / p.volume + 1);
  if (estimate > MAX_ESTIMATED_PAIRS) {
    throw new Error(
      `${what}: a ${radius} Å radius around ${p.n} sites in a ${p.volume.toPrecision(3)} Å³ cell means ` +
        `about ${Math.round(estimate).toExponential(1)} neighbour pairs — too many to compute. ` +
        'Check the lattice (is it in Å?) or use a smaller radius.',
    );
  }
}

/** Growable scratch for candidates (all centres of one call), reused across calls: the worker is single-threaded. */
let scrCap = 0;
let scrJ = new Int32Array(0);
let scrImg = new Int32Array(0);
let scrD = new Float64Array(0);
let scrKeys = new Float64Array(0);
let scrIds = new Int32Array(0);
let scrCount = new Int32Array(0);

function growScratch(need: number): void {
  if (need <= scrCap) return;
  let cap = Math.max(256, scrCap);
  while (cap < need) cap *= 2;
  const j = new Int32Array(cap),
    img = new Int32Array(3 * cap),
    d = new Float64Array(cap);
  j.set(scrJ);
  img.set(scrImg);
  d.set(scrD);
  scrJ = j;
  scrImg = img;
  scrD = d;
  scrKeys = new Float64Array(cap);
  scrIds = new Int32Array(cap);
  scrCap = cap;
}

/**
 * Writes every neighbour of centre i (pymatgen's rule, self excluded) into the scratch arrays from
 * position `start` on, in enumeration order — j ascending, then image n₂, n₁, n₀ ascending — with its
 * distance (Å). Returns the end position.
 */
function collectCentre(p: Prepared, rule: Rule, i: number, start: number): number {
  const f = p.frac;
  const { ax, ay, az, bx, by, bz, cx, cy, cz, g0, g1, g2, m10, m20, m21 } = p;
  const R2 = rule.enumR2;
  const accept2 = rule.accept2;
  const exact = rule.exact;
  const s2 = Math.sqrt(R2 / g2);
  const fi0 = f[3 * i]!,
    fi1 = f[3 * i + 1]!,
    fi2 = f[3 * i + 2]!;
  let count = start;
  let J = scrJ,
    IMG = scrImg,
    D = scrD,
    cap = scrCap;
  for (let j = 0; j < p.n; j++) {
    const d0 = f[3 * j]! - fi0,
      d1 = f[3 * j + 1]! - fi1,
      d2 = f[3 * j + 2]! - fi2;
    const ux = d0 * ax + d1 * bx + d2 * cx;
    const uy = d0 * ay + d1 * by + d2 * cy;
    const uz = d0 * az + d1 * bz + d2 * cz;
    const n2lo = Math.ceil(-s2 - d2 - ENUM_EPS),
      n2hi = Math.floor(s2 - d2 + ENUM_EPS);
    for (let n2 = n2lo; n2 <= n2hi; n2++) {
      const c2 = d2 + n2;
      const rem2 = R2 - c2 * c2 * g2;
      if (rem2 < 0) continue;
      const s1 = Math.sqrt(rem2 / g1);
      const ctr1 = -m21 * c2 - d1;
      const n1lo = Math.ceil(ctr1 - s1 - ENUM_EPS),
        n1hi = Math.floor(ctr1 + s1 + ENUM_EPS);
      const wx2 = ux + n2 * cx,
        wy2 = uy + n2 * cy,
        wz2 = uz + n2 * cz;
      for (let n1 = n1lo; n1 <= n1hi; n1++) {
        const c1 = d1 + n1;
        const t = c1 + m21 * c2;
        const rem1 = rem2 - t * t * g1;
        const s0 = rem1 > 0 ? Math.sqrt(rem1 / g0) : 0;
        const ctr0 = -(m10 * c1 + m20 * c2) - d0;
        const n0lo = Math.ceil(ctr0 - s0 - ENUM_EPS),
          n0hi = Math.floor(ctr0 + s0 + ENUM_EPS);
        const wx = wx2 + n1 * bx,
          wy = wy2 + n1 * by,
          wz = wz2 + n1 * bz;
        for (let n0 = n0lo; n0 <= n0hi; n0++) {
          const vx = wx + n0 * ax,
            vy = wy + n0 * ay,
            vz = wz + n0 * az;
          const q = vx * vx + vy * vy + vz * vz;
          if (q >= accept2) continue;
          if (q <= 1.0000001e-16 && isSelf(p, i, j, Math.sqrt(q))) continue;
          if (exact && !exactAccept(p, rule, i, vx, vy, vz, q)) continue;
          if (count >= cap) {
            growScratch(count + 1);
            J = scrJ;
            IMG = scrImg;
            D = scrD;
            cap = scrCap;
          }
          J[count] = j;
          IMG[3 * count] = n0;
          IMG[3 * count + 1] = n1;
          IMG[3 * count + 2] = n2;
          D[count] = Math.sqrt(q);
          count++;
        }
      }
    }
  }
  return count;
}

/**
 * pymatgen drops a neighbour at d ≤ 1e-8 when it is the centre itself, or (get_all_neighbors) a site
 * of the same species whose own coordinates are `np.allclose` (atol = rtol = 1e-5) to the centre's.
 */
function isSelf(p: Prepared, i: number, j: number, d: number): boolean {
  if (d > NUMERICAL_TOL) return false;
  if (i === j) return true;
  if (p.numbers[i] !== p.numbers[j]) return false;
  const f = p.frac;
  const ci = cart(p, f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!);
  const cj = cart(p, f[3 * j]!, f[3 * j + 1]!, f[3 * j + 2]!);
  for (let k = 0; k < 3; k++) {
    if (!(Math.abs(cj[k]! - ci[k]!) <= 1e-5 + 1e-5 * Math.abs(ci[k]!))) return false;
  }
  return true;
}

function cart(p: Prepared, u: number, v: number, w: number): [number, number, number] {
  return [u * p.ax + v * p.bx + w * p.cx, u * p.ay + v * p.by + w * p.cy, u * p.az + v * p.bz + w * p.cz];
}

function exactAccept(
  p: Prepared,
  rule: Rule,
  i: number,
  vx: number,
  vy: number,
  vz: number,
  q: number,
): boolean {
  if (rule.sqrtMode) return Math.sqrt(q) <= rule.rf;
  const box = rule.box;
  if (box === null) return true;
  const f = p.frac;
  const [x0, y0, z0] = cart(p, f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!);
  const x = x0 + vx,
    y = y0 + vy,
    z = z0 + vz;
  return x > box[0]! && x < box[3]! && y > box[1]! && y < box[4]! && z > box[2]! && z < box[5]!;
}

/**
 * Stable sort of segment [o, o + m) of the scratch candidates by distance, written as the order
 * `ids[0..m)` (scratch positions) with their keys in `keys[0..m)`. Counting sort on m buckets of
 * [0, dmax] (the bucket map d ↦ ⌊d·m/dmax⌋ is monotone, placement keeps input order), then one
 * insertion-sort pass that only reorders within buckets — O(m) for the near-uniform distances of a
 * neighbour shell. Equal distances keep their input (enumeration) order, as Python's `sorted` does.
 */
function sortSegment(o: number, m: number, dmax: number): void {
  if (m > scrCount.length - 1) scrCount = new Int32Array(2 * m + 1);
  const count = scrCount;
  const keys = scrKeys,
    ids = scrIds;
  const B = m;
  const scale = B / (dmax * (1 + 1e-9));
  count.fill(0, 0, B + 1);
  for (let k = 0; k < m; k++) {
    const b = Math.min(B - 1, Math.floor(scrD[o + k]! * scale));
    count[b + 1]!++;
  }
  for (let b = 0; b < B; b++) count[b + 1]! += count[b]!;
  for (let k = 0; k < m; k++) {
    const d = scrD[o + k]!;
    const b = Math.min(B - 1, Math.floor(d * scale));
    const t = count[b]!++;
    keys[t] = d;
    ids[t] = o + k;
  }
  for (let a = 1; a < m; a++) {
    const kx = keys[a]!;
    if (!(keys[a - 1]! > kx)) continue;
    const ix = ids[a]!;
    let b = a - 1;
    while (b >= 0 && keys[b]! > kx) {
      keys[b + 1] = keys[b]!;
      ids[b + 1] = ids[b]!;
      b--;
    }
    keys[b + 1] = kx;
    ids[b + 1] = ix;
  }
}

/**
 * All neighbours of every site within `radius` Å over all periodic images — pymatgen 2022.11's
 * `Structure.get_all_neighbors(radius)` — each site's list stably sorted by distance, as cgcnn's
 * `sorted(nbrs, key=lambda x: x[1])`.
 *
 * Semantics reproduced from pymatgen (find_points_in_spheres + get_all_neighbors, checked against the
 * installed 2022.11 package): neighbour j of site i through image n is at distance
 * d = |(f_j + n − f_i)·L|; it is kept iff d² < fround(fround(r)²) + 1e-8 (the radius is a C float in
 * pymatgen's Cython; for r = 8 this is d² < 64 + 1e-8, i.e. d ≤ 8 with ~6e-10 Å of slack), plus
 * pymatgen's cartesian box pre-filter where it can matter and its `d ≤ r` rule for r < 1 (see
 * `inclusionRule`). The site itself at distance ≤ 1e-8 is excluded (as is a coincident site of the
 * same element at the same position), while periodic images of the site itself are neighbours.
 *
 * Divergences: (1) the order of neighbours at exactly equal distance is our enumeration order (site
 * index, then image n₂, n₁, n₀ ascending), not pymatgen's cell-list order, so within a tie the order
 * differs from pymatgen's — cgcnn's stable sort inherits pymatgen's arbitrary order, so compare ties as
 * multisets; (2) distances agree with pymatgen's to ~1e-14 Å (different summation order), which can
 * only change an inclusion decision for a distance within ~1e-14 of the threshold.
 *
 * @throws RangeError for a non-positive or non-finite radius; Error for a singular lattice,
 *   non-finite coordinates or a cell so small for the radius that the list would be unreasonably big.
 */
export function periodicNeighbors(structure: Structure, radius: number): NeighborList {
  const what = 'Neighbour search';
  checkRadius(radius, what);
  const p = prepare(structure, what);
  checkSize(p, radius, what);
  const rule = inclusionRule(radius, p);
  const n = p.n;
  const offsets = new Int32Array(n + 1);
  // Collect every centre's neighbours into the scratch arrays, then sort each site's segment.
  let total = 0;
  for (let i = 0; i < n; i++) {
    total = collectCentre(p, rule, i, total);
    offsets[i + 1] = total;
  }
  const dmax = Math.sqrt(rule.accept2);
  const index = new Int32Array(total);
  const dist = new Float64Array(total);
  const image = new Int32Array(3 * total);
  for (let i = 0; i < n; i++) {
    const o = offsets[i]!;
    const m = offsets[i + 1]! - o;
    sortSegment(o, m, dmax);
    const keys = scrKeys,
      ids = scrIds;
    for (let k = 0; k < m; k++) {
      const s = ids[k]!;
      const t = o + k;
      index[t] = scrJ[s]!;
      dist[t] = keys[k]!;
      image[3 * t] = scrImg[3 * s]!;
      image[3 * t + 1] = scrImg[3 * s + 1]!;
      image[3 * t + 2] = scrImg[3 * s + 2]!;
    }
  }
  return { nSites: n, radius, offsets, index, dist, image };
}

/**
 * For each site, the first `maxNeighbors` neighbours of the stably sorted list `periodicNeighbors`
 * would give (same rule, same tie order), without sorting the whole list: a bounded insertion buffer.
 * Calls `emit(i, count, within)` after filling `outIdx`/`outDist` (length maxNeighbors) for site i,
 * where `count` ≤ maxNeighbors is how many were written and `within` is how many lie within the radius.
 * Internal to the data layer (graph.ts); not part of the public surface.
 */
export function nearestNeighborsPerSite(
  structure: Structure,
  radius: number,
  maxNeighbors: number,
  emit: (i: number, count: number, within: number, outIdx: Int32Array, outDist: Float64Array) => void,
): void {
  const what = 'Crystal graph';
  checkRadius(radius, what);
  const p = prepare(structure, what);
  checkSize(p, radius, what);
  const rule = inclusionRule(radius, p);
  const M = maxNeighbors;
  const topJ = new Int32Array(M);
  const topD = new Float64Array(M);
  for (let i = 0; i < p.n; i++) {
    const m = collectCentre(p, rule, i, 0);
    let k = 0;
    for (let c = 0; c < m; c++) {
      const d = scrD[c]!;
      if (k === M && !(d < topD[M - 1]!)) continue;
      // Insert after every kept entry with distance ≤ d (stable), dropping the last when full.
      let b = k === M ? M - 1 : k;
      while (b > 0 && topD[b - 1]! > d) {
        topD[b] = topD[b - 1]!;
        topJ[b] = topJ[b - 1]!;
        b--;
      }
      topD[b] = d;
      topJ[b] = scrJ[c]!;
      if (k < M) k++;
    }
    emit(i, k, m, topJ, topD);
  }
}

/**
 * LLL-reduces three lattice rows (δ = 0.75, floating point): size-reduce each vector against the
 * previous ones, swap when the Lovász condition fails. The result spans the same lattice with short,
 * nearly orthogonal vectors, so a sphere enumeration in it visits O(points inside) candidates whatever
 * the input basis. A guard bounds the loop for pathological floating-point input.
 */
function lllReduce(L: Float64Array): Float64Array {
  const b = Float64Array.from(L);
  const star = new Float64Array(9);
  const norm2 = new Float64Array(3);
  const dot = (x: Float64Array, i: number, y: Float64Array, j: number) =>
    x[3 * i]! * y[3 * j]! + x[3 * i + 1]! * y[3 * j + 1]! + x[3 * i + 2]! * y[3 * j + 2]!;
  const gramSchmidt = () => {
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 3; c++) star[3 * i + c] = b[3 * i + c]!;
      for (let j = 0; j < i; j++) {
        const mu = dot(b, i, star, j) / norm2[j]!;
        for (let c = 0; c < 3; c++) star[3 * i + c] = star[3 * i + c]! - mu * star[3 * j + c]!;
      }
      norm2[i] = dot(star, i, star, i);
    }
  };
  gramSchmidt();
  let k = 1;
  for (let guard = 0; k < 3 && guard < 10_000; guard++) {
    for (let j = k - 1; j >= 0; j--) {
      const q = Math.round(dot(b, k, star, j) / norm2[j]!);
      if (q !== 0) for (let c = 0; c < 3; c++) b[3 * k + c] = b[3 * k + c]! - q * b[3 * j + c]!;
    }
    gramSchmidt();
    const mu = dot(b, k, star, k - 1) / norm2[k - 1]!;
    if (norm2[k]! >= (0.75 - mu * mu) * norm2[k - 1]!) {
      k++;
    } else {
      for (let c = 0; c < 3; c++) {
        const t = b[3 * k + c]!;
        b[3 * k + c] = b[3 * (k - 1) + c]!;
        b[3 * (k - 1) + c] = t;
      }
      gramSchmidt();
      k = Math.max(k - 1, 1);
    }
  }
  return b;
}

/**
 * The smallest distance between two sites, periodic images included: min over i ≤ j and images n
 * (n ≠ 0 when i = j) of |(f_j + n − f_i)·L|. A site close to its own image — a cell edge shorter than
 * the threshold — counts, so a 0.4 Å cubic cell of one atom has distance 0.4. This is the check behind
 * the lab's 0.5 Å overlap rejection (pymatgen's `Structure(..., validate_proximity=True)` uses the same
 * 0.5 Å default on its distance matrix; CIF loading in pymatgen merges sites closer than 1e-3 Å
 * instead — the lab rejects such structures rather than guessing).
 *
 * Method: the lattice is first LLL-reduced (same lattice, short near-orthogonal basis; sites are
 * re-expressed in it through cartesian coordinates — only distances are returned, so the basis does not
 * matter), then every pair is enumerated as in `periodicNeighbors` within a radius that starts at the
 * shortest reduced basis vector (an upper bound: a site's own image through it) and shrinks to the best
 * distance found. Each pair costs a handful of distance evaluations, for any input cell however skewed;
 * O(n²) pairs.
 *
 * @returns `{ distance: Infinity, i: -1, j: -1 }` for a structure with no sites.
 * @throws Error for a singular lattice or non-finite coordinates.
 */
export function minPairDistance(structure: Structure): MinPairDistance {
  const p0 = prepare(structure, 'Overlap check');
  const n = p0.n;
  if (n === 0) return { distance: Infinity, i: -1, j: -1 };
  const R = lllReduce(structure.lattice);
  // frac' = cart · R⁻¹ (R⁻¹ = adj(R)/det(R), rows of R = reduced vectors).
  const inv = inverse3(R);
  const fr = new Float64Array(3 * n);
  for (let s = 0; s < n; s++) {
    const [x, y, z] = cart(
      p0,
      structure.frac[3 * s]!,
      structure.frac[3 * s + 1]!,
      structure.frac[3 * s + 2]!,
    );
    for (let c = 0; c < 3; c++) fr[3 * s + c] = x * inv[c]! + y * inv[3 + c]! + z * inv[6 + c]!;
  }
  const p = prepare({ lattice: R, numbers: structure.numbers, frac: fr }, 'Overlap check');
  const f = p.frac;
  const { ax, ay, az, bx, by, bz, cx, cy, cz, g0, g1, g2, m10, m20, m21 } = p;
  let best2 = Math.min(ax * ax + ay * ay + az * az, bx * bx + by * by + bz * bz, cx * cx + cy * cy + cz * cz);
  let bi = 0,
    bj = 0;
  for (let i = 0; i < n; i++) {
    const fi0 = f[3 * i]!,
      fi1 = f[3 * i + 1]!,
      fi2 = f[3 * i + 2]!;
    for (let j = i; j < n; j++) {
      const d0 = f[3 * j]! - fi0,
        d1 = f[3 * j + 1]! - fi1,
        d2 = f[3 * j + 2]! - fi2;
      const ux = d0 * ax + d1 * bx + d2 * cx;
      const uy = d0 * ay + d1 * by + d2 * cy;
      const uz = d0 * az + d1 * bz + d2 * cz;
      const R2 = best2 * (1 + 1e-9);
      const s2 = Math.sqrt(R2 / g2);
      const n2lo = Math.ceil(-s2 - d2 - ENUM_EPS),
        n2hi = Math.floor(s2 - d2 + ENUM_EPS);
      for (let n2 = n2lo; n2 <= n2hi; n2++) {
        const c2 = d2 + n2;
        const rem2 = R2 - c2 * c2 * g2;
        if (rem2 < 0) continue;
        const s1 = Math.sqrt(rem2 / g1);
        const ctr1 = -m21 * c2 - d1;
        const n1lo = Math.ceil(ctr1 - s1 - ENUM_EPS),
          n1hi = Math.floor(ctr1 + s1 + ENUM_EPS);
        for (let n1 = n1lo; n1 <= n1hi; n1++) {
          const c1 = d1 + n1;
          const t = c1 + m21 * c2;
          const rem1 = rem2 - t * t * g1;
          const s0 = rem1 > 0 ? Math.sqrt(rem1 / g0) : 0;
          const ctr0 = -(m10 * c1 + m20 * c2) - d0;
          const n0lo = Math.ceil(ctr0 - s0 - ENUM_EPS),
            n0hi = Math.floor(ctr0 + s0 + ENUM_EPS);
          const wx = ux + n1 * bx + n2 * cx,
            wy = uy + n1 * by + n2 * cy,
            wz = uz + n1 * bz + n2 * cz;
          for (let n0 = n0lo; n0 <= n0hi; n0++) {
            if (i === j && n0 === 0 && n1 === 0 && n2 === 0) continue;
            const vx = wx + n0 * ax,
              vy = wy + n0 * ay,
              vz = wz + n0 * az;
            const q = vx * vx + vy * vy + vz * vz;
            if (q < best2) {
              best2 = q;
              bi = i;
              bj = j;
            }
          }
        }
      }
    }
  }
  return { distance: Math.sqrt(best2), i: bi, j: bj };
}
