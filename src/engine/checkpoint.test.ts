import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { featurizeDataset, type FeaturizedDataset } from '../data/dataset.ts';
import { generateTeachingSet } from '../data/synthetic.ts';
import {
  deserializeCheckpoint,
  parseWithTypedArrays,
  serializeCheckpoint,
  stringifyWithTypedArrays,
  type Checkpoint,
} from './checkpoint.ts';
import { withDefaults, type TrainConfig } from '../core/recipe.ts';
import { Trainer, type StepRecords, type TrainerHooks } from './trainer.ts';

/** `n` teaching-set crystals with at most `maxAtoms` atoms each (small graphs keep cpu steps fast). */
async function smallDataset(n: number, maxAtoms: number): Promise<FeaturizedDataset> {
  const ts = generateTeachingSet({ size: n * 6 });
  const entries = ts.entries.filter((e) => e.structure.numbers.length <= maxAtoms).slice(0, n);
  if (entries.length < n) throw new Error('not enough small crystals');
  return featurizeDataset({ ...ts, entries });
}

type Series = Record<Exclude<keyof StepRecords, 'firstStep' | 'epoch'>, Float32Array>;
const KEYS = ['lr', 'momentum', 'loss', 'gradNormPre', 'gradNormPost', 'clipped', 'ok'] as const;

/** Collects emitted step records into per-step arrays indexed by global step. */
function recorder(): { hooks: TrainerHooks; series: (n: number) => Series; chunks: StepRecords[] } {
  const chunks: StepRecords[] = [];
  return {
    chunks,
    hooks: { onSteps: (r) => chunks.push(r) },
    series: (n) => {
      const out = Object.fromEntries(
        [...KEYS, 'stepMs'].map((k) => [k, new Float32Array(n).fill(NaN)]),
      ) as Series;
      const seen = new Uint8Array(n);
      for (const c of chunks) {
        for (let i = 0; i < c.loss.length; i++) {
          const s = c.firstStep + i;
          expect(seen[s], `step ${s} emitted twice`).toBe(0);
          seen[s] = 1;
          for (const k of [...KEYS, 'stepMs'] as const) out[k][s] = c[k][i]!;
        }
      }
      expect(
        Array.from(seen).every((x) => x === 1),
        'every step emitted once',
      ).toBe(true);
      return out;
    },
  };
}

function expectSameSteps(a: Series, b: Series): void {
  for (const k of KEYS) expect(b[k], k).toEqual(a[k]);
}

describe('checkpoint encoding', () => {
  // base64 and the typed JSON codec itself: src/core/typedJson.test.ts.
  it('a checkpoint’s text round-trips its typed arrays bit for bit', () => {
    const w = new Float32Array([1.5, -0, NaN, 1e-45]);
    new Uint32Array(w.buffer)[2] = 0x7fc01234; // a NaN with a payload
    const back = parseWithTypedArrays(stringifyWithTypedArrays({ weights: [w] })) as {
      weights: Float32Array[];
    };
    expect(new Uint32Array(back.weights[0]!.buffer)).toEqual(new Uint32Array(w.buffer));
  });

  it('refuses text that is not a checkpoint, saying why', () => {
    expect(() => deserializeCheckpoint('{')).toThrow(/not a lab checkpoint/);
    expect(() => deserializeCheckpoint('{"format":"x"}')).toThrow(/format is "x"/);
  });
});

