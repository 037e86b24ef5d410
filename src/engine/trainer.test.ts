import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { lossOfResidual } from '../core/losses.ts';
import { makeOptimizerConfig } from '../core/optimizers.ts';
import { plannedSchedule, withDefaults as scheduleWithDefaults } from '../core/schedules.ts';
import { featurizeDataset, targetStats, type FeaturizedDataset } from '../data/dataset.ts';
import { generateTeachingSet } from '../data/synthetic.ts';
import { CgcnnModel } from '../model/cgcnn.ts';
import { withDefaults, type TrainConfigInput } from '../core/recipe.ts';
import type { Checkpoint } from './checkpoint.ts';
import { DeviceOptimizer } from './optim.ts';
import { Trainer, trainStep, type EpochRecord, type StepRecords, type TrainerHooks } from './trainer.ts';
import { configOf, fixtureBatch, type ParityCase } from './testing/parity.ts';
import { smallDataset, TINY } from './testing/fixtures.ts';

type Series = Record<Exclude<keyof StepRecords, 'firstStep' | 'epoch'>, number[]>;
const KEYS = ['lr', 'momentum', 'loss', 'gradNormPre', 'gradNormPost', 'clipped', 'ok', 'stepMs'] as const;

function recorder(): { hooks: TrainerHooks; chunks: StepRecords[]; series: () => Series } {
  const chunks: StepRecords[] = [];
  return {
    chunks,
    hooks: { onSteps: (r) => chunks.push(r) },
    series: () => {
      const out = Object.fromEntries(KEYS.map((k) => [k, [] as number[]])) as Series;
      let next = 0;
      for (const c of chunks) {
        expect(c.firstStep).toBe(next);
        next += c.loss.length;
        for (const k of KEYS) out[k].push(...c[k]);
      }
      return out;
    },
  };
}

async function allFinite(t: Trainer): Promise<boolean> {
  return (await t.model.readWeights()).every((w) => w.every((x) => Number.isFinite(x)));
}

function withTarget(ds: FeaturizedDataset, row: number, value: number): FeaturizedDataset {
  const targets = Float64Array.from(ds.targets);
  targets[row] = value;
  return { ...ds, targets };
}

