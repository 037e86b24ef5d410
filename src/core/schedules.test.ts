import { describe, expect, it } from 'vitest';
import { describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import {
  plannedSchedule,
  plateauInit,
  plateauStep,
  plateauWithDefaults,
  scheduleAt,
  validateSchedule,
  withDefaults,
  type PlateauConfig,
  type PlateauState,
  type ScheduleConfig,
} from './schedules.ts';

// Tolerance: the project requires every scheduled lr / momentum to match torch 1.13 within 1e-12
// relative (stricter than the oracle README's recommended 1e-9). ReduceLROnPlateau lrs must match exactly.
const REL = 1e-12;

type Kwargs = Record<string, unknown>;

interface ScheduleCase {
  name: string;
  scheduler: string;
  scheduler_kwargs: Kwargs;
  optimizer: { kind: 'SGD' | 'Adam' | 'AdamW'; kwargs: { lr: number; momentum?: number; betas?: number[] } };
  total_steps: number;
  lr: number[];
  momentum: number[] | null;
  momentum_key: 'momentum' | 'betas[0]' | null;
  lr_lambda?: { python: string };
  // ReduceLROnPlateau only
  metrics?: number[];
  lr_after?: number[];
  num_bad_epochs_after?: number[];
  cooldown_counter_after?: number[];
}

interface ScheduleFile {
  cases: ScheduleCase[];
}

function num(kw: Kwargs, key: string): number {
  const v = kw[key];
  if (typeof v !== 'number') throw new Error(`kwarg ${key}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}
function optNum(kw: Kwargs, key: string): number | undefined {
  return kw[key] === undefined ? undefined : num(kw, key);
}
function optBool(kw: Kwargs, key: string): boolean | undefined {
  const v = kw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new Error(`kwarg ${key}: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}
/** Fails on any kwarg the mapping does not know, so a changed fixture cannot be silently misread. */
function onlyKeys(kw: Kwargs, allowed: readonly string[]): void {
  for (const k of Object.keys(kw)) {
    if (!allowed.includes(k)) throw new Error(`unmapped scheduler kwarg ${k}`);
  }
}

/** The fixture's torch scheduler + kwargs (+ the optimizer's lr as base lr) as our config. */
function configOf(c: ScheduleCase): ScheduleConfig {
  const kw = c.scheduler_kwargs;
  const baseLr = c.optimizer.kwargs.lr;
  switch (c.scheduler) {
    case 'OneCycleLR': {
      onlyKeys(kw, [
        'max_lr',
        'total_steps',
        'pct_start',
        'anneal_strategy',
        'div_factor',
        'final_div_factor',
        'three_phase',
        'cycle_momentum',
        'base_momentum',
        'max_momentum',
      ]);
      const anneal = kw['anneal_strategy'];
      if (anneal !== undefined && anneal !== 'cos' && anneal !== 'linear') throw new Error('anneal_strategy');
      // OneCycleLR overwrites the optimizer's lr (initial_lr = max_lr/div_factor): baseLr is unused.
      return withDefaults({
        kind: 'onecycle',
        maxLr: num(kw, 'max_lr'),
        totalSteps: num(kw, 'total_steps'),
        pctStart: optNum(kw, 'pct_start'),
        annealStrategy: anneal,
        divFactor: optNum(kw, 'div_factor'),
        finalDivFactor: optNum(kw, 'final_div_factor'),
        threePhase: optBool(kw, 'three_phase'),
        cycleMomentum: optBool(kw, 'cycle_momentum'),
        baseMomentum: optNum(kw, 'base_momentum'),
        maxMomentum: optNum(kw, 'max_momentum'),
      });
    }
    case 'StepLR':
      onlyKeys(kw, ['step_size', 'gamma']);
      return withDefaults({
        kind: 'step',
        baseLr,
        stepSize: num(kw, 'step_size'),
        gamma: optNum(kw, 'gamma'),
      });
    case 'MultiStepLR': {
      onlyKeys(kw, ['milestones', 'gamma']);
      const ms = kw['milestones'];
      if (!Array.isArray(ms) || !ms.every((m: unknown): m is number => typeof m === 'number'))
        throw new Error('milestones');
      return withDefaults({
        kind: 'multistep',
        baseLr,
        milestones: ms,
        gamma: optNum(kw, 'gamma'),
      });
    }
    case 'ExponentialLR':
      onlyKeys(kw, ['gamma']);
      return withDefaults({ kind: 'exponential', baseLr, gamma: num(kw, 'gamma') });
    case 'CosineAnnealingLR':
      onlyKeys(kw, ['T_max', 'eta_min']);
      return withDefaults({ kind: 'cosine', baseLr, tMax: num(kw, 'T_max'), etaMin: optNum(kw, 'eta_min') });
    case 'LambdaLR':
      onlyKeys(kw, []);
      // The only lambda we model; anything else must fail loudly.
      if (c.lr_lambda?.python !== 'lambda epoch: 1.0 / math.sqrt(epoch + 1)') {
        throw new Error(`unsupported lr_lambda ${JSON.stringify(c.lr_lambda)}`);
      }
      return withDefaults({ kind: 'invsqrt', baseLr });
    case 'LinearLR':
      onlyKeys(kw, ['start_factor', 'end_factor', 'total_iters']);
      return withDefaults({
        kind: 'linear-warmup',
        baseLr,
        startFactor: optNum(kw, 'start_factor'),
        endFactor: optNum(kw, 'end_factor'),
        totalIters: optNum(kw, 'total_iters'),
      });
    default:
      throw new Error(`unmapped scheduler ${c.scheduler}`);
  }
}

function plateauConfigOf(c: ScheduleCase): PlateauConfig {
  const kw = c.scheduler_kwargs;
  onlyKeys(kw, ['mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown', 'min_lr', 'eps']);
  const mode = kw['mode'];
  if (mode !== undefined && mode !== 'min' && mode !== 'max') throw new Error('mode');
  const tm = kw['threshold_mode'];
  if (tm !== undefined && tm !== 'rel' && tm !== 'abs') throw new Error('threshold_mode');
  return plateauWithDefaults({
    mode,
    factor: optNum(kw, 'factor'),
    patience: optNum(kw, 'patience'),
    threshold: optNum(kw, 'threshold'),
    thresholdMode: tm,
    cooldown: optNum(kw, 'cooldown'),
    minLr: optNum(kw, 'min_lr'),
    eps: optNum(kw, 'eps'),
  });
}

/** The optimizer's own momentum / β₁ (what torch leaves in place when the scheduler does not cycle it). */
function ownMomentum(c: ScheduleCase): number {
  const kw = c.optimizer.kwargs;
  const m = c.momentum_key === 'betas[0]' ? kw.betas?.[0] : kw.momentum;
  if (m === undefined) throw new Error(`${c.name}: optimizer has no ${c.momentum_key}`);
  return m;
}

describeOracle('schedules.json', 'LR schedules vs torch 1.13', () => {
  const file = readOracle<ScheduleFile>('schedules.json');
  const stepwise = file.cases.filter((c) => c.scheduler !== 'ReduceLROnPlateau');
  const plateau = file.cases.filter((c) => c.scheduler === 'ReduceLROnPlateau');

  it('has the 19 documented cases (13 stepwise + 6 plateau)', () => {
    expect(file.cases).toHaveLength(19);
    expect(stepwise).toHaveLength(13);
    expect(plateau).toHaveLength(6);
  });

  describe.each(stepwise.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const config = configOf(c);
    const T = c.total_steps;

    it(`lr[t] within ${REL} relative for t = 0..${T - 1}`, () => {
      expect(c.lr).toHaveLength(T);
      const lr = Array.from({ length: T }, (_, t) => scheduleAt(config, t).lr);
      expectAllClose(lr, c.lr, { rel: REL, label: `${c.name}.lr` });
    });

    it(`momentum[t] within ${REL} relative (the optimizer's own value where not scheduled)`, () => {
      const m = c.momentum;
      if (m === null) throw new Error(`${c.name}: stepwise case without momentum`);
      expect(m).toHaveLength(T);
      const ours = Array.from({ length: T }, (_, t) => scheduleAt(config, t).momentum);
      if (config.kind === 'onecycle' && config.cycleMomentum) {
        expect(ours.every((x) => x !== null)).toBe(true);
        expectAllClose(ours as number[], m, { rel: REL, label: `${c.name}.momentum` });
      } else {
        // We return null: the scheduler leaves the optimizer's momentum / β₁ untouched, and so does torch.
        expect(ours.every((x) => x === null)).toBe(true);
        expect(m.every((x) => x === ownMomentum(c))).toBe(true);
      }
    });

    it('plannedSchedule equals scheduleAt element-for-element (bitwise)', () => {
      const plan = plannedSchedule(config, T);
      for (let t = 0; t < T; t++) {
        const v = scheduleAt(config, t);
        expect(Object.is(plan.lr[t], v.lr)).toBe(true);
        if (v.momentum === null) expect(plan.momentum).toBeNull();
        else expect(Object.is(plan.momentum?.[t], v.momentum)).toBe(true);
      }
    });
  });

  it('the OneCycle quirks of the README hold in the fixture and in our code', () => {
    const def = stepwise.find((c) => c.name === 'onecycle_default');
    const t7 = stepwise.find((c) => c.name === 'onecycle_T7');
    if (def === undefined || t7 === undefined) throw new Error('missing OneCycle cases');
    const cDef = configOf(def);
    // Peak at t = 29 (end₀ = 0.3·100 − 1 = 29.000000000000004), equal to max_lr only to ~1e-16.
    const peak = def.lr.indexOf(Math.max(...def.lr));
    expect(peak).toBe(29);
    expect(scheduleAt(cDef, 29).lr).toBe(def.lr[29]);
    // Momentum at construction is max_momentum.
    expect(scheduleAt(cDef, 0).momentum).toBe(0.95);
    // T = 7: end₀ = 1.0999999999999996, so steps 0 and 1 are warm-up and step 2 already anneals down.
    const c7 = configOf(t7);
    expect(scheduleAt(c7, 1).lr).toBeGreaterThan(scheduleAt(c7, 0).lr);
    expect(scheduleAt(c7, 2).lr).toBeLessThan(scheduleAt(c7, 1).lr);
  });

  it('ExponentialLR / CosineAnnealingLR closed forms are also within 1e-12 (we still replay torch’s recursion)', () => {
    const exp = stepwise.find((c) => c.scheduler === 'ExponentialLR');
    const cos = stepwise.find((c) => c.scheduler === 'CosineAnnealingLR');
    if (exp === undefined || cos === undefined) throw new Error('missing cases');
    const g = num(exp.scheduler_kwargs, 'gamma');
    const b = exp.optimizer.kwargs.lr;
    expectAllClose(
      exp.lr.map((_, t) => b * g ** t),
      exp.lr,
      { rel: REL, label: 'exponential closed form' },
    );
    const tMax = num(cos.scheduler_kwargs, 'T_max');
    const etaMin = num(cos.scheduler_kwargs, 'eta_min');
    const b2 = cos.optimizer.kwargs.lr;
    expectAllClose(
      cos.lr.map((_, t) => etaMin + ((b2 - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2),
      cos.lr,
      { rel: REL, label: 'cosine closed form' },
    );
  });

  describe.each(plateau.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('lr[e] and lr_after[e] exactly; num_bad_epochs_after and cooldown_counter_after exactly', () => {
      const config = plateauConfigOf(c);
      const { metrics, lr_after, num_bad_epochs_after, cooldown_counter_after } = c;
      if (!metrics || !lr_after || !num_bad_epochs_after || !cooldown_counter_after) {
        throw new Error(`${c.name}: incomplete plateau case`);
      }
      expect(c.momentum).toBeNull();
      let s: PlateauState = plateauInit(config, c.optimizer.kwargs.lr);
      metrics.forEach((metric, e) => {
        expect(s.lr, `lr[${e}]`).toBe(c.lr[e]);
        s = plateauStep(config, s, metric);
        expect(s.lr, `lr_after[${e}]`).toBe(lr_after[e]);
        expect(s.numBadEpochs, `num_bad_epochs_after[${e}]`).toBe(num_bad_epochs_after[e]);
        expect(s.cooldownCounter, `cooldown_counter_after[${e}]`).toBe(cooldown_counter_after[e]);
        expect(s.lastEpoch).toBe(e + 1);
      });
      expect(metrics).toHaveLength(c.total_steps);
    });
  });
});

describe('OneCycle boundaries', () => {
  const T = 100;
  const cfg = withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: T });

  it('step == totalSteps is allowed (torch only raises for last_epoch > total_steps)', () => {
    const v = scheduleAt(cfg, T);
    expect(Number.isFinite(v.lr)).toBe(true);
    expect(v.momentum).not.toBeNull();
  });

  it('step totalSteps + 1 throws, naming the step count and totalSteps', () => {
    expect(() => scheduleAt(cfg, T + 1)).toThrow(/step 101 .*totalSteps = 100/);
    expect(() => scheduleAt(cfg, T + 1)).toThrow(
      'Tried to step 102 times. The specified number of total steps is 100',
    );
    expect(() => plannedSchedule(cfg, T + 2)).toThrow(/totalSteps = 100/);
    expect(plannedSchedule(cfg, T + 1).lr).toHaveLength(T + 1);
  });

  it('total_steps = 3 skips the warm-up (0.3·3 − 1 < 0): lr ≈ 0.0497, momentum ≈ 0.8506 at step 0', () => {
    const c3 = withDefaults({ kind: 'onecycle', maxLr: 0.05, totalSteps: 3 });
    const v = scheduleAt(c3, 0);
    // Phase 2 from start −0.1 to end 2: pct = 0.1/2.1, by the cos formula.
    const pct = (0 - (0.3 * 3 - 1)) / (2 - (0.3 * 3 - 1));
    const minLr = 0.05 / 25 / 1e4;
    expect(v.lr).toBe(minLr + ((0.05 - minLr) / 2) * (Math.cos(Math.PI * pct) + 1));
    expect(v.lr).toBeCloseTo(0.0497, 4);
    expect(v.momentum).toBeCloseTo(0.8506, 4);
  });

  it('cycleMomentum = false gives null momentum and plannedSchedule.momentum === null', () => {
    const c = withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 10, cycleMomentum: false });
    expect(scheduleAt(c, 3).momentum).toBeNull();
    expect(plannedSchedule(c, 10).momentum).toBeNull();
  });

  it('pctStart = 1 hits a zero-length last phase at step == totalSteps (Python ZeroDivisionError)', () => {
    const c = withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 10, pctStart: 1 });
    expect(scheduleAt(c, 9).lr).toBeCloseTo(0.01, 15);
    expect(() => scheduleAt(c, 10)).toThrow(/zero length/);
  });
});

