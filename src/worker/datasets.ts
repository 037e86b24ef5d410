/**
 * The worker's dataset job: reads dropped files (as Blobs, here in the worker), loads or generates,
 * featurizes, and keeps the result for training. A failed load leaves the previous dataset in place.
 */
import { DEFAULT_LIMITS } from '../data/load.ts';
import { formatBytes } from '../data/validate.ts';
import type { FeaturizedDataset } from '../data/dataset.ts';
import { datasetInfo, prepareDataset, type DatasetRequest } from '../data/pipeline.ts';
import type { DatasetOptions, DatasetSource, FromWorker } from './protocol.ts';

let current: FeaturizedDataset | null = null;

/** The dataset the trainer will use (null until one loads). */
export function currentDataset(): FeaturizedDataset | null {
  return current;
}

async function toRequest(source: DatasetSource): Promise<DatasetRequest | { error: string }> {
  if (source.kind === 'builtin') return source;
  // Checked before reading: the loader checks the same limit, but only after every byte is in memory.
  const total = source.files.reduce((a, f) => a + f.file.size, 0);
  if (total > DEFAULT_LIMITS.maxTotalBytes) {
    return {
      error: `The dropped files total ${formatBytes(total)}, over the lab's limit of ${formatBytes(DEFAULT_LIMITS.maxTotalBytes)}. Drop a smaller selection.`,
    };
  }
  const files = await Promise.all(
    source.files.map(async (f) => ({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()) })),
  );
  return { kind: 'files', files, ...(source.target !== undefined ? { target: source.target } : {}) };
}

export async function loadDatasetJob(
  runId: string,
  source: DatasetSource,
  options: DatasetOptions,
  post: (msg: FromWorker) => void,
): Promise<void> {
  const request = await toRequest(source);
  if ('error' in request) {
    post({ type: 'dataset-error', runId, message: request.error });
    return;
  }
  let last = 0;
  const result = await prepareDataset(request, {
    ...(options.graph ? { graph: options.graph } : {}),
    ...(options.split ? { split: options.split } : {}),
    onProgress: (progress) => {
      // At most ~20 progress messages a second: the page only draws a bar.
      const now = performance.now();
      if (now - last < 50 && progress.done !== progress.total) return;
      last = now;
      post({ type: 'dataset-progress', runId, progress });
    },
  });
  if (!result.ok) {
    post({
      type: 'dataset-error',
      runId,
      message: result.error.message,
      ...(result.error.file !== undefined ? { file: result.error.file } : {}),
    });
    return;
  }
  current = result.dataset;
  post({
    type: 'dataset-ready',
    runId,
    info: datasetInfo(result.dataset, result.parseMs, result.description),
  });
}