describe('checkpoint and resume (cpu, exact)', () => {
  let ds: FeaturizedDataset;
  let config: TrainConfig;
  let total: number;
  let spe: number;
  let runA: { series: Series; weights: Float32Array[]; history: unknown[]; topK: number[][] };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = await smallDataset(60, 8);
  }, 60_000);

  beforeAll(async () => {
    // The lab recipe (OneCycle with momentum, clipping, Huber, 4σ, rollback) on a tiny model, plus a
    // plateau scheduler and restore-best so that their state must travel in the checkpoint too.
    config = withDefaults({
      epochs: 3,
      batchSize: 8,
      model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
      plateau: { patience: 0, factor: 0.5 },
      earlyStopping: { patience: null, restoreBest: true },
      logEvery: 4,
      topK: 2,
    });
    const rec = recorder();
    const a = new Trainer(ds, config, rec.hooks);
    spe = a.stepsPerEpoch;
    total = a.totalSteps;
    const res = await a.run();
    expect(res.end).toBe('completed');
    runA = {
      series: rec.series(total),
      weights: await a.model.readWeights(),
      history: a.history.map(({ epochMs: _ms, ...r }) => r),
      topK: a.topCheckpoints.map((t) => [t.epoch, t.valMae]),
    };
    a.dispose();
  }, 60_000);

  async function resumeAfter(nSteps: number): Promise<{
    ck: Checkpoint;
    series: Series;
    weights: Float32Array[];
    history: unknown[];
    topK: number[][];
  }> {
    const rec = recorder();
    const b1 = new Trainer(ds, config, rec.hooks);
    b1.pause();
    const p1 = b1.run();
    for (let i = 0; i < nSteps; i++) await b1.stepOnce();
    const ck = await b1.checkpoint();
    b1.stop();
    expect((await p1).end).toBe('stopped');
    b1.dispose();
    const text = serializeCheckpoint(ck);
    const b2 = Trainer.fromCheckpoint(ds, deserializeCheckpoint(text), rec.hooks);
    expect(b2.globalStep).toBe(nSteps);
    const res = await b2.run();
    expect(res.end).toBe('completed');
    const out = {
      ck,
      series: rec.series(total),
      weights: await b2.model.readWeights(),
      history: b2.history.map(({ epochMs: _ms, ...r }) => r),
      topK: b2.topCheckpoints.map((t) => [t.epoch, t.valMae]),
    };
    b2.dispose();
    return out;
  }

  it('1 epoch + 3 steps, JSON round trip, new trainer: same per-step series and bit-identical weights', async () => {
    expect(spe).toBeGreaterThan(3);
    const b = await resumeAfter(spe + 3);
    expect(b.ck.epoch).toBe(1);
    expect(b.ck.stepInEpoch).toBe(3);
    expect(b.ck.history.epochs).toHaveLength(1);
    expectSameSteps(runA.series, b.series);
    expect(b.weights).toEqual(runA.weights);
    expect(b.history).toEqual(runA.history);
    // The top-k ranking goes on from the checkpoint's: the same epochs are kept as without the break.
    expect(b.topK).toEqual(runA.topK);
    // The run really used the plateau (lr factor < 1 after some epoch) and clipping.
    expect(runA.series.clipped.some((c) => c === 1)).toBe(true);
    expect((runA.history as { plateauFactor: number }[]).some((e) => e.plateauFactor < 1)).toBe(true);
  }, 60_000);

  it('resumes at an epoch boundary (steps done, epoch not yet closed) exactly too', async () => {
    const b = await resumeAfter(spe);
    expect(b.ck.stepInEpoch === spe || b.ck.stepInEpoch === 0).toBe(true);
    expectSameSteps(runA.series, b.series);
    expect(b.weights).toEqual(runA.weights);
    expect(b.history).toEqual(runA.history);
  }, 60_000);

  it('pause and resume mid-epoch give the same curve as the uninterrupted run', async () => {
    const rec = recorder();
    let paused = false;
    const box: { t?: Trainer } = {};
    const hooks: TrainerHooks = {
      onSteps: (r) => {
        rec.hooks.onSteps?.(r);
        if (!paused && r.firstStep + r.loss.length >= spe + 2) {
          paused = true;
          box.t!.pause();
          setTimeout(() => box.t!.resume(), 30);
        }
      },
    };
    const c = new Trainer(ds, config, hooks);
    box.t = c;
    const res = await c.run();
    expect(paused).toBe(true);
    expect(res.end).toBe('completed');
    expectSameSteps(runA.series, rec.series(total));
    expect(await c.model.readWeights()).toEqual(runA.weights);
    c.dispose();
  }, 60_000);

  it('refuses a checkpoint made on another dataset, with a clear message', async () => {
    const t = new Trainer(ds, config);
    const ck = await t.checkpoint();
    t.dispose();
    const other = { ...ck, dataset: { ...ck.dataset, fingerprint: 'f'.repeat(64) } };
    expect(() => Trainer.fromCheckpoint(ds, other)).toThrow(
      /made on another dataset .* Load the dataset it was trained on/,
    );
    const t2 = Trainer.fromCheckpoint(ds, ck);
    expect(await t2.model.readWeights()).toEqual(ck.weights.data);
    t2.dispose();
  });
});
