/**
 * CGCNN in TF.js against the PyTorch oracle (`cgcnn_parity.json`: F=8, 2 convs, every tensor in full;
 * `cgcnn_parity_full.json`: F=64, 3 convs), on the 'cpu' and 'wasm' backends.
 *
 * Tolerances (the oracle README's float32 table; torch float32 itself stays ≤ 3e-6):
 * - outputs, eval outputs, losses: |Δ| ≤ 1e-4·max(|a|, |b|) element-wise;
 * - intermediates and running statistics: |Δ| ≤ 1e-4·max|ref| of the tensor (per-tensor relative: the
 *   tensors have entries near zero whose element-wise relative error is meaningless in float32);
 * - gradients of the Huber(0.2) loss: |Δ| ≤ 1e-4·(max |grad| over all parameters), `fc_full.bias`
 *   included (its gradient is mathematically zero, so only this absolute bound applies).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { lossValueAndGrad } from '../core/losses.ts';
import { createRng, nextInt, nextUniform, type RngState } from '../core/rng.ts';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { collate, disposeBatchTensors, toTensors, type BatchTensors } from './batch.ts';
import { CGCNN_DEFAULT_CONFIG, CgcnnModel } from './cgcnn.ts';
import type { GatherImpl } from './gather.ts';
import type { CrystalGraph } from '../data/graph.ts';
import type { AtomInit } from '../data/types.ts';
import { configOf, fixtureBatch, type ParityCase } from './testing/parityFixture.ts';

const BACKENDS = ['cpu', 'wasm'] as const;
const REL = 1e-4;
const HUBER_DELTA = 0.2;

const parityCase = (file: string) => readOracle<{ cases: ParityCase[] }>(file).cases[0]!;

/**
 * torch's HuberLoss(delta), mean reduction: |e| < δ ? ½e² : δ(|e| − ½δ), written as
 * ½c² + δ(|e| − |c|) with c = clip(e, −δ, δ) (same value and slope; `tf.less` has no gradient).
 */
function huber(pred: tf.Tensor, target: tf.Tensor, delta: number): tf.Scalar {
  const e = tf.sub(pred, target);
  const c = tf.clipByValue(e, -delta, delta);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(c)), tf.mul(delta, tf.sub(tf.abs(e), tf.abs(c)))));
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** |a − e| ≤ rel·max|e| + abs element-wise (per-tensor relative). */
function expectCloseToMax(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  label: string,
) {
  expectAllClose(actual, expected, { rel: 0, abs: rel * maxAbs(expected), label });
}

interface RunResult {
  out: Float32Array;
  trace: Record<string, Float32Array>;
  grads: Record<string, Float32Array>;
  huberTf: number;
}

/** One train-mode forward + Huber backward; running stats updated like torch's train forward. */
function trainForward(model: CgcnnModel, bt: BatchTensors): RunResult {
  const trace: Record<string, Float32Array> = {};
  const res = tf.tidy(() => {
    let stats: tf.Tensor[] = [];
    let out: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const r = model.forward(bt, true, (name, x) => (trace[name] = x.dataSync() as Float32Array));
      stats = r.bnStats.flatMap((s) => [tf.keep(s.mean), tf.keep(s.varUnbiased)]);
      out = tf.keep(r.out);
      return huber(r.out, bt.targets, HUBER_DELTA);
    }, model.params);
    model.updateRunningStats(
      Array.from({ length: stats.length / 2 }, (_, i) => ({
        mean: stats[2 * i] as tf.Tensor1D,
        varUnbiased: stats[2 * i + 1] as tf.Tensor1D,
      })),
    );
    const named: Record<string, Float32Array> = {};
    model.params.forEach((p, i) => (named[model.paramNames[i]!] = grads[p.name]!.dataSync() as Float32Array));
    const result = { out: out!.dataSync() as Float32Array, huberTf: value.dataSync()[0]!, grads: named };
    tf.dispose([...stats, out!]);
    return result;
  });
  return { ...res, trace };
}

function evalForward(model: CgcnnModel, bt: BatchTensors): Float32Array {
  return tf.tidy(() => model.forward(bt, false).out.dataSync() as Float32Array);
}

