import { describe, expect, it } from 'vitest';
import { scheduleAt } from './schedules.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  configFromJson,
  configToJson,
  lrLabel,
  oneCycleSpec,
  referenceLr,
  resolveSchedule,
  stepsPerEpoch,
  validateConfig,
  withDefaults,
  type TrainConfig,
} from './recipe.ts';

describe('DEFAULT_TRAIN_CONFIG (the lab recipe)', () => {
  it('is valid and holds the recipe', () => {
    const c = DEFAULT_TRAIN_CONFIG;
    expect(() => validateConfig(c)).not.toThrow();
    expect(c.seed).toBe(123);
    expect(c.batchSize).toBe(64);
    expect(c.model).toEqual({ atomFeaLen: 64, nConv: 3, hFeaLen: 128, nH: 1 });
    expect(c.schedule.kind).toBe('onecycle');
    if (c.schedule.kind !== 'onecycle') throw new Error('unreachable');
    expect(c.schedule).not.toHaveProperty('totalSteps');
    expect(c.schedule.cycleMomentum).toBe(true);
    expect([c.schedule.baseMomentum, c.schedule.maxMomentum]).toEqual([0.85, 0.95]);
    expect(c.schedule.annealStrategy).toBe('cos');
    expect(c.clip).toEqual({ maxNorm: 0.5 });
    expect(c.loss).toEqual({ kind: 'huber', delta: 0.2 });
    expect(c.outliers).toEqual({ method: 'sigma', k: 4 });
    expect(c.nanPolicy).toBe('rollback');
    expect(c.optimizer.lr).toBe(c.schedule.maxLr);
  });

  it('survives a JSON round trip unchanged', () => {
    const text = configToJson(DEFAULT_TRAIN_CONFIG);
    expect(configFromJson(text)).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(JSON.parse(text)).toEqual(DEFAULT_TRAIN_CONFIG);
  });
});

describe('withDefaults', () => {
  it('returns the defaults for an empty input, as a fresh object', () => {
    const c = withDefaults();
    expect(c).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(c).not.toBe(DEFAULT_TRAIN_CONFIG);
    expect(c.model).not.toBe(DEFAULT_TRAIN_CONFIG.model);
  });

  it('merges nested objects field by field and completes schedules/optimizers with torch defaults', () => {
    const c = withDefaults({
      seed: 'abc',
      model: { atomFeaLen: 16 },
      schedule: { kind: 'onecycle', maxLr: 0.05, pctStart: 0.25 },
      optimizer: { kind: 'SGD', momentum: 0.9 },
      plateau: { patience: 2 },
      earlyStopping: { patience: 5 },
    });
    expect(c.seed).toBe('abc');
    expect(c.model).toEqual({ atomFeaLen: 16, nConv: 3, hFeaLen: 128, nH: 1 });
    expect(c.schedule).toEqual({
      kind: 'onecycle',
      maxLr: 0.05,
      pctStart: 0.25,
      annealStrategy: 'cos',
      divFactor: 25,
      finalDivFactor: 1e4,
      threePhase: false,
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
    });
    // SGD has no torch default lr: the schedule's reference lr fills it.
    expect(c.optimizer).toEqual({
      kind: 'SGD',
      lr: 0.05,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
    });
    expect(c.plateau).toEqual({
      mode: 'min',
      factor: 0.1,
      patience: 2,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
    });
    expect(c.earlyStopping).toEqual({ patience: 5, restoreBest: false });
    expect(configFromJson(configToJson(c))).toEqual(c);
  });

  it('keeps explicit nulls (features off) and non-OneCycle schedules', () => {
    const c = withDefaults({
      outliers: null,
      clip: { maxNorm: null },
      plateau: null,
      schedule: { kind: 'step', baseLr: 0.01, stepSize: 10 },
    });
    expect(c.outliers).toBeNull();
    expect(c.clip.maxNorm).toBeNull();
    expect(c.schedule).toEqual({ kind: 'step', baseLr: 0.01, stepSize: 10, gamma: 0.1 });
    expect(c.optimizer.lr).toBe(0.01);
    expect(configFromJson(configToJson(c))).toEqual(c);
  });
});