describe('config validation', () => {
  const bad: [string, ScheduleConfig, RegExp][] = [
    ['totalSteps 0', withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 0 }), /totalSteps/],
    ['totalSteps −5', withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: -5 }), /totalSteps/],
    ['totalSteps 2.5', withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 2.5 }), /totalSteps/],
    [
      'pctStart 1.5',
      withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 9, pctStart: 1.5 }),
      /pctStart/,
    ],
    [
      'pctStart −0.1',
      withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 9, pctStart: -0.1 }),
      /pctStart/,
    ],
    ['maxLr NaN', withDefaults({ kind: 'onecycle', maxLr: Number.NaN, totalSteps: 9 }), /maxLr/],
    [
      'divFactor 0',
      withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 9, divFactor: 0 }),
      /divFactor/,
    ],
    [
      'maxMomentum 1',
      withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 9, maxMomentum: 1 }),
      /maxMomentum/,
    ],
    ['stepSize 0', withDefaults({ kind: 'step', baseLr: 0.1, stepSize: 0 }), /stepSize/],
    ['milestone −1', withDefaults({ kind: 'multistep', baseLr: 0.1, milestones: [-1] }), /milestones/],
    ['gamma 0', { kind: 'exponential', baseLr: 0.1, gamma: 0 }, /gamma/],
    ['tMax 0', withDefaults({ kind: 'cosine', baseLr: 0.1, tMax: 0 }), /tMax/],
    ['baseLr −1', { kind: 'constant', baseLr: -1 }, /baseLr/],
    ['startFactor 0', withDefaults({ kind: 'linear-warmup', baseLr: 0.1, startFactor: 0 }), /startFactor/],
    ['endFactor 2', withDefaults({ kind: 'linear-warmup', baseLr: 0.1, endFactor: 2 }), /endFactor/],
  ];
  it.each(bad)('%s throws a readable error', (_n, cfg, re) => {
    expect(() => validateSchedule(cfg)).toThrow(re);
    expect(() => scheduleAt(cfg, 0)).toThrow(re);
  });

  it('negative or fractional steps throw', () => {
    const c: ScheduleConfig = { kind: 'constant', baseLr: 0.1 };
    expect(() => scheduleAt(c, -1)).toThrow(/non-negative integer/);
    expect(() => scheduleAt(c, 1.5)).toThrow(/non-negative integer/);
  });

  it('plateau configs are validated', () => {
    expect(() => plateauInit(plateauWithDefaults({ factor: 1 }), 0.1)).toThrow(/factor/);
    expect(() => plateauInit(plateauWithDefaults({ patience: -1 }), 0.1)).toThrow(/patience/);
    expect(() => plateauInit(plateauWithDefaults(), Number.NaN)).toThrow(/initialLr/);
  });

  it('withDefaults fills torch defaults and yields a complete JSON-round-trippable object', () => {
    const c = withDefaults({ kind: 'onecycle', maxLr: 0.01, totalSteps: 100 });
    expect(c).toEqual({
      kind: 'onecycle',
      maxLr: 0.01,
      totalSteps: 100,
      pctStart: 0.3,
      annealStrategy: 'cos',
      divFactor: 25,
      finalDivFactor: 1e4,
      threePhase: false,
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(withDefaults({ kind: 'linear-warmup', baseLr: 1 })).toEqual({
      kind: 'linear-warmup',
      baseLr: 1,
      startFactor: 1 / 3,
      endFactor: 1,
      totalIters: 5,
    });
  });
});

