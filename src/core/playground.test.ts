import { describe, expect, it } from 'vitest';
import { describeOracle, readOracle } from '../../test/oracle.ts';
import { parseExpression, type ParsedExpression } from './expr.ts';
import { FUNCTIONS_2D, FUNCTION_2D_NAMES, type CriticalPoint, type Function2DName } from './functions2d.ts';
import { initOptimizerState, makeOptimizerConfig, optimizerStep } from './optimizers.ts';
import {
  DEFAULT_SIMULATION,
  ESCAPE_LIMIT,
  LR_GRID,
  PLAYGROUND_KINDS,
  PRESET_FRACTION,
  defaultOptimizer,
  findCriticalPoints,
  firstWithin,
  lrPresets,
  scoreLr,
  simulate,
  toOptimizerConfig,
  type PlaygroundOptimizer,
  type PlaygroundOptimizerKind,
  type SimulationResult,
  type SimulationSettings,
} from './playground.ts';
import { Rng, createRng, fork } from './rng.ts';

const PLAIN: SimulationSettings = DEFAULT_SIMULATION;

function parse(src: string): ParsedExpression {
  const r = parseExpression(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.expr;
}

const finiteAll = (a: Float64Array): boolean => a.every((v) => Number.isFinite(v));

/** Euclidean length of step t → t + 1. */
const stepLength = (r: SimulationResult, t: number): number =>
  Math.hypot((r.xs[t + 1] as number) - (r.xs[t] as number), (r.ys[t + 1] as number) - (r.ys[t] as number));

// ---------------------------------------------------------------------------------------------------------
// Optimizer descriptions
// ---------------------------------------------------------------------------------------------------------

describe('defaultOptimizer / toOptimizerConfig', () => {
  it('lists the seven kinds in display order', () => {
    expect(PLAYGROUND_KINDS).toEqual(['SGD', 'Momentum', 'Nesterov', 'Adagrad', 'RMSprop', 'Adam', 'AdamW']);
  });

  it("uses torch's defaults per class (SGD family lr 0.01, Momentum/Nesterov momentum 0.9)", () => {
    expect(defaultOptimizer('SGD')).toMatchObject({ lr: 0.01, momentum: 0, weightDecay: 0 });
    expect(defaultOptimizer('Momentum')).toMatchObject({ lr: 0.01, momentum: 0.9 });
    expect(defaultOptimizer('Nesterov', 0.3)).toMatchObject({ lr: 0.3, momentum: 0.9 });
    expect(defaultOptimizer('Adagrad')).toMatchObject({ lr: 0.01, eps: 1e-10, weightDecay: 0 });
    expect(defaultOptimizer('RMSprop')).toMatchObject({ lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0 });
    expect(defaultOptimizer('Adam')).toMatchObject({
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
    });
    expect(defaultOptimizer('AdamW')).toMatchObject({ lr: 1e-3, weightDecay: 0.01 });
    for (const kind of PLAYGROUND_KINDS) expect(defaultOptimizer(kind).kind).toBe(kind);
  });

  it('maps Momentum and Nesterov to torch SGD, the others one to one', () => {
    expect(toOptimizerConfig(defaultOptimizer('SGD', 0.1))).toEqual(makeOptimizerConfig('SGD', { lr: 0.1 }));
    expect(toOptimizerConfig(defaultOptimizer('Momentum', 0.1))).toEqual(
      makeOptimizerConfig('SGD', { lr: 0.1, momentum: 0.9 }),
    );
    expect(toOptimizerConfig(defaultOptimizer('Nesterov', 0.1))).toEqual(
      makeOptimizerConfig('SGD', { lr: 0.1, momentum: 0.9, nesterov: true }),
    );
    expect(toOptimizerConfig(defaultOptimizer('Adagrad'))).toEqual(makeOptimizerConfig('Adagrad'));
    expect(toOptimizerConfig(defaultOptimizer('RMSprop'))).toEqual(makeOptimizerConfig('RMSprop'));
    expect(toOptimizerConfig(defaultOptimizer('Adam'))).toEqual(makeOptimizerConfig('Adam'));
    expect(toOptimizerConfig(defaultOptimizer('AdamW'))).toEqual(makeOptimizerConfig('AdamW'));
    const custom: PlaygroundOptimizer = {
      ...defaultOptimizer('Adam', 0.05),
      beta1: 0.5,
      beta2: 0.9,
      eps: 1e-6,
    };
    expect(toOptimizerConfig(custom)).toEqual(
      makeOptimizerConfig('Adam', { lr: 0.05, betas: [0.5, 0.9], eps: 1e-6 }),
    );
  });

  it('refuses what torch refuses, with a message', () => {
    expect(() => toOptimizerConfig({ ...defaultOptimizer('Nesterov'), momentum: 0 })).toThrow(/nesterov/);
    expect(() => toOptimizerConfig(defaultOptimizer('SGD', -1))).toThrow(/learning rate/);
    expect(() => toOptimizerConfig({ ...defaultOptimizer('Adam'), beta1: 1 })).toThrow(/beta/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The torch paths
// ---------------------------------------------------------------------------------------------------------

interface Optim2dCase {
  name: string;
  function: { name: string; js: string };
  optimizer: { name: string; torch_class: string; param_group: Record<string, unknown> };
  lr: number;
  start: [number, number];
  steps: number;
  path: [number, number][];
  f: number[];
}

/** Fixture optimizer names → playground kinds. */
const KIND_OF: Record<string, PlaygroundOptimizerKind> = {
  SGD: 'SGD',
  SGD_momentum: 'Momentum',
  SGD_nesterov: 'Nesterov',
  Adagrad: 'Adagrad',
  RMSprop: 'RMSprop',
  Adam: 'Adam',
  AdamW: 'AdamW',
};

/** The playground description of a fixture case's full torch param_group. */
function fromParamGroup(kind: PlaygroundOptimizerKind, g: Record<string, unknown>): PlaygroundOptimizer {
  const num = (k: string, fallback: number): number => (typeof g[k] === 'number' ? g[k] : fallback);
  const betas: [number, number] = Array.isArray(g['betas']) ? (g['betas'] as [number, number]) : [0.9, 0.999];
  return {
    kind,
    lr: num('lr', Number.NaN),
    momentum: num('momentum', 0),
    beta1: betas[0],
    beta2: betas[1],
    alpha: num('alpha', 0.99),
    eps: num('eps', 0),
    weightDecay: num('weight_decay', 0),
  };
}

describeOracle('optim2d.json', 'simulate reproduces the torch paths', () => {
  const cases = readOracle<{ cases: Optim2dCase[] }>('optim2d.json').cases;
  const TOL = 1e-9;

  it('covers the 98 cases, and the param_groups are exactly defaultOptimizer(kind, lr)', () => {
    expect(cases).toHaveLength(98);
    for (const c of cases) {
      const kind = KIND_OF[c.optimizer.name];
      expect(kind, c.optimizer.name).toBeDefined();
      const fromTorch = fromParamGroup(kind as PlaygroundOptimizerKind, c.optimizer.param_group);
      expect(toOptimizerConfig(fromTorch)).toEqual(toOptimizerConfig(defaultOptimizer(fromTorch.kind, c.lr)));
    }
  });

  it('noise 0, no decay, no clipping: all 98 paths and f match to 1e-9·max(1, |ref|)', () => {
    let worst = 0;
    for (const c of cases) {
      const kind = KIND_OF[c.optimizer.name] as PlaygroundOptimizerKind;
      const fn = FUNCTIONS_2D[c.function.name as Function2DName];
      const opt = fromParamGroup(kind, c.optimizer.param_group);
      const r = simulate(fn, c.start, opt, { ...PLAIN, steps: c.steps, seed: 12345 });
      expect(r.diverged, c.name).toBeNull();
      expect(r.xs.length).toBe(c.steps + 1);
      for (let t = 0; t <= c.steps; t++) {
        const [px, py] = c.path[t] as [number, number];
        const ft = c.f[t] as number;
        const d = Math.max(
          Math.abs((r.xs[t] as number) - px) / Math.max(1, Math.abs(px)),
          Math.abs((r.ys[t] as number) - py) / Math.max(1, Math.abs(py)),
          Math.abs((r.fs[t] as number) - ft) / Math.max(1, Math.abs(ft)),
        );
        if (!(d <= TOL)) throw new Error(`${c.name} t=${t}: scaled deviation ${d}`);
        worst = Math.max(worst, d);
      }
    }
    // Observed 9.3e-13 (f on Rosenbrock), the same as optimizerStep's own oracle test.
    expect(worst).toBeLessThan(1e-11);
  });

  it('the same paths on the parsed function.js surfaces (user-expression route)', () => {
    for (const c of cases.filter((_, i) => i % 7 === 0)) {
      const kind = KIND_OF[c.optimizer.name] as PlaygroundOptimizerKind;
      const r = simulate(parse(c.function.js), c.start, defaultOptimizer(kind, c.lr), PLAIN);
      for (let t = 0; t <= c.steps; t++) {
        const [px, py] = c.path[t] as [number, number];
        expect(Math.abs((r.xs[t] as number) - px) / Math.max(1, Math.abs(px))).toBeLessThanOrEqual(TOL);
        expect(Math.abs((r.ys[t] as number) - py) / Math.max(1, Math.abs(py))).toBeLessThanOrEqual(TOL);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Settings: decay, clipping, guard, noise
// ---------------------------------------------------------------------------------------------------------

describe('simulate: settings', () => {
  const rosen = FUNCTIONS_2D.rosenbrock;

  it('records the start, f and the gradient norm at t = 0 and has steps + 1 points', () => {
    const r = simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.001), { ...PLAIN, steps: 7 });
    for (const a of [r.xs, r.ys, r.fs, r.gradNorm]) expect(a.length).toBe(8);
    expect([r.xs[0], r.ys[0]]).toEqual([-1.5, 2]);
    expect(r.fs[0]).toBe(rosen.f(-1.5, 2));
    expect(r.gradNorm[0]).toBe(Math.hypot(...rosen.grad(-1.5, 2)));
    expect(r.gradNorm[7]).toBe(Math.hypot(...rosen.grad(r.xs[7] as number, r.ys[7] as number)));
    expect(r).toMatchObject({ clipped: 0, skipped: [], diverged: null });
    const zero = simulate(rosen, [0.5, 0.5], defaultOptimizer('Adam'), { ...PLAIN, steps: 0 });
    expect(Array.from(zero.xs)).toEqual([0.5]);
  });

  it('decay: the step at t uses lr/√(t + 1), exactly as optimizerStep with that override', () => {
    for (const kind of ['SGD', 'Momentum', 'Adam', 'RMSprop'] as const) {
      const opt = defaultOptimizer(kind, 0.05);
      const r = simulate(FUNCTIONS_2D.himmelblau, [0, 0], opt, { ...PLAIN, steps: 30, decay: true });
      const config = toOptimizerConfig(opt);
      let state = initOptimizerState(config, 2);
      let p = [0, 0];
      for (let t = 0; t < 30; t++) {
        expect([r.xs[t], r.ys[t]]).toEqual(p);
        const g = FUNCTIONS_2D.himmelblau.grad(p[0] as number, p[1] as number);
        ({ params: p, state } = optimizerStep(config, state, p, g, { lr: 0.05 / Math.sqrt(t + 1) }));
      }
      expect([r.xs[30], r.ys[30]]).toEqual(p);
      // And it differs from the undecayed run.
      const plain = simulate(FUNCTIONS_2D.himmelblau, [0, 0], opt, { ...PLAIN, steps: 30 });
      expect(plain.xs[30]).not.toBe(r.xs[30]);
    }
  });

  it('clipping: every SGD step is at most lr·max_norm, and clipped counts the steps that fired', () => {
    const lr = 0.01;
    const clip = 100;
    const r = simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', lr), { ...PLAIN, clipNorm: clip });
    let fired = 0;
    for (let t = 0; t < 100; t++) {
      expect(stepLength(r, t)).toBeLessThanOrEqual(lr * clip * (1 + 1e-12));
      // torch's rule: coefficient clip/(‖g‖ + 1e-6) < 1.
      if (clip / ((r.gradNorm[t] as number) + 1e-6) < 1) fired++;
    }
    expect(r.clipped).toBe(fired);
    expect(r.clipped).toBe(19);
    // The first step is clipped to exactly lr·clip·‖g‖/(‖g‖ + 1e-6).
    const g0 = r.gradNorm[0] as number;
    expect(stepLength(r, 0)).toBeCloseTo((lr * clip * g0) / (g0 + 1e-6), 12);
  });

  it('Rosenbrock, SGD lr 0.01 from (−1.5, 2): diverges at t = 5 without help', () => {
    const r = simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.01), PLAIN);
    expect(r.diverged).toBe(5);
    expect(finiteAll(r.xs.subarray(0, 5))).toBe(true);
    expect(Math.max(Math.abs(r.xs[4] as number), Math.abs(r.ys[4] as number))).toBeLessThanOrEqual(
      ESCAPE_LIMIT,
    );
    for (const a of [r.xs, r.ys, r.fs, r.gradNorm]) expect(a.subarray(5).every(Number.isNaN)).toBe(true);
    // The smallest grid lr that blows up from there; the oracle's lr 0.002 does not.
    expect(simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.003), PLAIN).diverged).toBe(5);
    expect(simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.002), PLAIN).diverged).toBeNull();
  });

  it('... the NaN guard keeps every value finite (but cannot bring the point back)', () => {
    const g = simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.01), { ...PLAIN, nanGuard: true });
    expect(g.diverged).toBeNull();
    for (const a of [g.xs, g.ys, g.fs, g.gradNorm]) expect(finiteAll(a)).toBe(true);
    expect(Math.max(...Array.from(g.xs, Math.abs), ...Array.from(g.ys, Math.abs))).toBeLessThanOrEqual(
      ESCAPE_LIMIT,
    );
    expect(g.skipped[0]).toBe(4);
    expect(g.skipped).toHaveLength(40);
    for (const t of g.skipped) expect([g.xs[t + 1], g.ys[t + 1]]).toEqual([g.xs[t], g.ys[t]]);
    // The path still ends far outside the window: the guard prevents NaN, not the blow-up.
    expect(Math.abs(g.xs[100] as number)).toBeGreaterThan(1e4);
  });

  it('... clipping prevents the divergence: at max_norm 30 the path stays in the plotting window', () => {
    const run = (clipNorm: number): SimulationResult =>
      simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.01), { ...PLAIN, clipNorm });
    const inWindow = (r: SimulationResult): boolean => {
      const { x, y } = rosen.domain;
      for (let t = 0; t < r.xs.length; t++) {
        const px = r.xs[t] as number;
        const py = r.ys[t] as number;
        if (!(px >= x[0] && px <= x[1] && py >= y[0] && py <= y[1])) return false;
      }
      return true;
    };
    const c30 = run(30);
    expect(c30.diverged).toBeNull();
    expect(inWindow(c30)).toBe(true);
    expect(c30.clipped).toBe(97);
    expect(c30.fs[100]).toBeCloseTo(3.229, 3); // the best of 1, 2, 5, …, 200 after 100 steps
    // Every tried threshold prevents the blow-up (a step is at most lr·max_norm); 100 and above no longer
    // keep the path inside the window (x dips to −2.05 at 100).
    for (const clip of [1, 5, 10, 50, 75, 100, 200]) expect(run(clip).diverged).toBeNull();
    expect(inWindow(run(75))).toBe(true);
    expect(inWindow(run(100))).toBe(false);
  });

  it('the guard halves the lr after a refused step (SGD on x², lr 1e6 from x = 1)', () => {
    const sq = parse('x^2');
    const r = simulate(sq, [1, 0], defaultOptimizer('SGD', 1e6), { ...PLAIN, steps: 2, nanGuard: true });
    // t = 0: x − 1e6·2x = −1999999 escapes (|x| > 1e6): refused. t = 1: lr 5e5 → 1 − 1e6 = −999999.
    expect(r.skipped).toEqual([0]);
    expect(Array.from(r.xs)).toEqual([1, 1, -999999]);
    const off = simulate(sq, [1, 0], defaultOptimizer('SGD', 1e6), { ...PLAIN, steps: 2 });
    expect(off.diverged).toBe(1);
  });

  it('a non-finite start diverges at t = 0', () => {
    const r = simulate(parse('log(x)'), [-1, 0], defaultOptimizer('SGD'), { ...PLAIN, steps: 3 });
    expect(r.diverged).toBe(0);
    expect(r.xs.every(Number.isNaN)).toBe(true);
  });

  it('noise: drawn from fork(createRng(seed), "gradient-noise"), two normals per point, the same for every optimizer', () => {
    // On a constant surface ∇f = 0, so the recorded gradient norm is σ·‖z_t‖.
    const flat = parse('0*x');
    const sigma = 0.3;
    const rng = new Rng(fork(createRng(7), 'gradient-noise'));
    const expected: number[] = [];
    for (let t = 0; t <= 20; t++) {
      const zx = sigma * rng.normal();
      const zy = sigma * rng.normal();
      expected.push(Math.hypot(0 + zx, 0 + zy));
    }
    for (const kind of PLAYGROUND_KINDS) {
      const r = simulate(flat, [0, 0], defaultOptimizer(kind, 0.1), {
        ...PLAIN,
        steps: 20,
        noise: sigma,
        seed: 7,
      });
      expect(Array.from(r.gradNorm)).toEqual(expected);
    }
    const other = simulate(flat, [0, 0], defaultOptimizer('SGD', 0.1), {
      ...PLAIN,
      steps: 20,
      noise: sigma,
      seed: 8,
    });
    expect(other.gradNorm[0]).not.toBe(expected[0]);
  });

  it('noise 0 consumes nothing: the seed is irrelevant and the path is the exact one', () => {
    const a = simulate(rosen, [-1.2, 1], defaultOptimizer('Adam', 0.1), { ...PLAIN, seed: 1 });
    const b = simulate(rosen, [-1.2, 1], defaultOptimizer('Adam', 0.1), { ...PLAIN, seed: 999 });
    expect(Array.from(a.xs)).toEqual(Array.from(b.xs));
    expect(Array.from(a.fs)).toEqual(Array.from(b.fs));
  });

  it('validates its settings with messages', () => {
    const opt = defaultOptimizer('SGD');
    expect(() => simulate(rosen, [0, 0], opt, { ...PLAIN, steps: -1 })).toThrow(/steps/);
    expect(() => simulate(rosen, [0, 0], opt, { ...PLAIN, steps: 2.5 })).toThrow(/whole number/);
    expect(() => simulate(rosen, [0, 0], opt, { ...PLAIN, noise: -0.1 })).toThrow(/noise/);
    expect(() => simulate(rosen, [0, 0], opt, { ...PLAIN, clipNorm: 0 })).toThrow(/clipping/);
  });

  it('firstWithin: first index within the tolerance, or null', () => {
    const r = simulate(FUNCTIONS_2D.ill_conditioned_quadratic, [-4, 1], defaultOptimizer('SGD', 0.3), PLAIN);
    expect(firstWithin(r, [-4, 1], 0)).toBe(0);
    expect(firstWithin(r, [100, 100], 1)).toBeNull();
    const t = firstWithin(r, [0, 0], 0.05) as number;
    expect(Math.hypot(r.xs[t] as number, r.ys[t] as number)).toBeLessThanOrEqual(0.05);
    expect(Math.hypot(r.xs[t - 1] as number, r.ys[t - 1] as number)).toBeGreaterThan(0.05);
    const diverged = simulate(rosen, [-1.5, 2], defaultOptimizer('SGD', 0.01), PLAIN);
    expect(firstWithin(diverged, [1, 1], 0.1)).toBeNull(); // NaN entries never match
  });
});