describe('validateConfig', () => {
  const bad = (patch: Partial<Record<keyof TrainConfig, unknown>>): (() => void) => {
    return () => validateConfig({ ...DEFAULT_TRAIN_CONFIG, ...patch } as TrainConfig);
  };
  it('rejects bad values with a sentence naming the field', () => {
    expect(bad({ batchSize: 0 })).toThrow(/batchSize must be a whole number ≥ 1, got 0/);
    expect(bad({ epochs: 2.5 })).toThrow(/epochs/);
    expect(bad({ logEvery: 0 })).toThrow(/logEvery/);
    expect(bad({ topK: -1 })).toThrow(/topK must be a whole number ≥ 0/);
    expect(bad({ nanPolicy: 'ignore' })).toThrow(
      /nanPolicy must be 'skip', 'rollback' or 'stop', got "ignore"/,
    );
    expect(bad({ clip: { maxNorm: -1 } })).toThrow(/clip.maxNorm must be a number > 0 or null/);
    expect(bad({ outliers: { method: 'sigma', k: 0 } })).toThrow(/outliers.k/);
    expect(bad({ outliers: { method: 'zscore', k: 3 } })).toThrow(/outliers.method/);
    expect(bad({ loss: { kind: 'huber', delta: 0 } })).toThrow(/Huber delta/);
    expect(bad({ loss: { kind: 'logcosh' } })).toThrow(/loss.kind/);
    expect(bad({ model: { atomFeaLen: 0, nConv: 3, hFeaLen: 128, nH: 1 } })).toThrow(/model.atomFeaLen/);
    expect(bad({ earlyStopping: { patience: -2, restoreBest: true } })).toThrow(/earlyStopping.patience/);
    expect(bad({ seed: 1.5 })).toThrow(/seed/);
    expect(bad({ schedule: oneCycleSpec({ maxLr: -1 }) })).toThrow(/maxLr/);
  });

  it('refuses a momentum-cycling OneCycle with Adagrad, like torch', () => {
    expect(() => withDefaults({ optimizer: { kind: 'Adagrad' } })).toThrow(/Adagrad has none/);
    expect(() =>
      withDefaults({
        optimizer: { kind: 'Adagrad' },
        schedule: { kind: 'onecycle', maxLr: 0.01, cycleMomentum: false },
      }),
    ).not.toThrow();
  });

  it('requires plateau mode min (it watches the validation MAE)', () => {
    expect(() => withDefaults({ plateau: { mode: 'max' } })).toThrow(/mode must be 'min'/);
  });

  it('configFromJson reports invalid JSON and invalid content', () => {
    expect(() => configFromJson('{')).toThrow(/not valid JSON/);
    expect(() => configFromJson('[]')).toThrow(/expected a JSON object/);
    expect(() => configFromJson(JSON.stringify({ ...DEFAULT_TRAIN_CONFIG, batchSize: 'x' }))).toThrow(
      /batchSize/,
    );
  });
});

describe('schedule resolution', () => {
  it('derives OneCycle totalSteps = epochs × steps per epoch', () => {
    const c = withDefaults({ epochs: 7, schedule: { kind: 'onecycle', maxLr: 0.1 } });
    const spe = stepsPerEpoch(100, 32);
    expect(spe).toBe(4); // 32 + 32 + 32 + 4: the partial batch counts (drop_last = False)
    const s = resolveSchedule(c.schedule, c.epochs * spe);
    expect(s).toMatchObject({ kind: 'onecycle', totalSteps: 28, maxLr: 0.1 });
    // torch: initial lr = max_lr / div_factor, initial momentum = max_momentum.
    // (the cos anneal at pct 0 rounds: 0.0040000000000000036, torch's value too.)
    const v0 = scheduleAt(s, 0);
    expect(Math.abs(v0.lr - 0.1 / 25) / (0.1 / 25)).toBeLessThan(1e-12);
    expect(v0.momentum).toBe(0.95);
    expect(referenceLr(c.schedule)).toBe(0.1);
  });

  it('returns other kinds unchanged', () => {
    const spec = { kind: 'cosine', baseLr: 0.1, tMax: 10, etaMin: 0 } as const;
    expect(resolveSchedule(spec, 999)).toEqual(spec);
    expect(referenceLr(spec)).toBe(0.1);
  });
});

describe('lrLabel', () => {
  it('names a run’s lr as people write it: max_lr for OneCycle, lr otherwise, 3 significant digits', () => {
    expect(lrLabel(oneCycleSpec({ maxLr: 0.003 }))).toBe('max_lr 0.003');
    expect(lrLabel({ kind: 'constant', baseLr: 0.0123456 })).toBe('lr 0.0123');
  });
});
