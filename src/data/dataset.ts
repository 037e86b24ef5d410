/**
 * From parsed entries to what the trainer consumes: CGCNN graphs, a seeded train/val/test split, the
 * atom-feature table, a reproducible fingerprint and a summary for people.
 *
 * Divergences from cgcnn (data.py / main.py), deliberate:
 * - Split: cgcnn shuffles with `random.seed(123)` and takes `int(ratio·n)` rows per part, leaving the
 *   rounding remainder unused. We shuffle with the lab's seeded RNG (src/core/rng.ts) and give the
 *   remainder to train, so every usable row is in exactly one part; val and test get at least one row
 *   each when the dataset has ≥ 3 rows and their ratio is > 0.
 * - Target statistics (for normalisation) come from the training split only (no leakage), where cgcnn
 *   samples 500 rows of the whole dataset.
 */
import { createRng, permutation } from '../core/rng.ts';
import { atomFeatureTable } from './atomEncoding.ts';
import { elementSymbol } from './elements.ts';
import { buildGraph, CGCNN_GRAPH_DEFAULTS, type CrystalGraph, type GraphOptions } from './graph.ts';
import type { AtomInit, DatasetFormat, ParsedDataset, Rejection } from './types.ts';

export interface SplitOptions {
  seed: number | string;
  /** Fractions of the usable rows; train gets the rest. */
  valRatio: number;
  testRatio: number;
}

export const DEFAULT_SPLIT: SplitOptions = { seed: 123, valRatio: 0.1, testRatio: 0.1 };

export interface Split {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/**
 * A seeded random split of 0…n−1: a permutation, then test = the last ⌊testRatio·n⌋, val = the
 * ⌊valRatio·n⌋ before them, train = the rest (cgcnn's slicing, remainder to train). Each part's
 * indices are returned in permutation order.
 */
export function splitIndices(n: number, opts: SplitOptions): Split {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`split: n must be a non-negative integer, got ${n}`);
  for (const [name, r] of [
    ['valRatio', opts.valRatio],
    ['testRatio', opts.testRatio],
  ] as const) {
    if (!(r >= 0 && r < 1)) throw new RangeError(`split: ${name} must be in [0, 1), got ${r}`);
  }
  if (opts.valRatio + opts.testRatio >= 1) {
    throw new RangeError(
      `split: valRatio + testRatio = ${opts.valRatio + opts.testRatio} leaves nothing to train on`,
    );
  }
  const atLeastOne = (r: number) => (r > 0 && n >= 3 ? Math.max(1, Math.floor(r * n)) : Math.floor(r * n));
  const nTest = atLeastOne(opts.testRatio);
  const nVal = atLeastOne(opts.valRatio);
  const [perm] = permutation(createRng(opts.seed), n);
  const order = Int32Array.from(perm);
  const nTrain = n - nVal - nTest;
  return {
    train: order.slice(0, nTrain),
    val: order.slice(nTrain, nTrain + nVal),
    test: order.slice(nTrain + nVal),
  };
}

/** Mean and unbiased standard deviation (torch.std) of the finite values; std 0 or undefined → 1. */
export function targetStats(values: ArrayLike<number>): { mean: number; std: number; n: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      n++;
      sum += v;
    }
  }
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { mean, std: std > 0 && Number.isFinite(std) ? std : 1, n };
}

export interface Histogram {
  /** Bin edges, length bins+1. */
  edges: Float64Array;
  counts: Int32Array;
}

/** Equal-width histogram of the finite values over [min, max] (a single bin when all are equal). */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return { edges: new Float64Array([0, 1]), counts: new Int32Array(1) };
  const nb = lo === hi ? 1 : Math.max(1, Math.floor(bins));
  const width = lo === hi ? 1 : (hi - lo) / nb;
  const edges = new Float64Array(nb + 1);
  for (let b = 0; b <= nb; b++) edges[b] = lo + b * width;
  edges[nb] = lo === hi ? lo + 1 : hi;
  const counts = new Int32Array(nb);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(nb - 1, Math.floor((v - lo) / width));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { edges, counts };
}

export interface DatasetSummary {
  count: number;
  rejectedCount: number;
  rejectedByReason: Record<string, number>;
  /** Elements present, by symbol, with the number of structures containing each; sorted by Z. */
  elements: { symbol: string; z: number; structures: number }[];
  atoms: { min: number; median: number; max: number; total: number };
  target: { name: string; min: number; max: number; mean: number; std: number; histogram: Histogram };
  /** Sites that had fewer than maxNeighbors neighbours within the radius (cgcnn pads them). */
  paddedAtoms: number;
}

export interface FeaturizedDataset {
  name: string;
  format: DatasetFormat;
  target: string;
  targetChoices: string[];
  ids: string[];
  targets: Float64Array;
  /** Atomic numbers per crystal (site order = graph atom order). */
  numbers: Uint8Array[];
  graphs: CrystalGraph[];
  graphOptions: GraphOptions;
  atomFeatures: AtomInit;
  split: Split;
  splitOptions: SplitOptions;
  /** Mean and unbiased std of the training split's targets (cgcnn's Normalizer, without leakage). */
  normalizer: { mean: number; std: number };
  /** SHA-256 (hex) of the usable entries: ids, targets, lattices, species, coordinates, in order. */
  fingerprint: string;
  summary: DatasetSummary;
  rejected: Rejection[];
  warnings: string[];
  timings: { featurizeMs: number };
}

export interface FeaturizeOptions {
  graph?: Partial<GraphOptions>;
  split?: Partial<SplitOptions>;
  /** Called every few structures; done counts featurized structures. */
  onProgress?: (done: number, total: number) => void;
  /** Histogram bins for the summary. */
  bins?: number;
}

