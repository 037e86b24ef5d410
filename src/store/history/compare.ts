/**
 * What the run list and the comparison show of stored runs: one summary per run (the numbers of a tuning
 * report), sorting and filtering, deltas against a baseline, and the config diff (only what differs).
 * Pure functions of {@link RunMeta}s.
 */
import { referenceLr, type TrainConfig } from '../../core/recipe.ts';
import type { EpochRecord } from '../../worker/protocol.ts';
import type { RunMeta } from './types.ts';

export interface SplitSummary {
  mae: number;
  rmse: number;
  pearson: number;
  spearman: number;
  r2: number;
}

export interface RunSummary {
  /**
   * The epoch whose metrics are reported: the best by validation MAE (as cgcnn reports its best model and
   * the Train view its final metrics; the top-k checkpoints keep those weights), else the last.
   */
  reportedEpoch: number | null;
  val: SplitSummary | null;
  test: SplitSummary | null;
  /** Epoch (1-based) with the lowest validation MAE; null before the first epoch. */
  bestEpoch: number | null;
  bestValMae: number | null;
  epochs: number;
  steps: number;
  timeMs: number;
  /** The schedule's peak lr (OneCycle max_lr) or base lr. */
  maxLr: number;
}

const splitOf = (r: EpochRecord['val']): SplitSummary => ({
  mae: r.mae,
  rmse: r.rmse,
  pearson: r.pearson,
  spearman: r.spearman,
  r2: r.r2,
});

/** The run's report numbers (see {@link RunSummary}). */
export function runSummary(run: RunMeta): RunSummary {
  const last = run.epochs[run.epochs.length - 1];
  const best = last !== undefined && last.bestEpoch > 0 ? last.bestEpoch : null;
  const reported = best !== null ? (run.epochs.find((e) => e.epoch === best) ?? last) : last;
  return {
    reportedEpoch: reported?.epoch ?? null,
    val: reported ? splitOf(reported.val) : null,
    test: reported ? splitOf(reported.test) : null,
    bestEpoch: best,
    bestValMae: last && best !== null ? last.bestValMae : null,
    epochs: last?.epoch ?? 0,
    steps: run.result?.globalStep ?? run.stepsFrom + run.stepsStored,
    timeMs: run.activeMs,
    maxLr: referenceLr(run.config.schedule),
  };
}

/** The columns a person can sort the run list by. */
export type RunSortKey =
  'createdAt' | 'name' | 'status' | 'maxLr' | 'epochs' | 'valMae' | 'testMae' | 'timeMs';

function sortValue(run: RunMeta, s: RunSummary, key: RunSortKey): number | string {
  switch (key) {
    case 'createdAt':
      return run.createdAt;
    case 'name':
      return run.name.toLocaleLowerCase();
    case 'status':
      return run.status;
    case 'maxLr':
      return s.maxLr;
    case 'epochs':
      return s.epochs;
    case 'valMae':
      return s.val?.mae ?? Number.NaN;
    case 'testMae':
      return s.test?.mae ?? Number.NaN;
    case 'timeMs':
      return s.timeMs;
  }
}

/**
 * Runs sorted by `key` (ties by creation time, newest first). Missing or NaN numbers go last in either
 * direction, so "best val MAE first" never starts with runs that have none.
 */
export function sortRuns(runs: readonly RunMeta[], key: RunSortKey, dir: 'asc' | 'desc'): RunMeta[] {
  const sign = dir === 'asc' ? 1 : -1;
  const keyed = runs.map((r) => ({ r, v: sortValue(r, runSummary(r), key) }));
  keyed.sort((a, b) => {
    const an = typeof a.v === 'number' && Number.isNaN(a.v);
    const bn = typeof b.v === 'number' && Number.isNaN(b.v);
    if (an !== bn) return an ? 1 : -1;
    if (!an && a.v !== b.v) return (a.v < b.v ? -1 : 1) * sign;
    return b.r.createdAt - a.r.createdAt;
  });
  return keyed.map((k) => k.r);
}

/**
 * Runs matching a filter: every whitespace-separated word must match. `tag:x` matches a tag containing x,
 * `status:x` the status; any other word matches the name, a tag, the dataset, the optimizer, the
 * schedule kind or the status (case-insensitive substring).
 */
export function filterRuns(runs: readonly RunMeta[], query: string): RunMeta[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...runs];
  return runs.filter((r) => {
    const tags = r.tags.map((t) => t.toLocaleLowerCase());
    const hay = [
      r.name,
      r.dataset.name,
      r.config.optimizer.kind,
      r.config.schedule.kind,
      r.status,
      r.backend ?? '',
      ...r.tags,
    ].map((x) => x.toLocaleLowerCase());
    return words.every((w) => {
      if (w.startsWith('tag:')) return tags.some((t) => t.includes(w.slice(4)));
      if (w.startsWith('status:')) return r.status.includes(w.slice(7));
      return hay.some((h) => h.includes(w));
    });
  });
}

/** The metrics of the comparison table, and whether lower is better. */
export const COMPARE_METRICS = [
  { key: 'mae', lowerIsBetter: true },
  { key: 'rmse', lowerIsBetter: true },
  { key: 'pearson', lowerIsBetter: false },
  { key: 'spearman', lowerIsBetter: false },
] as const;

/**
 * `value − baseline` and whether it is an improvement (`better`: true/false; null when equal or not
 * comparable).
 */
export function delta(
  value: number | null | undefined,
  baseline: number | null | undefined,
  lowerIsBetter: boolean,
): { diff: number; better: boolean | null } | null {
  if (value === null || value === undefined || baseline === null || baseline === undefined) return null;
  if (!Number.isFinite(value) || !Number.isFinite(baseline)) return null;
  const diff = value - baseline;
  return { diff, better: diff === 0 ? null : lowerIsBetter ? diff < 0 : diff > 0 };
}

/** A config flattened to dotted paths ("optimizer.kind" → "Adam"; arrays as JSON, null as "off"). */
export function flattenConfig(config: TrainConfig): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string) => {
    if (v === null || v === undefined) {
      out.set(path, 'off');
      return;
    }
    if (typeof v !== 'object') {
      out.set(path, typeof v === 'string' ? v : JSON.stringify(v));
      return;
    }
    if (Array.isArray(v)) {
      out.set(path, JSON.stringify(v));
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(config, '');
  return out;
}

/**
 * The settings that differ between the configs: one row per dotted path, with each config's value
 * ('—' where a config does not have the setting, e.g. SGD's momentum in an Adam run). Paths in the
 * configs' own order.
 */
export function configDiff(configs: readonly TrainConfig[]): { path: string; values: string[] }[] {
  const flat = configs.map(flattenConfig);
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flat) {
    for (const p of f.keys()) {
      if (!seen.has(p)) {
        seen.add(p);
        paths.push(p);
      }
    }
  }
  const rows: { path: string; values: string[] }[] = [];
  for (const p of paths) {
    const values = flat.map((f) => f.get(p) ?? '—');
    if (values.some((v) => v !== values[0])) rows.push({ path: p, values });
  }
  return rows;
}
