/**
 * Every playground lesson's "try this" changes its figure as the lesson says (the same paths the page
 * draws: resolveSurface + runAll). The e2e (e2e/lessons.spec.ts) checks the same through the page.
 */
import { describe, expect, it } from 'vitest';
import type { PlaygroundSetup } from '../../store/playgroundSlice.ts';
import { resolveSurface, runAll, type RunOutcome } from '../playground/surface.ts';
import { LESSON_FIGURES } from './setups.ts';
import type { LessonId } from './content.ts';

function outcomes(setup: PlaygroundSetup): RunOutcome[] {
  const s = resolveSurface(setup.surface);
  if (!s.ok) throw new Error(s.error.message);
  return runAll(s.s, setup);
}

function both(id: LessonId): { before: RunOutcome[]; after: RunOutcome[] } {
  const fig = LESSON_FIGURES[id];
  if (fig.kind !== 'playground') throw new Error(`${id} is not a playground lesson`);
  return { before: outcomes(fig.initial()), after: outcomes(fig.tryThis()) };
}

const end = (o: RunOutcome) => {
  const n = o.result.xs.length - 1;
  return { x: o.result.xs[n]!, y: o.result.ys[n]!, f: o.result.fs[n]! };
};

describe('lesson figures: "try this" does what the lesson says', () => {
  it('nonconvex: four starts on Himmelblau end in four different minima (f ≈ 0)', () => {
    const { before, after } = both('nonconvex');
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(4);
    const ends = after.map((o) => {
      expect(o.reached).not.toBeNull();
      expect(end(o).f).toBeLessThan(1e-6);
      return `${o.reached!.x.toFixed(2)},${o.reached!.y.toFixed(2)}`;
    });
    expect(new Set(ends).size).toBe(4);
  });

  it('saddles: plain GD stops at the saddle (y stays exactly 0); with noise the SGD path leaves it', () => {
    const { before, after } = both('saddles');
    // Without noise both runs are the same plain GD.
    for (const o of before) {
      expect(o.nearEnd?.kind).toBe('saddle');
      expect(end(o).y).toBe(0);
    }
    const [gd, noisy] = after;
    expect(gd!.nearEnd?.kind).toBe('saddle');
    expect(end(gd!).y).toBe(0);
    expect(Math.abs(end(noisy!).y)).toBeGreaterThan(3);
    expect(noisy!.nearEnd).toBeNull();
  });

  it('flat-sharp: lr 0.005 settles in the sharp well (x ≈ 1), lr 0.1 is thrown out into the flat one (x ≈ −1.4)', () => {
    const { after } = both('flat-sharp');
    expect(end(after[0]!).x).toBeCloseTo(1, 1);
    expect(end(after[1]!).x).toBeLessThan(-1.3);
    expect(end(after[1]!).x).toBeGreaterThan(-1.6);
  });

  it('gd-sgd: the noisier the gradient (smaller batch), the farther from the minimum after 100 steps', () => {
    const { after } = both('gd-sgd');
    const f = after.map((o) => end(o).f);
    expect(f[0]!).toBeLessThan(f[1]!);
    expect(f[1]!).toBeLessThan(f[2]!);
    // Full batch is the exact path: smooth, y exactly 0 after it converges along the steep axis.
    expect(Math.abs(end(after[0]!).y)).toBeLessThan(1e-6);
  });

  it('learning-rate: 0.01 barely moves, 0.3 reaches the minimum, 0.55 blows up', () => {
    const { after } = both('learning-rate');
    expect(after[0]!.reached).toBeNull();
    expect(end(after[0]!).x).toBeLessThan(-3);
    expect(after[1]!.reached).not.toBeNull();
    expect(after[2]!.result.diverged).not.toBeNull();
  });

  it('momentum: with momentum 0.9 the minimum is reached in fewer steps than plain SGD', () => {
    const { after } = both('momentum');
    const sgd = after[0]!.reached;
    const mom = after[1]!.reached;
    expect(sgd).not.toBeNull();
    expect(mom).not.toBeNull();
    expect(mom!.step).toBeLessThan(sgd!.step);
  });

  it('adaptive: Adagrad, RMSprop and Adam take a diagonal first step (≈ lr·sign(g)) and reach the minimum', () => {
    const { after } = both('adaptive');
    for (const o of after.slice(1)) {
      const dx = o.result.xs[1]! - o.result.xs[0]!;
      const dy = o.result.ys[1]! - o.result.ys[0]!;
      expect(Math.abs(Math.abs(dx) - Math.abs(dy))).toBeLessThan(1e-6);
      expect(o.reached).not.toBeNull();
    }
    // SGD's first step is mostly down the steep y wall.
    const s = after[0]!;
    expect(Math.abs(s.result.ys[1]! - s.result.ys[0]!)).toBeGreaterThan(
      4 * Math.abs(s.result.xs[1]! - s.result.xs[0]!),
    );
  });

  it('clipping: unclipped SGD blows up on Rosenbrock; clipped at 100 it stays finite and goes down', () => {
    const { before, after } = both('clipping');
    expect(before[0]!.result.diverged).not.toBeNull();
    expect(after[0]!.result.diverged).toBeNull();
    expect(after[0]!.result.clipped).toBeGreaterThan(0);
    expect(end(after[0]!).f).toBeLessThan(after[0]!.result.fs[0]!);
  });

  it('nan-defense: log of a negative x gives NaN at step 1; the guard refuses that step, halves lr and converges', () => {
    const { before, after } = both('nan-defense');
    expect(before[0]!.result.diverged).toBe(1);
    expect(after[0]!.result.diverged).toBeNull();
    expect(after[0]!.result.skipped).toEqual([0]);
    expect(end(after[0]!).x).toBeCloseTo(1, 6);
    expect(after[0]!.reached).not.toBeNull();
  });
});
