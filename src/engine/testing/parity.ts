/**
 * The CGCNN parity fixture (`../shared/oracle/cgcnn_parity.json`) run through the engine's production
 * training step (`trainStep`: forward, loss, gradients, clipping, guarded optimizer update, BatchNorm):
 * shared by the Node parity test (cpu, wasm) and the browser parity page (webgpu, e2e/parity). Pure
 * TF.js — no Node APIs — so it runs in both. Test support only; the app does not import it.
 */
import * as tf from '@tensorflow/tfjs';
import { makeOptimizerConfig, type OptimizerConfig } from '../../core/optimizers.ts';
import { disposeBatchTensors } from '../../model/batch.ts';
import { configOf, fixtureBatch, type ParityCase, type TrainRun } from '../../model/testing/parityFixture.ts';
import { CgcnnModel } from '../../model/cgcnn.ts';
import { lossTensor } from '../loss.ts';
import { DeviceOptimizer } from '../optim.ts';
import { trainStep } from '../trainer.ts';

export type { ParityCase, T, TrainRun, TrainStep } from '../../model/testing/parityFixture.ts';
export { configOf, fixtureBatch } from '../../model/testing/parityFixture.ts';

export function optimizerConfigOf(run: TrainRun): OptimizerConfig {
  const k = run.optimizer_kwargs;
  if (run.optimizer === 'SGD') {
    return makeOptimizerConfig('SGD', { lr: k.lr, momentum: k.momentum ?? 0, weightDecay: k.weight_decay });
  }
  return makeOptimizerConfig('Adam', {
    lr: k.lr,
    betas: k.betas ?? [0.9, 0.999],
    eps: k.eps ?? 1e-8,
    weightDecay: k.weight_decay,
  });
}

export interface StepRecord {
  huber: number;
  mse: number;
  preNorm: number;
  coef: number;
  outputs: Float32Array;
  paramsBefore: Float32Array[];
  paramsAfter: Float32Array[];
  buffersAfter: Float32Array[];
}

export async function readVars(vs: tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vs.map(async (v) => ((await v.data()) as Float32Array).slice()));
}

/** What one run of the fixture's 3 training steps produced on the current backend. */
export interface ParityRun {
  records: StepRecord[];
  evalAfter: Float32Array;
  paramNames: string[];
  bufferNames: string[];
}

/** Loads the fixture's initial state and runs its 3 training steps (SGD or Adam) on the current backend. */
export async function runParitySteps(c: ParityCase, which: 'SGD' | 'Adam'): Promise<ParityRun> {
  const run = c.train[which];
  const model = new CgcnnModel(configOf(c), 0);
  model.loadTorchState(c.init.params, c.init.buffers);
  const opt = new DeviceOptimizer(optimizerConfigOf(run), model.params);
  const bt = fixtureBatch(c);
  const records: StepRecord[] = [];
  for (const step of run.steps) {
    const paramsBefore = await readVars(model.params);
    // The fixture records the outputs and MSE of the step's own forward, before the update. A train-mode
    // forward is pure (running statistics change only in updateRunningStats), so take them first, then
    // run the engine's production step.
    const fwd = tf.tidy(() => {
      const out = model.forward(bt, true).out;
      return { out, mse: lossTensor({ kind: 'mse' }, out, bt.targets) };
    });
    const rec = trainStep(
      model,
      opt,
      bt,
      { kind: 'huber', delta: run.loss.delta },
      run.clip.max_norm,
      step.lr,
      step.momentum,
    );
    const [huber = NaN, preNorm = NaN, postNorm = NaN] = await rec.data();
    records.push({
      huber,
      mse: (await fwd.mse.data())[0] as number,
      preNorm,
      // The step records the norm after clipping, preNorm·coef: the coefficient is their ratio.
      coef: preNorm > 0 ? postNorm / preNorm : 1,
      outputs: (await fwd.out.data()) as Float32Array,
      paramsBefore,
      paramsAfter: await readVars(model.params),
      buffersAfter: await readVars(model.buffers),
    });
    tf.dispose([rec, fwd.out, fwd.mse]);
  }
  const ev = tf.tidy(() => model.forward(bt, false).out);
  const evalAfter = (await ev.data()) as Float32Array;
  ev.dispose();
  const result = { records, evalAfter, paramNames: model.paramNames, bufferNames: model.bufferNames };
  opt.dispose();
  model.dispose();
  disposeBatchTensors(bt);
  return result;
}

/** Train-mode forward of the fixture's initial state: outputs, Huber(δ) loss and every parameter gradient. */
export async function runParityForward(
  c: ParityCase,
  delta = 0.2,
): Promise<{ outputs: Float32Array; huber: number; names: string[]; grads: Float32Array[] }> {
  const model = new CgcnnModel(configOf(c), 0);
  model.loadTorchState(c.init.params, c.init.buffers);
  const bt = fixtureBatch(c);
  let out: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const r = model.forward(bt, true);
    out = tf.keep(r.out);
    return lossTensor({ kind: 'huber', delta }, r.out, bt.targets);
  }, model.params);
  const outputs = (await (out as unknown as tf.Tensor).data()) as Float32Array;
  const huber = (await value.data())[0] as number;
  const gradList = await Promise.all(
    model.params.map(async (p) => ((await (grads[p.name] as tf.Tensor).data()) as Float32Array).slice()),
  );
  const names = model.paramNames;
  tf.dispose([out as unknown as tf.Tensor, value, ...Object.values(grads)]);
  model.dispose();
  disposeBatchTensors(bt);
  return { outputs, huber, names, grads: gradList };
}
