/**
 * The recipe's outlier filter on the loaded dataset's training targets, computed once per (dataset,
 * filter config) and shared: the Recipe panel needs the kept-row count for its schedule preview, the
 * Dataset panel the band and the removed rows. null when there are no targets or the config is invalid.
 */
import { filterOutliers, type OutlierConfig, type OutlierResult } from '../core/outliers.ts';
import type { DatasetInfo } from '../worker/protocol.ts';

const cache = new WeakMap<DatasetInfo, Map<string, OutlierResult | null>>();

export function trainingOutliers(info: DatasetInfo, config: OutlierConfig): OutlierResult | null {
  let byConfig = cache.get(info);
  if (byConfig === undefined) {
    byConfig = new Map();
    cache.set(info, byConfig);
  }
  const key = JSON.stringify(config);
  if (!byConfig.has(key)) {
    let result: OutlierResult | null = null;
    if (info.trainRows.targets.length > 0) {
      try {
        result = filterOutliers(config, info.trainRows.targets);
      } catch {
        result = null; // an invalid k: the recipe panel says why
      }
    }
    byConfig.set(key, result);
  }
  return byConfig.get(key) ?? null;
}