describe('chainable schedules beyond the fixture', () => {
  it('CosineAnnealingLR follows torch past T_max (restart branch at t = T_max + 1, periodic)', () => {
    const c = withDefaults({ kind: 'cosine', baseLr: 1, tMax: 10, etaMin: 0.1 });
    const plan = plannedSchedule(c, 41);
    // Minimum at T_max, back to ≈ base at 2·T_max, minimum again at 3·T_max.
    expect(plan.lr[10]).toBeCloseTo(0.1, 12);
    expect(plan.lr[20]).toBeCloseTo(1, 12);
    expect(plan.lr[30]).toBeCloseTo(0.1, 12);
    for (let t = 0; t <= 40; t++) {
      const closed = 0.1 + (0.9 * (1 + Math.cos((Math.PI * t) / 10))) / 2;
      expect(plan.lr[t]).toBeCloseTo(closed, 12);
    }
  });

  it('MultiStepLR: a repeated milestone multiplies by γ², a milestone at 0 applies at construction', () => {
    const c = withDefaults({ kind: 'multistep', baseLr: 1, milestones: [3, 0, 3], gamma: 0.5 });
    expect(scheduleAt(c, 0).lr).toBe(0.5);
    expect(scheduleAt(c, 2).lr).toBe(0.5);
    expect(scheduleAt(c, 3).lr).toBe(0.125);
    expect(scheduleAt(c, 1000).lr).toBe(0.125);
  });

  it('StepLR / LinearLR / constant / invsqrt at large steps', () => {
    expect(scheduleAt(withDefaults({ kind: 'step', baseLr: 1, stepSize: 2, gamma: 0.5 }), 5).lr).toBe(0.25);
    const lin = withDefaults({ kind: 'linear-warmup', baseLr: 0.3 });
    expect(scheduleAt(lin, 0).lr).toBe(0.3 * (1 / 3));
    expect(scheduleAt(lin, 5).lr).toBeCloseTo(0.3, 15);
    expect(scheduleAt(lin, 1e6).lr).toBe(scheduleAt(lin, 5).lr);
    expect(scheduleAt({ kind: 'constant', baseLr: 0.2 }, 123)).toEqual({ lr: 0.2, momentum: null });
    expect(scheduleAt({ kind: 'invsqrt', baseLr: 0.2 }, 3).lr).toBe(0.2 * 0.5);
  });
});