function parityChecks(
  file: string,
  backend: string,
  opts: { internals: boolean; impl: GatherImpl | 'auto' },
) {
  const tag = `${backend}/${opts.impl}`;
  let c: ParityCase;
  let model: CgcnnModel;
  let bt: BatchTensors;
  let run: RunResult;
  let evalOut: Float32Array;
  let buffersAfter: Record<string, { data: Float32Array }>;

  beforeAll(async () => {
    c = parityCase(file);
    const nbrFea = c.batch.nbr_fea ?? parityCase('cgcnn_parity.json').batch.nbr_fea!;
    model = new CgcnnModel(configOf(c), 1);
    model.gatherImpl = opts.impl;
    model.loadTorchState(c.init.params, c.init.buffers);
    bt = fixtureBatch(c, nbrFea);
    // eval first: it must use the initial running stats (0/1)
    evalOut = evalForward(model, bt);
    run = trainForward(model, bt);
    buffersAfter = (await model.exportTorchState()).buffers;
    return () => {
      disposeBatchTensors(bt);
      model.dispose();
    };
  });

  it(`${tag}: parameter order is torch's named_parameters()`, () => {
    expect(model.paramNames).toEqual(c.init.param_order);
  });

  it(`${tag}: train-mode outputs rel ${REL}`, () => {
    expectAllClose(run.out, c.forward_train.outputs.data, { rel: REL, label: 'outputs' });
  });

  it(`${tag}: eval-mode outputs with the initial buffers rel ${REL}`, () => {
    expectAllClose(evalOut, c.eval_outputs_init.data, { rel: REL, label: 'eval_outputs_init' });
  });

  it(`${tag}: intermediates |Δ| ≤ ${REL}·max|ref|`, () => {
    const names = Object.keys(c.forward_train.intermediates);
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const got = run.trace[name];
      expect(got, name).toBeDefined();
      expectCloseToMax(got!, c.forward_train.intermediates[name]!.data, REL, name);
    }
  });

  if (opts.internals) {
    it(`${tag}: conv0 internals (fc_full_out, bn1_out, nbr_sumed, bn2_out) |Δ| ≤ ${REL}·max|ref|`, () => {
      const internals = c.forward_train.conv0_internals!;
      for (const name of ['fc_full_out', 'bn1_out', 'nbr_sumed', 'bn2_out']) {
        expectCloseToMax(run.trace[`conv0.${name}`]!, internals[name]!.data, REL, name);
      }
    });
  }

  it(`${tag}: MSE and Huber(0.2) losses rel ${REL}`, () => {
    const targets = c.batch.targets.data;
    const mse = lossValueAndGrad({ kind: 'mse' }, run.out, targets).value;
    const hub = lossValueAndGrad({ kind: 'huber', delta: HUBER_DELTA }, run.out, targets).value;
    expect(closeRel(mse, c.forward_train.mse_loss, REL), `mse ${mse}`).toBe(true);
    expect(closeRel(hub, c.forward_train['huber_loss_delta_0.2'], REL), `huber ${hub}`).toBe(true);
    expect(
      closeRel(run.huberTf, c.forward_train['huber_loss_delta_0.2'], REL),
      `huber tf ${run.huberTf}`,
    ).toBe(true);
  });

  it(`${tag}: every Huber gradient |Δ| ≤ ${REL}·max|grad|`, () => {
    const ref = c.forward_train.grads_huber;
    const gmax = Math.max(...Object.values(ref).map((g) => maxAbs(g.data)));
    expect(gmax).toBeGreaterThan(0);
    for (const name of model.paramNames) {
      expectAllClose(run.grads[name]!, ref[name]!.data, { rel: 0, abs: REL * gmax, label: `grad ${name}` });
    }
  });

  it(`${tag}: running stats after one train forward |Δ| ≤ ${REL}·max|ref|`, () => {
    for (const name of model.bufferNames) {
      expectCloseToMax(
        buffersAfter[name]!.data,
        c.forward_train.buffers_after_forward[name]!.data,
        REL,
        name,
      );
    }
  });
}

