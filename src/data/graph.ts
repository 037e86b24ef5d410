/**
 * The CGCNN crystal graph (txie-93/cgcnn `cgcnn/data.py`, `CIFData.__getitem__`) and its Gaussian
 * distance expansion (`GaussianDistance`).
 */
import { nearestNeighborsPerSite } from './neighbors.ts';
import type { Structure } from './types.ts';

/** How the graph is built: neighbours within `radius` Å, at most `maxNeighbors` per atom. */
export interface GraphOptions {
  radius: number;
  maxNeighbors: number;
}

/** cgcnn's `CIFData` defaults: radius 8 Å, max_num_nbr 12. */
export const CGCNN_GRAPH_DEFAULTS: Readonly<GraphOptions> = Object.freeze({ radius: 8, maxNeighbors: 12 });

/** One crystal's neighbour graph: for each atom, its `maxNeighbors` nearest neighbours (padded). */
export interface CrystalGraph {
  nAtoms: number;
  maxNeighbors: number;
  radius: number;
  /** nAtoms × maxNeighbors, row-major: neighbour *site* indices 0…nAtoms−1 (not images). */
  nbrIdx: Int32Array;
  /** nAtoms × maxNeighbors, row-major: neighbour distances (Å); padding is radius + 1. */
  nbrDist: Float32Array;
  /** Atoms with fewer than maxNeighbors neighbours within the radius (their rows are padded). */
  paddedAtoms: number;
}

/**
 * cgcnn's crystal graph for one structure. For each site i, exactly as `CIFData.__getitem__`:
 *
 *   all_nbrs = crystal.get_all_neighbors(radius, include_index=True)
 *   all_nbrs = [sorted(nbrs, key=lambda x: x[1]) for nbrs in all_nbrs]
 *   nbr_fea_idx = [x[2] for x in nbr[:M]] + [0] * (M − len(nbr))        (when len(nbr) < M)
 *   nbr_fea     = [x[1] for x in nbr[:M]] + [radius + 1.] * (M − len(nbr))
 *
 * i.e. the neighbours within `radius` (pymatgen's rule, see `periodicNeighbors`), stably sorted by
 * distance, the first M kept; rows with fewer than M neighbours are padded with index 0 and distance
 * radius + 1 (cgcnn warns "not find enough neighbors"; we count them in `paddedAtoms`). Indices are
 * site indices: several entries of a row may be the same site through different images, or the atom
 * itself through its own images.
 *
 * The selection uses the same rule and tie order as `periodicNeighbors(...)` followed by taking each
 * site's first M, but keeps only a bounded buffer instead of sorting every list. Distances are computed
 * in float64 and stored as float32 (cgcnn builds float64 arrays and `torch.Tensor` makes them
 * float32). Tie order within exactly equal distances differs from pymatgen's (see periodicNeighbors);
 * when the M-neighbour cut splits a shell of equal distances, which members are kept can differ.
 *
 * @throws RangeError for invalid options; Error (with a message for people) for a singular lattice or
 *   an unreasonably small cell for the radius.
 */
export function buildGraph(structure: Structure, opts: GraphOptions = CGCNN_GRAPH_DEFAULTS): CrystalGraph {
  const { radius, maxNeighbors: M } = opts;
  if (!(Number.isInteger(M) && M >= 1)) {
    throw new RangeError(`Crystal graph: maxNeighbors must be a whole number ≥ 1, got ${M}.`);
  }
  const nAtoms = structure.numbers.length;
  const nbrIdx = new Int32Array(nAtoms * M);
  const nbrDist = new Float32Array(nAtoms * M);
  const pad = radius + 1;
  let paddedAtoms = 0;
  nearestNeighborsPerSite(structure, radius, M, (i, count, _within, idx, dist) => {
    const row = i * M;
    for (let k = 0; k < count; k++) {
      nbrIdx[row + k] = idx[k]!;
      nbrDist[row + k] = dist[k]!;
    }
    if (count < M) {
      paddedAtoms++;
      for (let k = count; k < M; k++) {
        nbrIdx[row + k] = 0;
        nbrDist[row + k] = pad;
      }
    }
  });
  return { nAtoms, maxNeighbors: M, radius, nbrIdx, nbrDist, paddedAtoms };
}

