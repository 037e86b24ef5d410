/**
 * One entry point from "what the user chose" to a featurized dataset: the built-in teaching set or the
 * files they dropped. Used by the lab worker and by Node tools (bench, CLI). Never throws for bad input:
 * a failure comes back as `{ ok: false, error }` so the caller keeps whatever it had loaded before.
 */
import { elementSymbol } from './elements.ts';
import {
  featurizeDataset,
  type DatasetSummary,
  type FeaturizedDataset,
  type SplitOptions,
} from './dataset.ts';
import type { GraphOptions } from './graph.ts';
import { DEFAULT_LIMITS, loadDataset, type Limits, type VirtualFile } from './load.ts';
import { describeTeachingSet, generateTeachingSet, type TeachingSetOptions } from './synthetic.ts';
import type { DatasetFormat, Rejection } from './types.ts';

/** The teaching set's settings as they travel and are stored (no callbacks). */
export type TeachingSetSettings = Omit<TeachingSetOptions, 'onProgress'>;

export type DatasetRequest =
  | { kind: 'builtin'; settings: Partial<TeachingSetSettings> }
  | { kind: 'files'; files: VirtualFile[]; target?: string };

export type DatasetPhase = 'generating' | 'parsing' | 'featurizing';

export interface DatasetProgress {
  phase: DatasetPhase;
  done: number;
  total: number;
}

export interface PrepareOptions {
  limits?: Partial<Limits>;
  split?: Partial<SplitOptions>;
  graph?: Partial<GraphOptions>;
  onProgress?: (p: DatasetProgress) => void;
}

export type PrepareResult =
  | { ok: true; dataset: FeaturizedDataset; parseMs: number; description: string | null }
  | { ok: false; error: { message: string; file?: string } };

/** Loads (or generates) and featurizes; see the module comment. */
export async function prepareDataset(
  request: DatasetRequest,
  opts: PrepareOptions = {},
): Promise<PrepareResult> {
  const progress = opts.onProgress;
  const t0 = performance.now();
  try {
    let parsed;
    let description: string | null = null;
    if (request.kind === 'builtin') {
      parsed = generateTeachingSet({
        ...request.settings,
        ...(progress
          ? { onProgress: (done: number, total: number) => progress({ phase: 'generating', done, total }) }
          : {}),
      });
      description = describeTeachingSet();
    } else {
      const loaded = loadDataset(request.files, {
        ...(request.target !== undefined ? { target: request.target } : {}),
        limits: { ...DEFAULT_LIMITS, ...opts.limits },
        ...(progress
          ? { onProgress: (done: number, total: number) => progress({ phase: 'parsing', done, total }) }
          : {}),
      });
      if (!loaded.ok) return { ok: false, error: loaded.error };
      parsed = loaded.dataset;
    }
    const parseMs = performance.now() - t0;
    if (parsed.entries.length === 0) {
      const why = parsed.rejected.slice(0, 3).map((r) => r.message);
      return {
        ok: false,
        error: {
          message: `No usable structures in ${parsed.name}: all ${parsed.rejected.length} items were rejected.${why.length > 0 ? ` First reasons: ${why.join(' | ')}` : ''}`,
        },
      };
    }
    const dataset = await featurizeDataset(parsed, {
      ...(opts.graph ? { graph: opts.graph } : {}),
      ...(opts.split ? { split: opts.split } : {}),
      ...(progress
        ? { onProgress: (done: number, total: number) => progress({ phase: 'featurizing', done, total }) }
        : {}),
    });
    return { ok: true, dataset, parseMs, description };
  } catch (err) {
    // Loaders turn bad input into rejections; anything reaching here is a bug, reported, not thrown.
    return {
      ok: false,
      error: { message: `Loading failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` },
    };
  }
}

/** At most this many rejections travel to the page in detail (the count is always complete). */
export const MAX_REJECTIONS_SHOWN = 500;

/** What the page needs to show a dataset (no graphs: those stay in the worker). */
export interface DatasetInfo {
  name: string;
  format: DatasetFormat;
  target: string;
  targetChoices: string[];
  fingerprint: string;
  summary: DatasetSummary;
  rejected: Rejection[];
  warnings: string[];
  /** Rows per part, and the split's seed and ratios (what reproduces it, e.g. in an exported script). */
  split: {
    train: number;
    val: number;
    test: number;
    seed: number | string;
    valRatio: number;
    testRatio: number;
  };
  /** Training-split target mean and std, used to normalise targets. */
  normalizer: { mean: number; std: number };
  timings: { parseMs: number; featurizeMs: number };
  /** For the built-in set: how it is made (it is synthetic). */
  description: string | null;
  /**
   * The training split's rows, for the page's outlier preview (the filter runs on these targets, as in
   * the trainer): id, raw target, reduced-free formula (e.g. "Ca4Ti4O12") and atom count of each.
   */
  trainRows: { ids: string[]; targets: Float64Array; formulas: string[]; atoms: Uint16Array };
}

/** "SrTiO3"-style formula of a structure's atomic numbers, elements in order of first appearance. */
export function formulaOf(numbers: ArrayLike<number>): string {
  const counts = new Map<number, number>();
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i]!;
    counts.set(z, (counts.get(z) ?? 0) + 1);
  }
  return [...counts].map(([z, n]) => `${elementSymbol(z) ?? `Z${z}`}${n === 1 ? '' : n}`).join('');
}

export function datasetInfo(ds: FeaturizedDataset, parseMs: number, description: string | null): DatasetInfo {
  return {
    name: ds.name,
    format: ds.format,
    target: ds.target,
    targetChoices: ds.targetChoices,
    fingerprint: ds.fingerprint,
    summary: ds.summary,
    rejected: ds.rejected.slice(0, MAX_REJECTIONS_SHOWN),
    warnings: ds.warnings,
    split: {
      train: ds.split.train.length,
      val: ds.split.val.length,
      test: ds.split.test.length,
      seed: ds.splitOptions.seed,
      valRatio: ds.splitOptions.valRatio,
      testRatio: ds.splitOptions.testRatio,
    },
    normalizer: ds.normalizer,
    timings: { parseMs, featurizeMs: ds.timings.featurizeMs },
    description,
    trainRows: {
      ids: Array.from(ds.split.train, (r) => ds.ids[r] ?? String(r)),
      targets: Float64Array.from(ds.split.train, (r) => ds.targets[r] ?? Number.NaN),
      formulas: Array.from(ds.split.train, (r) => formulaOf(ds.numbers[r] ?? [])),
      atoms: Uint16Array.from(ds.split.train, (r) => Math.min(65535, ds.numbers[r]?.length ?? 0)),
    },
  };
}