describe.each(BACKENDS)('CgcnnModel on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  describeOracle('cgcnn_parity.json', `parity F=8, 2 convs (${backend})`, () => {
    parityChecks('cgcnn_parity.json', backend, { internals: true, impl: 'auto' });
    // the GPU backends' kernel choice (GatherV2 both ways), checked here on cpu/wasm
    parityChecks('cgcnn_parity.json', backend, { internals: true, impl: 'gather' });

    it(`${backend}: load → export round trip equals the fixture exactly (float32)`, async () => {
      const c = parityCase('cgcnn_parity.json');
      const m = new CgcnnModel(configOf(c), 'x');
      m.loadTorchState(c.init.params, c.init.buffers);
      const { params, buffers } = await m.exportTorchState();
      for (const [name, t] of Object.entries(c.init.params)) {
        expect(params[name]!.shape, name).toEqual(t.shape);
        expect(Array.from(params[name]!.data), name).toEqual(Array.from(Float32Array.from(t.data)));
      }
      for (const name of m.bufferNames) {
        expect(Array.from(buffers[name]!.data), name).toEqual(
          Array.from(Float32Array.from(c.init.buffers[name]!.data)),
        );
      }
      // readWeights / writeWeights round trip into a fresh model
      const w = await m.readWeights();
      const m2 = new CgcnnModel(configOf(c), 'y');
      m2.writeWeights(w);
      const w2 = await m2.readWeights();
      expect(w2.map((a) => Array.from(a))).toEqual(w.map((a) => Array.from(a)));
      m.dispose();
      m2.dispose();
    });

    it(`${backend}: loadTorchState names what does not fit`, () => {
      const c = parityCase('cgcnn_parity.json');
      const m = new CgcnnModel({ ...configOf(c), atomFeaLen: 9 }, 0);
      expect(() => m.loadTorchState(c.init.params)).toThrow(
        /embedding\.weight has shape \[8, 92\].*\[9, 92\]/,
      );
      const { 'fc_out.bias': _drop, ...missing } = c.init.params;
      const m8 = new CgcnnModel(configOf(c), 0);
      expect(() => m8.loadTorchState(missing)).toThrow(/fc_out\.bias is missing/);
      m.dispose();
      m8.dispose();
    });

    it(`${backend}: toTensors' Gaussian features match the fixture's nbr_fea (abs 5e-6)`, () => {
      // float32 distances expanded in float32; the fixture expands float64 distances (README: ≤ ~2e-6).
      const c = parityCase('cgcnn_parity.json');
      const { N, M } = c.batch;
      const graphs: CrystalGraph[] = [];
      const numbers: Uint8Array[] = [];
      for (const atoms of c.batch.crystal_atom_idx) {
        const off = atoms[0]!;
        const n = atoms.length;
        graphs.push({
          nAtoms: n,
          maxNeighbors: M,
          radius: 8,
          nbrIdx: Int32Array.from(c.batch.nbr_fea_idx.data.slice(off * M, (off + n) * M), (g) => g - off),
          nbrDist: Float32Array.from(c.batch.nbr_dist.data.slice(off * M, (off + n) * M)),
          paddedAtoms: 0,
        });
        numbers.push(new Uint8Array(n).fill(1));
      }
      const table: AtomInit = {
        dim: 92,
        maxZ: 1,
        table: Float32Array.from({ length: 184 }, (_, i) => (i >= 92 ? 0.5 : Number.NaN)),
        source: 'test',
      };
      const b = collate({ graphs, numbers, targets: [1, 2, 3] }, [0, 1, 2]);
      expect(Array.from(b.nbrIdx)).toEqual(c.batch.nbr_fea_idx.data);
      const t = toTensors(b, table, { dmin: 0, dmax: 8, step: 0.2 }, { mean: 0, std: 1 });
      expect(t.bondFea.shape).toEqual([N * M, 41]);
      expectAllClose(t.bondFea.dataSync(), c.batch.nbr_fea!.data, { rel: 0, abs: 5e-6, label: 'nbr_fea' });
      disposeBatchTensors(t);
    });
  });

  describeOracle('cgcnn_parity_full.json', `parity F=64, 3 convs (${backend})`, () => {
    parityChecks('cgcnn_parity_full.json', backend, { internals: false, impl: 'auto' });
  });

  describe(`random init (${backend})`, () => {
    it(`${backend}: output shape [B, 1], deterministic init for a seed, different seeds differ`, async () => {
      const cfg = { ...CGCNN_DEFAULT_CONFIG, nH: 2 };
      const a = new CgcnnModel(cfg, 42);
      const b = new CgcnnModel(cfg, 42);
      const d = new CgcnnModel(cfg, 43);
      expect(a.paramNames.slice(-4)).toEqual(['fcs.0.weight', 'fcs.0.bias', 'fc_out.weight', 'fc_out.bias']);
      const [wa, wb, wd] = await Promise.all([a.readWeights(), b.readWeights(), d.readWeights()]);
      expect(wa.map((x) => Array.from(x))).toEqual(wb.map((x) => Array.from(x)));
      expect(Array.from(wa[0]!)).not.toEqual(Array.from(wd[0]!));
      // torch default init bounds: |w| ≤ 1/√fan_in, and the draws fill most of that range
      const emb = wa[0]!;
      const bound = 1 / Math.sqrt(92);
      expect(maxAbs(emb)).toBeLessThanOrEqual(bound);
      expect(maxAbs(emb)).toBeGreaterThan(0.95 * bound);
      const bt = syntheticBatch(4, 3, 92, createRng(5));
      const out = tf.tidy(() => model2(a, bt));
      expect(out.shape).toEqual([4, 1]);
      expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose(out);
      disposeBatchTensors(bt);
      [a, b, d].forEach((m) => m.dispose());
    });

    it(`${backend}: no tensor leak over 50 forward/backward passes in tf.tidy`, () => {
      const cfg = { ...CGCNN_DEFAULT_CONFIG, atomFeaLen: 16, hFeaLen: 32 };
      const model = new CgcnnModel(cfg, 1);
      const bt = syntheticBatch(6, 4, 92, createRng(9));
      const step = () =>
        tf.tidy(() => {
          let stats: tf.Tensor[] = [];
          const { grads } = tf.variableGrads(() => {
            const r = model.forward(bt, true);
            stats = r.bnStats.flatMap((s) => [tf.keep(s.mean), tf.keep(s.varUnbiased)]);
            return huber(r.out, bt.targets, HUBER_DELTA);
          }, model.params);
          model.updateRunningStats(
            Array.from({ length: stats.length / 2 }, (_, i) => ({
              mean: stats[2 * i] as tf.Tensor1D,
              varUnbiased: stats[2 * i + 1] as tf.Tensor1D,
            })),
          );
          tf.dispose(stats);
          tf.dispose(grads);
        });
      for (let i = 0; i < 5; i++) step();
      const after5 = tf.memory().numTensors;
      for (let i = 5; i < 50; i++) step();
      expect(tf.memory().numTensors).toBe(after5);
      disposeBatchTensors(bt);
      model.dispose();
    });
  });
});