describe('Trainer on cpu', () => {
  let ds: FeaturizedDataset;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = await smallDataset(60, 8);
  }, 60_000);

  it('is deterministic: same seed ⇒ identical step series and weights; another seed differs', async () => {
    const runs = [];
    for (const seed of [7, 7, 8]) {
      const rec = recorder();
      const t = new Trainer(ds, withDefaults({ ...TINY, seed }), rec.hooks);
      await t.run();
      runs.push({ s: rec.series(), w: await t.model.readWeights(), h: t.history });
      t.dispose();
    }
    const [a, b, c] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    for (const k of KEYS.filter((k) => k !== 'stepMs')) expect(b.s[k], k).toEqual(a.s[k]);
    expect(b.w).toEqual(a.w);
    expect(b.h.map((e) => e.val.mae)).toEqual(a.h.map((e) => e.val.mae));
    expect(c.s.loss).not.toEqual(a.s.loss);
  }, 60_000);

  it('emits one record per step with the schedule, clipping and ok flags, and epoch records that agree', async () => {
    const rec = recorder();
    const epochs: { epoch: number; trainLoss: number; globalStep: number; lr: number }[] = [];
    const nTrain = ds.split.train.length;
    const bs = nTrain % 8 !== 0 ? 8 : 10; // so that a partial last batch exists
    const cfg = withDefaults({ ...TINY, batchSize: bs, outliers: null });
    const t = new Trainer(ds, cfg, { ...rec.hooks, onEpoch: (e) => epochs.push(e) });
    expect(t.trainRows).toEqual(ds.split.train);
    expect(t.stepsPerEpoch).toBe(Math.ceil(nTrain / bs));
    expect(nTrain % bs).not.toBe(0); // a partial last batch exists and is used
    await t.run();
    const s = rec.series();
    const T = t.totalSteps;
    expect(s.loss).toHaveLength(T);
    // Readbacks: every logEvery steps and at each epoch end, never spanning two epochs.
    for (const c of rec.chunks) {
      expect(c.loss.length).toBeLessThanOrEqual(4);
      expect(Math.floor(c.firstStep / t.stepsPerEpoch)).toBe(c.epoch);
      expect(Math.floor((c.firstStep + c.loss.length - 1) / t.stepsPerEpoch)).toBe(c.epoch);
    }
    // lr and momentum: OneCycle over epochs × steps per epoch, cycled momentum (as float32).
    const plan = plannedSchedule({ ...cfg.schedule, totalSteps: T } as never, T);
    expect(s.lr).toEqual(Array.from(Float32Array.from(plan.lr)));
    expect(s.momentum).toEqual(Array.from(Float32Array.from(plan.momentum!)));
    expect(s.momentum[0]).toBeCloseTo(0.95, 6);
    // Clipping: post = pre·min(1, 0.5/(pre + 1e-6)); clipped ⇔ coefficient < 1.
    for (let i = 0; i < T; i++) {
      const pre = s.gradNormPre[i]!;
      const post = s.gradNormPost[i]!;
      expect(s.ok[i]).toBe(1);
      expect(s.clipped[i]).toBe(pre > 0.5 + 1e-6 ? 1 : pre < 0.5 - 1e-6 ? 0 : s.clipped[i]);
      if (s.clipped[i] === 1) expect(Math.abs(post - 0.5)).toBeLessThan(1e-5);
      else expect(post).toBe(pre);
    }
    expect(s.clipped.some((c) => c === 1)).toBe(true);
    // Epoch records: train loss = mean of that epoch's step losses, lr = its last step's.
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of epochs) {
      const from = (e.epoch - 1) * t.stepsPerEpoch;
      const losses = s.loss.slice(from, e.globalStep);
      expect(e.globalStep).toBe(e.epoch * t.stepsPerEpoch);
      expect(e.trainLoss).toBe(losses.reduce((a, b) => a + b, 0) / losses.length);
      expect(e.lr).toBe(plan.lr[e.globalStep - 1]);
    }
    t.dispose();
  }, 60_000);

  it('removes training outliers (4σ) before normalising, reports them, and never touches val/test', () => {
    const row = ds.split.train[5]!;
    const bad = withTarget(ds, row, 1e3);
    const valRow = ds.split.val[0]!;
    const bad2 = withTarget(bad, valRow, 1e3);
    const t = new Trainer(bad2, withDefaults(TINY));
    const rep = t.outlierReport!;
    expect(rep.removed.map((r) => r.row)).toEqual([row]);
    expect(rep.removed[0]!.id).toBe(ds.ids[row]);
    expect(rep.removed[0]!.value).toBe(1e3);
    expect(rep.removed[0]!.z).toBeGreaterThan(4);
    expect(rep.nKept).toBe(ds.split.train.length - 1);
    expect(Array.from(t.trainRows)).toEqual(Array.from(ds.split.train).filter((r) => r !== row));
    expect(t.normalizer).toEqual(
      (({ mean, std }) => ({ mean, std }))(targetStats(Array.from(t.trainRows, (r) => ds.targets[r]!))),
    );
    t.dispose();
    const off = new Trainer(bad, withDefaults({ ...TINY, outliers: null }));
    expect(off.outlierReport).toBeNull();
    expect(off.trainRows).toEqual(ds.split.train);
    expect(off.normalizer.std).toBeGreaterThan(100);
    off.dispose();
  });

  it('evaluate: de-normalised predictions, metrics and loss consistent with the predictions; batching changes nothing', async () => {
    const a = new Trainer(ds, withDefaults({ ...TINY, evalBatchSize: 3 }));
    const b = new Trainer(ds, withDefaults({ ...TINY, evalBatchSize: 256 }));
    const ra = await a.evaluate('val');
    const rb = await b.evaluate('val');
    expect(ra.n).toBe(ds.split.val.length);
    expect(Array.from(ra.rows)).toEqual(Array.from(ds.split.val));
    for (let i = 0; i < ra.n; i++) {
      expect(Math.abs(ra.predictions[i]! - rb.predictions[i]!)).toBeLessThanOrEqual(
        1e-5 * (1 + Math.abs(rb.predictions[i]!)),
      );
    }
    const mae = ra.predictions.reduce((s, p, i) => s + Math.abs(p - ra.targets[i]!), 0) / ra.n;
    expect(ra.mae).toBeCloseTo(mae, 12);
    const { mean, std } = a.normalizer;
    const loss =
      ra.predictions.reduce(
        (s, p, i) =>
          s + lossOfResidual({ kind: 'huber', delta: 0.2 }, (p - mean) / std - (ra.targets[i]! - mean) / std),
        0,
      ) / ra.n;
    expect(ra.loss).toBeCloseTo(loss, 5);
    const tr = await a.evaluate('train');
    expect(tr.n).toBe(a.trainRows.length);
    a.dispose();
    b.dispose();
  });

  it('stepOnce runs exactly one step while paused; stop ends the run', async () => {
    const rec = recorder();
    const t = new Trainer(ds, withDefaults(TINY), rec.hooks);
    expect(() => t.stepOnce()).toThrow(/paused/);
    t.pause();
    const p = t.run();
    for (let i = 1; i <= 3; i++) {
      await t.stepOnce();
      expect(t.globalStep).toBe(i);
      expect(t.status).toBe('paused');
      expect(rec.series().loss).toHaveLength(i); // the step's record was read back and emitted
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(t.globalStep).toBe(3); // nothing ran while paused
    t.resume();
    await new Promise((r) => setTimeout(r, 50));
    t.stop();
    const res = await p;
    expect(res.end).toBe('stopped');
    expect(t.status).toBe('stopped');
    expect(rec.series().loss).toHaveLength(t.globalStep);
    await expect(t.run()).rejects.toThrow(/ended/);
    t.dispose();
  });

  describe('NaN defence: a forced blow-up never puts NaN into the weights', () => {
    // SGD at a peak lr of 1e3 with MSE and no clipping overflows within a few steps (measured: the
    // lab recipe itself, Huber + clipping at 0.5, survives max lr 1e3 without a single non-finite step).
    const blowUp = (nanPolicy: 'skip' | 'rollback' | 'stop'): TrainConfigInput => ({
      ...TINY,
      nanPolicy,
      loss: { kind: 'mse' },
      clip: { maxNorm: null },
      schedule: { kind: 'onecycle', maxLr: 1e3 },
      optimizer: { kind: 'SGD', momentum: 0.9 },
    });

    it.each(['skip', 'rollback'] as const)(
      'max lr 1e3, policy %s',
      async (policy) => {
        const rec = recorder();
        const events: { step: number; kind: string }[] = [];
        const t = new Trainer(ds, withDefaults(blowUp(policy)), {
          ...rec.hooks,
          onNanEvent: (e) => events.push(e),
        });
        const res = await t.run();
        expect(res.end).toBe('completed');
        expect(await allFinite(t)).toBe(true);
        const health = await t.weightHealth();
        expect(health.nonFinite).toBe(0);
        expect(health.count).toBe((await t.model.readWeights()).reduce((n, w) => n + w.length, 0));
        expect(health.maxAbs).toBeGreaterThan(0);
        const poisoned = await t.model.readWeights();
        poisoned[0]![0] = Number.NaN;
        t.model.writeWeights(poisoned);
        expect((await t.weightHealth()).nonFinite).toBe(1);
        const s = rec.series();
        const badSteps = s.ok.flatMap((ok, i) => (ok === 0 ? [i] : []));
        expect(badSteps.length).toBeGreaterThan(0);
        expect(events.map((e) => e.step)).toEqual(badSteps);
        expect(t.nanEvents).toEqual(events);
        for (const e of t.nanEvents) {
          expect(e.action).toBe(policy);
          expect(e.kind).toBe(Number.isFinite(s.loss[e.step]) ? 'nonfinite-grad' : 'nonfinite-loss');
        }
        // (allFinite covers the BatchNorm running statistics too: readWeights = params + buffers.)
        if (policy === 'rollback') {
          expect(t.lrScale).toBeLessThan(1);
          const halvings = new Set(t.nanEvents.map((e) => e.lrScale)).size;
          expect(t.lrScale).toBe(0.5 ** halvings); // one halving per readback that saw bad steps
          const lastEvent = t.nanEvents[t.nanEvents.length - 1]!;
          expect(lastEvent.lrScale).toBe(t.lrScale);
          expect(lastEvent.restoredToStep).not.toBeNull();
          // After a rollback the lr is the scheduled one times the scale in force.
          const after = lastEvent.step + 5 < t.totalSteps ? lastEvent.step + 5 : null;
          if (after !== null) expect(s.lr[after]).toBe(Math.fround(t.planned.lr[after]! * t.lrScale));
        } else {
          expect(t.lrScale).toBe(1);
        }
        t.dispose();
      },
      60_000,
    );

    it('policy stop ends the run at the readback that saw the bad step', async () => {
      const t = new Trainer(ds, withDefaults(blowUp('stop')));
      const res = await t.run();
      expect(res.end).toBe('nan-stop');
      expect(t.status).toBe('stopped');
      expect(t.nanEvents.length).toBeGreaterThan(0);
      expect(t.nanEvents[0]!.action).toBe('stop');
      expect(t.globalStep).toBeLessThan(t.totalSteps);
      expect(t.globalStep - t.nanEvents[0]!.step).toBeLessThanOrEqual(4); // within one readback
      expect(await allFinite(t)).toBe(true);
      t.dispose();
    }, 60_000);

    it('one training target set to 1e6 with outliers off', async () => {
      const bad = withTarget(ds, ds.split.train[3]!, 1e6);
      const rec = recorder();
      const t = new Trainer(bad, withDefaults({ ...TINY, outliers: null, loss: { kind: 'mse' } }), rec.hooks);
      await t.run();
      expect(await allFinite(t)).toBe(true);
      const s = rec.series();
      expect(t.nanEvents.map((e) => e.step)).toEqual(s.ok.flatMap((ok, i) => (ok === 0 ? [i] : [])));
      t.dispose();
    }, 60_000);
  });

  it('ReduceLROnPlateau scales the scheduled lr by its factor from the next epoch on', async () => {
    const rec = recorder();
    const t = new Trainer(
      ds,
      withDefaults({
        ...TINY,
        epochs: 4,
        schedule: { kind: 'constant', baseLr: 0.01 },
        plateau: { patience: 0, factor: 0.5 },
      }),
      rec.hooks,
    );
    await t.run();
    const s = rec.series();
    let factor = 1;
    for (const e of t.history) {
      const from = (e.epoch - 1) * t.stepsPerEpoch;
      for (let i = from; i < e.globalStep; i++) expect(s.lr[i]).toBe(Math.fround(0.01 * factor));
      expect(e.plateauFactor).toBe(e.improved ? factor : factor * 0.5);
      factor = e.plateauFactor;
    }
    t.dispose();
  }, 60_000);

  it('early stopping on val MAE with restore-best, and top-k checkpoints by val MAE', async () => {
    // A constant, too-high lr makes the validation MAE wander, so some epoch does not improve.
    const t = new Trainer(
      ds,
      withDefaults({
        ...TINY,
        epochs: 12,
        schedule: { kind: 'constant', baseLr: 0.05 },
        earlyStopping: { patience: 2, restoreBest: true },
        topK: 2,
      }),
    );
    const res = await t.run();
    const h = t.history;
    // Expected stop: the first epoch with 2 epochs in a row without improvement.
    let wait = 0;
    let stopAt = h.length;
    for (const e of h) {
      wait = e.improved ? 0 : wait + 1;
      if (wait >= 2) {
        stopAt = e.epoch;
        break;
      }
    }
    expect(stopAt).toBeLessThan(12); // the scenario really happened
    expect(res.end).toBe('early-stopped');
    expect(h).toHaveLength(stopAt);
    const best = Math.min(...h.map((e) => e.val.mae));
    expect(res.bestValMae).toBe(best);
    expect(res.restoredBest).toBe(true);
    expect((await t.evaluate('val')).mae).toBe(best); // the best epoch's weights are back
    const sorted = [...h].sort((a, b) => a.val.mae - b.val.mae).slice(0, 2);
    expect(t.topCheckpoints.map((c) => [c.epoch, c.valMae])).toEqual(sorted.map((e) => [e.epoch, e.val.mae]));
    expect(t.topCheckpoints[0]!.checkpoint?.epoch).toBe(sorted[0]!.epoch);
    t.dispose();
  }, 60_000);

  it('onCheckpoint: after every epoch, the epoch-end checkpoint and the top-k list; the run is unchanged by it', async () => {
    const config = withDefaults({
      ...TINY,
      epochs: 5,
      schedule: { kind: 'constant', baseLr: 0.05 },
      topK: 2,
    });
    const plain = recorder();
    const a = new Trainer(ds, config, plain.hooks);
    await a.run();
    const seen: {
      ck: Checkpoint;
      valMae: number;
      inTopK: boolean;
      topK: { epoch: number; valMae: number }[];
    }[] = [];
    const rec = recorder();
    const b = new Trainer(ds, config, {
      ...rec.hooks,
      onCheckpoint: (ck, info) => seen.push({ ck, ...info }),
    });
    await b.run();
    // Bit-identical run (timings aside): the checkpoints are read between steps and change nothing.
    const { stepMs: _s1, ...withCk } = rec.series();
    const { stepMs: _s2, ...without } = plain.series();
    expect(withCk).toEqual(without);
    const noTime = (h: readonly EpochRecord[]) => h.map(({ epochMs: _e, ...r }) => r);
    expect(noTime(b.history)).toEqual(noTime(a.history));
    expect(await b.model.readWeights()).toEqual(await a.model.readWeights());
    // One per epoch, at the epoch's end (the position a resume continues from).
    expect(seen.map((x) => x.ck.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((x) => x.ck.globalStep)).toEqual(b.history.map((e) => e.globalStep));
    expect(seen.every((x) => x.ck.stepInEpoch === 0)).toBe(true);
    expect(seen.map((x) => x.valMae)).toEqual(b.history.map((e) => e.val.mae));
    // The top-k list after each epoch is the k best so far, and inTopK says whether this epoch is in it.
    for (let i = 0; i < seen.length; i++) {
      const best = b.history
        .slice(0, i + 1)
        .map((e) => ({ epoch: e.epoch, valMae: e.val.mae }))
        .sort((x, y) => x.valMae - y.valMae || x.epoch - y.epoch)
        .slice(0, 2);
      expect(seen[i]!.topK).toEqual(best);
      expect(seen[i]!.inTopK).toBe(best.some((t) => t.epoch === i + 1));
    }
    // A top-k entry keeps the very checkpoint that was reported for its epoch.
    for (const t of b.topCheckpoints) expect(seen[t.epoch - 1]!.ck).toBe(t.checkpoint);
    a.dispose();
    b.dispose();
  }, 60_000);
});