// ---------------------------------------------------------------------------------------------------------
// The lessons
// ---------------------------------------------------------------------------------------------------------

describe('lessons', () => {
  it('saddle x² − y² from (1, 0): without noise SGD stays on y = 0 and ends at the saddle point', () => {
    const r = simulate(FUNCTIONS_2D.saddle, [1, 0], defaultOptimizer('SGD', 0.05), PLAIN);
    expect(r.ys.every((y) => y === 0)).toBe(true);
    expect(Math.abs(r.xs[100] as number)).toBeLessThan(1e-4); // 0.9^100 ≈ 2.66e-5
    expect(r.xs[100]).toBeCloseTo(0.9 ** 100, 15);
  });

  it('... with gradient noise σ = 0.01 it escapes: |y| grows ×1.1 per step (y ≈ −19 for seed 1)', () => {
    const noisy = { ...PLAIN, noise: 0.01, seed: 1 };
    const r = simulate(FUNCTIONS_2D.saddle, [1, 0], defaultOptimizer('SGD', 0.05), noisy);
    expect(r.ys[100]).toBeCloseTo(-18.96, 2);
    expect(Math.abs(r.xs[100] as number)).toBeLessThan(0.01);
    expect(r.fs[100]).toBeLessThan(-300);
    // The dynamics are linear, so y scales exactly with σ.
    const ten = simulate(FUNCTIONS_2D.saddle, [1, 0], defaultOptimizer('SGD', 0.05), {
      ...noisy,
      noise: 0.1,
    });
    expect((ten.ys[100] as number) / (r.ys[100] as number)).toBeCloseTo(10, 9);
    // Most seeds escape the plotting window |y| ≤ 3 with σ = 0.1 (19 of seeds 1..20).
    let escaped = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const s = simulate(FUNCTIONS_2D.saddle, [1, 0], defaultOptimizer('SGD', 0.05), {
        ...noisy,
        noise: 0.1,
        seed,
      });
      if (Math.abs(s.ys[100] as number) > 3) escaped++;
    }
    expect(escaped).toBe(19);
  });

  it('ill-conditioned 0.1x² + 2y² from (−4, 1): Momentum 0.9 (lr 0.2) gets within 0.05 of 0 in 57 steps, SGD (lr 0.3) in 71', () => {
    const q = FUNCTIONS_2D.ill_conditioned_quadratic;
    const settings = { ...PLAIN, steps: 200 };
    const sgd = firstWithin(simulate(q, [-4, 1], defaultOptimizer('SGD', 0.3), settings), [0, 0], 0.05);
    const mom = firstWithin(simulate(q, [-4, 1], defaultOptimizer('Momentum', 0.2), settings), [0, 0], 0.05);
    const nes = firstWithin(simulate(q, [-4, 1], defaultOptimizer('Nesterov', 0.3), settings), [0, 0], 0.05);
    expect(sgd).toBe(71);
    expect(mom).toBe(57);
    expect(nes).toBe(32);
    // SGD at Momentum's lr is slower still (x contracts by 1 − 0.2·0.2 = 0.96 per step).
    expect(firstWithin(simulate(q, [-4, 1], defaultOptimizer('SGD', 0.2), settings), [0, 0], 0.05)).toBe(108);
  });

  it('two_minima from (0.75, 0.5): SGD lr 0.005 settles in the sharp well, lr 0.1 and 0.2 in the flat one', () => {
    const fn = FUNCTIONS_2D.two_minima;
    const sharp = fn.minima[0] as CriticalPoint;
    const flat = fn.minima[1] as CriticalPoint;
    expect(sharp.global && !flat.global).toBe(true);
    const end = (lr: number, steps = 100): [number, number] => {
      const r = simulate(fn, [0.75, 0.5], defaultOptimizer('SGD', lr), { ...PLAIN, steps });
      return [r.xs[steps] as number, r.fs[steps] as number];
    };
    expect(Math.abs(end(0.005)[0] - sharp.x)).toBeLessThan(1e-12);
    expect(Math.abs(end(0.1)[0] - flat.x)).toBeLessThan(1e-4);
    expect(Math.abs(end(0.2)[0] - flat.x)).toBeLessThan(1e-12);
    // lr 0.05 is unstable in the sharp well (curvature ≈ 100 > 2/0.05) but does not reach the flat one
    // either: it keeps bouncing around x ≈ 1 (x = 1.124 after 100 steps, f far above both minima).
    const [x05, f05] = end(0.05);
    expect(x05).toBeGreaterThan(0.6);
    expect(f05).toBeGreaterThan(flat.f + 0.3);
    // 0.08 is the smallest lr (in steps of 0.01) that ends in the flat well.
    expect(end(0.07)[0]).toBeGreaterThan(0);
    expect(end(0.08)[0]).toBeLessThan(-1.4);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Learning-rate presets
// ---------------------------------------------------------------------------------------------------------

describe('lrPresets', () => {
  it('the grid is {1, 2, 3, 5}·10^k from 1e-4, and 1', () => {
    expect(LR_GRID).toHaveLength(17);
    expect(LR_GRID[0]).toBe(1e-4);
    expect(LR_GRID[LR_GRID.length - 1]).toBe(1);
    for (let i = 1; i < LR_GRID.length; i++) expect(LR_GRID[i]).toBeGreaterThan(LR_GRID[i - 1] as number);
  });

  it('ill-conditioned quadratic from (−4, 1): SGD 0.001 / 0.3 / 1, Momentum 1e-4 / 0.2 / 1', () => {
    const q = FUNCTIONS_2D.ill_conditioned_quadratic;
    expect(lrPresets(q, [-4, 1], 'SGD', q.domain)).toEqual({ tooSmall: 0.001, right: 0.3, tooLarge: 1 });
    expect(lrPresets(q, [-4, 1], 'Momentum', q.domain)).toEqual({ tooSmall: 1e-4, right: 0.2, tooLarge: 1 });
    expect(lrPresets(q, [-4, 1], 'Adam', q.domain)).toEqual({ tooSmall: 0.003, right: 0.3, tooLarge: 5 });
    // What the student sees: tooSmall barely moves, tooLarge (1 > 2/4) blows y up out of the window.
    const small = simulate(q, [-4, 1], defaultOptimizer('SGD', 0.001), PLAIN);
    const right = simulate(q, [-4, 1], defaultOptimizer('SGD', 0.3), PLAIN);
    const moved = (r: SimulationResult): number =>
      Math.hypot((r.xs[100] as number) + 4, (r.ys[100] as number) - 1);
    expect(moved(small)).toBeLessThanOrEqual(PRESET_FRACTION * moved(right));
    expect(scoreLr(q, [-4, 1], 'SGD', q.domain, 1)).toBe(Number.POSITIVE_INFINITY);
    // 0.5 = 2/L_y: y flips sign forever (|1 − 0.5·4| = 1) but stays in the window and f still halves.
    expect(scoreLr(q, [-4, 1], 'SGD', q.domain, 0.5)).toBeCloseTo(2, 6);
  });

  it('scoreLr is +∞ for a path that leaves the box, else the final f', () => {
    const q = FUNCTIONS_2D.ill_conditioned_quadratic;
    const narrow = { x: [-4, 4], y: [0, 2] } as const; // SGD 0.3 overshoots y below 0 at the first step
    expect(scoreLr(q, [-4, 1], 'SGD', narrow, 0.3)).toBe(Number.POSITIVE_INFINITY);
    expect(scoreLr(q, [-4, 1], 'SGD', q.domain, 0.3)).toBe(
      simulate(q, [-4, 1], defaultOptimizer('SGD', 0.3), PLAIN).fs[100],
    );
  });

  it('falls back sensibly when the start is outside the box', () => {
    const q = FUNCTIONS_2D.ill_conditioned_quadratic;
    const p = lrPresets(q, [40, 0], 'SGD', q.domain);
    expect(p.right).toBe(LR_GRID[0]);
    expect(p.tooSmall).toBeLessThan(p.right);
    expect(p.tooLarge).toBeGreaterThan(p.right);
  });
});

describeOracle('optim2d.json', 'lrPresets on the 98 fixture (function, optimizer, start) triples', () => {
  const cases = readOracle<{ cases: Optim2dCase[] }>('optim2d.json').cases;

  it("right's final f ≤ tooSmall's and ≤ tooLarge's; right equals the oracle's lr in 55 of 98", () => {
    let agree = 0;
    for (const c of cases) {
      const fn = FUNCTIONS_2D[c.function.name as Function2DName];
      const kind = KIND_OF[c.optimizer.name] as PlaygroundOptimizerKind;
      const p = lrPresets(fn, c.start, kind, fn.domain);
      expect(LR_GRID).toContain(p.right);
      expect(p.tooSmall).toBeLessThan(p.right);
      expect(p.tooLarge).toBeGreaterThan(p.right);
      const score = (lr: number): number => scoreLr(fn, c.start, kind, fn.domain, lr);
      const right = score(p.right);
      expect(Number.isFinite(right), c.name).toBe(true);
      expect(right, c.name).toBeLessThanOrEqual(score(p.tooSmall));
      expect(right, c.name).toBeLessThanOrEqual(score(p.tooLarge));
      if (p.right === c.lr) agree++;
    }
    // The oracle chose one lr per (function, optimizer) by the mean over both starts, inside
    // |x|, |y| ≤ box_half_width; we choose per start inside the (smaller) FUNCTIONS_2D window.
    console.info(`[lrPresets] right = oracle lr in ${agree}/98 cases`);
    expect(agree).toBe(55);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Critical points
// ---------------------------------------------------------------------------------------------------------

describe('findCriticalPoints', () => {
  it.each(FUNCTION_2D_NAMES)(
    '%s: finds exactly the listed minima, saddles and maxima, classified alike',
    (name) => {
      const fn = FUNCTIONS_2D[name];
      const known = [...fn.minima, ...fn.saddles, ...fn.maxima];
      const found = findCriticalPoints(fn, fn.domain);
      expect(found).toHaveLength(known.length);
      for (const k of known) {
        const hit = found.find((p) => Math.hypot(p.x - k.x, p.y - k.y) < 1e-9);
        expect(hit, `${name}: (${k.x}, ${k.y})`).toBeDefined();
        expect(hit?.kind).toBe(k.kind);
        expect(hit?.f).toBeCloseTo(k.f, 12);
      }
    },
  );

  it('works on parsed expressions (double well, egg crate) and sorts by x then y', () => {
    const well = findCriticalPoints(parse('x^4 - 2x^2 + y^2'), { x: [-2, 2], y: [-2, 2] });
    expect(well.map((p) => [p.x, p.y, p.kind])).toEqual([
      [-1, 0, 'minimum'],
      [0, 0, 'saddle'],
      [1, 0, 'minimum'],
    ]);
    const crate = findCriticalPoints(parse('sin(x)*cos(y)'), { x: [-2, 2], y: [-2, 2] });
    // In [−2, 2]²: (±π/2, 0) extrema and (0, ±π/2) saddles.
    expect(crate).toHaveLength(4);
    expect(crate.map((p) => p.kind)).toEqual(['minimum', 'saddle', 'saddle', 'maximum']);
    expect(crate[0]?.x).toBeCloseTo(-Math.PI / 2, 12);
    expect(crate[1]?.y).toBeCloseTo(-Math.PI / 2, 12);
  });

  it('degenerate points converge (linearly) and merge into one', () => {
    const quartic = findCriticalPoints(parse('(x^2 + y^2)^2'), { x: [-1, 1], y: [-1, 1] });
    expect(quartic).toHaveLength(1);
    expect(quartic[0]?.kind).toBe('degenerate');
    expect(Math.hypot(quartic[0]?.x ?? 1, quartic[0]?.y ?? 1)).toBeLessThan(1e-6);
  });

  it('finds nothing where there is nothing (a plane, or a point outside the box)', () => {
    expect(findCriticalPoints(parse('x + 2y'), { x: [-1, 1], y: [-1, 1] })).toEqual([]);
    expect(findCriticalPoints(parse('(x - 5)^2 + y^2'), { x: [-1, 1], y: [-1, 1] })).toEqual([]);
  });
});