describe('ReduceLROnPlateau semantics', () => {
  it('NaN metrics are never better: they count as bad epochs and leave best unchanged', () => {
    const cfg = plateauWithDefaults({ patience: 1 });
    let s = plateauInit(cfg, 1);
    s = plateauStep(cfg, s, 0.5);
    expect(s.best).toBe(0.5);
    s = plateauStep(cfg, s, Number.NaN);
    expect(s).toMatchObject({ best: 0.5, numBadEpochs: 1, lr: 1 });
    s = plateauStep(cfg, s, Number.NaN);
    expect(s).toMatchObject({ best: 0.5, numBadEpochs: 0, lr: 0.1, numReductions: 1 });
  });

  it('does not mutate its input state', () => {
    const cfg = plateauWithDefaults({ patience: 0 });
    const s0 = plateauInit(cfg, 1);
    const frozen = Object.freeze({ ...s0, best: 1 });
    const s1 = plateauStep(cfg, frozen, 2);
    expect(frozen).toEqual({ ...s0, best: 1 });
    expect(s1.lr).toBeCloseTo(0.1, 15);
  });

  it('a reduction below eps is skipped, but cooldown still restarts (torch)', () => {
    const cfg = plateauWithDefaults({ patience: 0, cooldown: 2, minLr: 0.5 });
    let s = plateauInit(cfg, 0.5);
    s = plateauStep(cfg, s, 1); // better (first metric)
    s = plateauStep(cfg, s, 1); // bad → reduce attempt: max(0.05, 0.5) = 0.5, no change
    expect(s).toMatchObject({ lr: 0.5, cooldownCounter: 2, numBadEpochs: 0, numReductions: 0 });
  });

  it('mode max with abs threshold', () => {
    const cfg = plateauWithDefaults({ mode: 'max', thresholdMode: 'abs', threshold: 0.1, patience: 0 });
    let s = plateauInit(cfg, 1);
    s = plateauStep(cfg, s, 1);
    s = plateauStep(cfg, s, 1.05); // not > 1 + 0.1: bad → reduce
    expect(s.lr).toBeCloseTo(0.1, 15);
    expect(s.best).toBe(1);
  });
});