describe('live tensors (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the tensor count after 1000 steps equals the count after 10 (20 crystals, F = 8)', async () => {
    const ds = await smallDataset(20, 4);
    const before = tf.memory().numTensors;
    const counts: [number, number][] = [];
    const t = new Trainer(
      ds,
      withDefaults({
        epochs: 1000,
        batchSize: 2,
        model: { atomFeaLen: 8, nConv: 2, hFeaLen: 8 },
        logEvery: 10,
        topK: 2,
        earlyStopping: { patience: null, restoreBest: true },
      }),
      {
        onSteps: (r) => {
          const end = r.firstStep + r.loss.length;
          counts.push([end, tf.memory().numTensors]);
          if (end >= 1000) t.stop();
        },
      },
    );
    await t.run();
    const at = (step: number) => counts.find(([s]) => s === step)?.[1];
    expect(at(10)).toBeDefined();
    expect(at(1000), JSON.stringify(counts.filter(([, n], i) => i === 0 || n !== counts[i - 1]![1]))).toBe(
      at(10),
    );
    t.dispose();
    // Everything the trainer made is released by dispose() (model variables, optimizer slots). A
    // difference of exactly one tensor per model variable means CgcnnModel's constructor keeps the
    // initial-value tensors alive (tf.variable(tf.tensor(…)) without disposing the tensor).
    expect(tf.memory().numTensors, 'live tensors after dispose()').toBe(before);
  }, 120_000);
});

