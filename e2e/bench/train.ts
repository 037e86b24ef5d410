/**
 * Bench page for `npm run bench -- train` (served by the dev server, never part of the app build): the
 * CGCNN training step on this browser's backend, measured like ../shared/bench/torch_cgcnn_bench.py —
 * batches built beforehand, each step = forward, Huber(0.2), backward, clip_grad_norm_(0.5), SGD momentum
 * 0.9, and the loss read back (torch's `loss.item()`), averaged over the timed steps after warm-up.
 */
import '@tensorflow/tfjs-backend-webgpu';
import { makeOptimizerConfig } from '../../src/core/optimizers.ts';
import { prepareDataset } from '../../src/data/pipeline.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { DeviceOptimizer } from '../../src/engine/optim.ts';
import { gaussianFor, trainStep } from '../../src/engine/trainer.ts';
import { collate, disposeBatchTensors, toTensors } from '../../src/model/batch.ts';
import { CGCNN_DEFAULT_CONFIG, CgcnnModel } from '../../src/model/cgcnn.ts';
import { registerBundledWasmBinaries } from '../../src/worker/wasmPaths.ts';

registerBundledWasmBinaries();

interface BenchOptions {
  backend: 'wasm' | 'webgpu';
  batch: number;
  fea: number;
  conv: number;
  warmup: number;
  steps: number;
}

declare global {
  interface Window {
    benchTrain: (csv: string, o: BenchOptions) => Promise<unknown>;
  }
}

window.benchTrain = async (csv: string, o: BenchOptions) => {
  const report = await initBackend(o.backend);
  if (report.name !== o.backend) throw new Error(`wanted ${o.backend}, got ${report.name}`);
  const bytes = new Uint8Array(await (await fetch(csv)).arrayBuffer());
  const prepared = await prepareDataset({
    kind: 'files',
    files: [{ path: csv.split('/').pop() ?? 'data.csv', bytes }],
  });
  if (!prepared.ok) throw new Error(prepared.error.message);
  const ds = prepared.dataset;
  const model = new CgcnnModel({ ...CGCNN_DEFAULT_CONFIG, atomFeaLen: o.fea, nConv: o.conv }, 0);
  const opt = new DeviceOptimizer(makeOptimizerConfig('SGD', { lr: 0.01, momentum: 0.9 }), model.params);
  const nb = Math.min(8, Math.floor(ds.ids.length / o.batch));
  const batches = Array.from({ length: nb }, (_, b) =>
    toTensors(
      collate(
        ds,
        Array.from({ length: o.batch }, (_, i) => b * o.batch + i),
      ),
      ds.atomFeatures,
      gaussianFor(ds),
      ds.normalizer,
    ),
  );
  const one = async (k: number) => {
    const rec = trainStep(model, opt, batches[k % nb]!, { kind: 'huber', delta: 0.2 }, 0.5, 0.01, 0.9);
    await rec.data();
    rec.dispose();
  };
  for (let k = 0; k < o.warmup; k++) await one(k);
  const t0 = performance.now();
  for (let k = 0; k < o.steps; k++) await one(k);
  const ms = (performance.now() - t0) / o.steps;
  batches.forEach(disposeBatchTensors);
  opt.dispose();
  model.dispose();
  return {
    backend: report.name,
    wasm: report.wasm,
    adapter: report.adapter,
    crystals: ds.ids.length,
    atomsPerCrystal: ds.summary.atoms.total / ds.ids.length,
    msPerStep: ms,
    crystalsPerS: (o.batch / ms) * 1000,
  };
};
(document.getElementById('status') as HTMLElement).textContent = 'ready';