function model2(m: CgcnnModel, bt: BatchTensors): tf.Tensor2D {
  return m.forward(bt, true).out;
}

/**
 * A synthetic batch: B crystals × A atoms, M = 12 random neighbours within each crystal at random
 * distances in [1.5, 8) Å, random 0/1 atom features (Z = 1…A), random targets.
 */
function syntheticBatch(B: number, A: number, D: number, rng: RngState): BatchTensors {
  let s = rng;
  const draw = (n: number) => {
    const [v, next] = nextInt(s, n);
    s = next;
    return v;
  };
  const uni = () => {
    const [v, next] = nextUniform(s);
    s = next;
    return v;
  };
  const M = 12;
  const graphs: CrystalGraph[] = [];
  const numbers: Uint8Array[] = [];
  const targets: number[] = [];
  for (let b = 0; b < B; b++) {
    graphs.push({
      nAtoms: A,
      maxNeighbors: M,
      radius: 8,
      nbrIdx: Int32Array.from({ length: A * M }, () => draw(A)),
      nbrDist: Float32Array.from({ length: A * M }, () => 1.5 + 6.5 * uni()),
      paddedAtoms: 0,
    });
    numbers.push(Uint8Array.from({ length: A }, (_, i) => 1 + i));
    targets.push(uni() * 3);
  }
  const table: AtomInit = {
    dim: D,
    maxZ: A,
    table: Float32Array.from({ length: (A + 1) * D }, () => (uni() < 0.2 ? 1 : 0)),
    source: 'synthetic',
  };
  const batch = collate(
    { graphs, numbers, targets },
    Array.from({ length: B }, (_, i) => i),
  );
  return toTensors(batch, table, { dmin: 0, dmax: 8, step: 0.2 }, { mean: 1.5, std: 1 });
}

describe('training step timing on wasm (printed, not asserted)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('B=64 × A=5, F=64, 3 convs: forward + backward ms/step', async () => {
    const model = new CgcnnModel(CGCNN_DEFAULT_CONFIG, 3);
    const bt = syntheticBatch(64, 5, 92, createRng(11));
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const r = model.forward(bt, true);
          return huber(r.out, bt.targets, HUBER_DELTA);
        }, model.params);
        // a readback ends the step, as the trainer's NaN guard would
        value.dataSync();
        tf.dispose(grads);
      });
    for (let i = 0; i < 3; i++) step();
    const n = 10;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) step();
    const ms = (performance.now() - t0) / n;
    const prof = await tf.profile(() => step());
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(k.kernelTimeMs) || 0;
      e.calls++;
      byKernel.set(k.name, e);
    }
    const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
    console.log(
      `[timing] wasm (Node, no threads) B64×A5 F64 nConv3 K=${bt.maxInDegree}: ${ms.toFixed(1)} ms/step; ` +
        `${prof.kernels.length} kernels; top: ${top.map(([k, e]) => `${k} ${e.ms.toFixed(1)}ms/${e.calls}`).join(', ')}`,
    );
    expect(ms).toBeGreaterThan(0);
    disposeBatchTensors(bt);
    model.dispose();
  });
});