describe('Trainer on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // LEARNING CHECK (slow-ish: ~6 s on wasm; the same run takes ~60–90 s on the cpu backend, which is why it
  // runs on wasm). 400 crystals of the teaching set (320 train / 40 val / 40 test), the default recipe
  // (optimizer, OneCycle, clipping, Huber, outliers) on a smaller model (F = 32, 2 convs), 12 epochs of
  // batch 32. Bar: final validation MAE < 0.25 × the (population) std of the validation targets — the
  // issue's bar for the full default on 2,000 crystals. Measured: 0.07 × std.
  it('LEARNING CHECK: val MAE < 0.25·std(val targets) on 400 teaching-set crystals', async () => {
    const ds = await featurizeDataset(generateTeachingSet({ size: 400 }));
    const t = new Trainer(
      ds,
      withDefaults({ epochs: 12, batchSize: 32, model: { atomFeaLen: 32, nConv: 2 }, logEvery: 50, topK: 0 }),
    );
    const res = await t.run();
    expect(res.end).toBe('completed');
    const val = await t.evaluate('val');
    const mean = val.targets.reduce((a, b) => a + b, 0) / val.n;
    const std = Math.sqrt(val.targets.reduce((a, b) => a + (b - mean) ** 2, 0) / val.n);
    expect(val.mae).toBe(t.history[t.history.length - 1]!.val.mae);
    expect(val.mae / std).toBeLessThan(0.25);
    expect(val.pearson).toBeGreaterThan(0.9);
    t.dispose();
  }, 60_000);

  it('is deterministic on wasm too', async () => {
    const ds = await smallDataset(40, 8);
    const out = [];
    for (let k = 0; k < 2; k++) {
      const rec = recorder();
      const t = new Trainer(ds, withDefaults({ ...TINY, seed: 5 }), rec.hooks);
      await t.run();
      out.push({ loss: rec.series().loss, w: await t.model.readWeights() });
      t.dispose();
    }
    expect(out[1]!.loss).toEqual(out[0]!.loss);
    expect(out[1]!.w).toEqual(out[0]!.w);
  }, 60_000);
});