/**
 * Featurizes a parsed dataset as cgcnn does (radius graph + atom features), rejects structures whose
 * elements have no atom features (a dataset's atom_init.json may lack some), splits and summarises.
 */
export async function featurizeDataset(
  parsed: ParsedDataset,
  opts: FeaturizeOptions = {},
): Promise<FeaturizedDataset> {
  const t0 = performance.now();
  const graphOptions: GraphOptions = { ...CGCNN_GRAPH_DEFAULTS, ...opts.graph };
  const splitOptions: SplitOptions = { ...DEFAULT_SPLIT, ...opts.split };
  const atomFeatures = parsed.atomInit ?? atomFeatureTable();
  const rejected = [...parsed.rejected];
  const ids: string[] = [];
  const targets: number[] = [];
  const numbers: Uint8Array[] = [];
  const graphs: CrystalGraph[] = [];
  const total = parsed.entries.length;
  const every = Math.max(1, Math.floor(total / 100));

  for (let k = 0; k < total; k++) {
    const e = parsed.entries[k]!;
    const missing = missingFeatures(e.structure.numbers, atomFeatures);
    if (missing.length > 0) {
      rejected.push({
        source: e.source,
        id: e.id,
        reason: 'unknown-element',
        message: `${e.id}: ${atomFeatures.source} has no feature vector for ${missing.join(', ')}. Add them to the file, or remove it to use the lab's built-in encoding.`,
      });
    } else {
      ids.push(e.id);
      targets.push(e.target);
      numbers.push(e.structure.numbers);
      graphs.push(buildGraph(e.structure, graphOptions));
    }
    if (opts.onProgress !== undefined && (k % every === 0 || k === total - 1)) opts.onProgress(k + 1, total);
  }

  const targetArr = Float64Array.from(targets);
  const split = splitIndices(ids.length, splitOptions);
  const { mean, std } = targetStats(Array.from(split.train, (i) => targetArr[i] ?? NaN));
  const fingerprint = await fingerprintEntries(parsed, ids);
  return {
    name: parsed.name,
    format: parsed.format,
    target: parsed.target,
    targetChoices: parsed.targetChoices,
    ids,
    targets: targetArr,
    numbers,
    graphs,
    graphOptions,
    atomFeatures,
    split,
    splitOptions,
    normalizer: { mean, std },
    fingerprint,
    summary: summarize(parsed.target, targetArr, numbers, graphs, rejected, opts.bins ?? 40),
    rejected,
    warnings: parsed.warnings,
    timings: { featurizeMs: performance.now() - t0 },
  };
}

function missingFeatures(numbers: Uint8Array, table: AtomInit): string[] {
  const out = new Set<string>();
  for (const z of numbers) {
    const v = z <= table.maxZ ? table.table[z * table.dim] : undefined;
    if (v === undefined || Number.isNaN(v)) out.add(elementSymbol(z) ?? `Z=${z}`);
  }
  return [...out];
}

function summarize(
  targetName: string,
  targets: Float64Array,
  numbers: Uint8Array[],
  graphs: CrystalGraph[],
  rejected: Rejection[],
  bins: number,
): DatasetSummary {
  const perZ = new Map<number, number>();
  const sizes = numbers.map((n) => n.length).sort((a, b) => a - b);
  for (const ns of numbers) for (const z of new Set(ns)) perZ.set(z, (perZ.get(z) ?? 0) + 1);
  const rejectedByReason: Record<string, number> = {};
  for (const r of rejected) rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;
  let min = Infinity;
  let max = -Infinity;
  for (const t of targets) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  let mean = 0;
  for (const t of targets) mean += t;
  mean = targets.length > 0 ? mean / targets.length : NaN;
  let ss = 0;
  for (const t of targets) ss += (t - mean) * (t - mean);
  return {
    count: targets.length,
    rejectedCount: rejected.length,
    rejectedByReason,
    elements: [...perZ.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([z, structures]) => ({ z, symbol: elementSymbol(z) ?? `Z${z}`, structures })),
    atoms: {
      min: sizes[0] ?? 0,
      median: sizes.length > 0 ? (sizes[Math.floor((sizes.length - 1) / 2)] ?? 0) : 0,
      max: sizes[sizes.length - 1] ?? 0,
      total: sizes.reduce((a, b) => a + b, 0),
    },
    target: {
      name: targetName,
      min,
      max,
      mean,
      std: targets.length > 1 ? Math.sqrt(ss / (targets.length - 1)) : 0,
      histogram: histogram(targets, bins),
    },
    paddedAtoms: graphs.reduce((a, g) => a + g.paddedAtoms, 0),
  };
}

/**
 * SHA-256 over the usable entries in order: target name, then per entry its id (UTF-8), target,
 * lattice and coordinates (float64, little-endian) and atomic numbers. Same data ⇒ same fingerprint,
 * whatever file format it came in; any changed number or order ⇒ a different one.
 */
export async function fingerprintEntries(parsed: ParsedDataset, keptIds: readonly string[]): Promise<string> {
  const keep = new Set(keptIds);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode(`target:${parsed.target}\n`)];
  for (const e of parsed.entries) {
    if (!keep.has(e.id)) continue;
    parts.push(enc.encode(`${e.id}\n`));
    const nums = new Float64Array(1 + 9 + e.structure.frac.length);
    nums[0] = e.target;
    nums.set(e.structure.lattice, 1);
    nums.set(e.structure.frac, 10);
    parts.push(new Uint8Array(nums.buffer));
    parts.push(e.structure.numbers);
  }
  let len = 0;
  for (const p of parts) len += p.length;
  const all = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  const digest = await crypto.subtle.digest('SHA-256', all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