/** Gaussian basis: centres from dmin to dmax in steps of `step`, width `var` (default: step). */
export interface GaussianOptions {
  dmin: number;
  dmax: number;
  step: number;
  var?: number;
}

/** cgcnn's `GaussianDistance(dmin=0, dmax=radius=8, step=0.2)` (var = step): 41 centres 0…8. */
export const CGCNN_GAUSSIAN_DEFAULTS: Readonly<GaussianOptions> = Object.freeze({
  dmin: 0,
  dmax: 8,
  step: 0.2,
});

/**
 * The Gaussian centres μ_k of cgcnn's `GaussianDistance`: `np.arange(dmin, dmax + step, step)`,
 * reproduced with numpy's own rules — length ⌈(stop − start)/step⌉ with stop = dmax + step evaluated in
 * float64 (8 + 0.2 = 8.2 → 41 centres for the defaults), value k = start + k·Δ where Δ = (start + step)
 * − start (numpy's `fill` derives the increment from the first two elements; Δ = step when start = 0).
 * So the defaults give 0, 0.2, 0.4, 0.6000000000000001, …, 8.
 *
 * @throws RangeError unless dmin < dmax and 0 < step < dmax − dmin (cgcnn asserts the same).
 */
export function gaussianCentres(opts: GaussianOptions = CGCNN_GAUSSIAN_DEFAULTS): Float64Array {
  const { dmin, dmax, step } = opts;
  if (!(Number.isFinite(dmin) && Number.isFinite(dmax) && Number.isFinite(step))) {
    throw new RangeError('Gaussian expansion: dmin, dmax and step must be finite numbers.');
  }
  if (!(dmin < dmax && step > 0 && dmax - dmin > step)) {
    throw new RangeError(
      `Gaussian expansion: need dmin < dmax and 0 < step < dmax − dmin (cgcnn asserts this), got dmin ${dmin}, dmax ${dmax}, step ${step}.`,
    );
  }
  const stop = dmax + step;
  const len = Math.ceil((stop - dmin) / step);
  const out = new Float64Array(len);
  if (len === 0) return out;
  out[0] = dmin;
  if (len === 1) return out;
  const second = dmin + step;
  out[1] = second;
  const delta = second - dmin;
  for (let k = 2; k < len; k++) out[k] = dmin + k * delta;
  return out;
}

/**
 * cgcnn's `GaussianDistance.expand`: for each distance d and centre μ_k,
 * exp(−(d − μ_k)² / var²) with var = opts.var ?? step (the denominator is var², not 2σ²). Output is
 * row-major [dist.length × nCentres], computed in float64 and rounded to float32 (cgcnn expands float64
 * distances with numpy and `torch.Tensor` casts to float32).
 *
 * Pass float64 distances for bit-level cgcnn parity: expanding float32-rounded distances (e.g. a
 * `CrystalGraph.nbrDist`) moves a feature by up to max|∂f/∂d|·|Δd| = √2·e^(−1/2)/var · 4.8e-7 ≈ 2e-6
 * near d ≈ 8 Å (float32 half-ulp 4.8e-7 Å there) — harmless for training, above the oracle's 1e-6.
 */
export function gaussianExpand(
  dist: ArrayLike<number>,
  opts: GaussianOptions = CGCNN_GAUSSIAN_DEFAULTS,
): Float32Array {
  const centres = gaussianCentres(opts);
  const v = opts.var ?? opts.step;
  if (!(Number.isFinite(v) && v > 0)) {
    throw new RangeError(`Gaussian expansion: var must be a positive number, got ${v}.`);
  }
  const v2 = v * v;
  const K = centres.length;
  const out = new Float32Array(dist.length * K);
  for (let i = 0; i < dist.length; i++) {
    const d = dist[i]!;
    const row = i * K;
    for (let k = 0; k < K; k++) {
      const x = d - centres[k]!;
      out[row + k] = Math.exp(-(x * x) / v2);
    }
  }
  return out;
}