// -------------------------------------------------------------------------------------------------------
// One training step against PyTorch (cgcnn_parity.json: F = 8, 2 convs, 3 crystals, 3 steps of
// OneCycleLR(max_lr 0.05, total_steps 3) with cycled momentum/β₁, Huber δ = 0.2, clip_grad_norm_ 0.5).
// Tolerances: the oracle README's float32 table — losses, pre-clip norms, clip coefficients rel 1e-4;
// SGD parameters |Δ| ≤ 1e-4 × each tensor's max, SGD running stats and eval outputs rel 1e-4.
// -------------------------------------------------------------------------------------------------------

describeOracle('cgcnn_parity.json', 'trainStep = one torch training step (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind}: 3 steps of OneCycle + Huber + clipping match torch`, () => {
      const c = readOracle<{ cases: ParityCase[] }>('cgcnn_parity.json').cases[0]!;
      const ref = c.train[kind];
      const model = new CgcnnModel(configOf(c), 1);
      model.loadTorchState(c.init.params, c.init.buffers);
      const optimizer = new DeviceOptimizer(
        kind === 'SGD'
          ? makeOptimizerConfig('SGD', { lr: 0.05, momentum: 0.9 })
          : makeOptimizerConfig('Adam', { lr: 0.05 }),
        model.params,
      );
      const t = fixtureBatch(c);
      const plan = plannedSchedule(scheduleWithDefaults({ kind: 'onecycle', maxLr: 0.05, totalSteps: 3 }), 3);
      ref.steps.forEach((step, k) => {
        expect(closeRel(plan.lr[k]!, step.lr, 1e-12), `lr ${k}`).toBe(true);
        expect(closeRel(plan.momentum![k]!, step.momentum, 1e-12), `momentum ${k}`).toBe(true);
        const rec = trainStep(
          model,
          optimizer,
          t,
          { kind: 'huber', delta: 0.2 },
          0.5,
          plan.lr[k]!,
          plan.momentum![k]!,
        );
        const [loss, pre, post, clipped, ok] = Array.from(rec.dataSync());
        rec.dispose();
        expect(
          closeRel(loss!, step.huber_loss, 1e-4),
          `huber loss step ${k}: ${loss} vs ${step.huber_loss}`,
        ).toBe(true);
        expect(closeRel(pre!, step.preclip_norm, 1e-4), `pre-clip norm step ${k}`).toBe(true);
        expect(closeRel(post! / pre!, step.clip_coef_clamped, 1e-4), `clip coefficient step ${k}`).toBe(true);
        expect(clipped).toBe(step.clip_coef_clamped < 1 ? 1 : 0);
        expect(ok).toBe(1);
        if (kind === 'SGD') {
          model.params.forEach((v, i) => {
            const name = model.paramNames[i]!;
            const want = step.params_after[name]!.data;
            const scale = Math.max(...want.map(Math.abs));
            expectAllClose(v.dataSync(), want, {
              rel: 0,
              abs: 1e-4 * scale,
              label: `${name} after step ${k}`,
            });
          });
          model.buffers.forEach((v, i) => {
            const name = model.bufferNames[i]!;
            expectAllClose(v.dataSync(), step.buffers_after[name]!.data, {
              rel: 1e-4,
              abs: 1e-7,
              label: name,
            });
          });
        }
      });
      if (kind === 'SGD') {
        const out = tf.tidy(() => model.forward(t, false).out);
        expectAllClose(out.dataSync(), ref.eval_outputs_after.data, {
          rel: 1e-4,
          label: 'eval outputs after',
        });
        out.dispose();
      }
      tf.dispose([t.atomFea, t.bondFea, t.nbrIdx, t.revIdx, t.pool, t.targets]);
      optimizer.dispose();
      model.dispose();
    });
  }
});
