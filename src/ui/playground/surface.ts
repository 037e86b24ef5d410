/**
 * What the playground draws for a surface choice: the function with its derivatives, the plotting
 * window, the critical points (known ones for the fixture functions, found by Newton's method for a
 * typed expression), and the paths of every run. Pure functions of the set-up; memoised by callers.
 */
import { FUNCTIONS_2D, type CriticalPointKind } from '../../core/functions2d.ts';
import { parseExpression, type ExprError, type Surface2D } from '../../core/expr.ts';
import { findCriticalPoints, firstWithin, simulate, type SimulationResult } from '../../core/playground.ts';
import { BATCH_NOISE, type PlaygroundSetup, type SurfaceChoice } from '../../store/playgroundSlice.ts';

export type { Box } from '../../core/contours.ts';
import type { Box } from '../../core/contours.ts';

export interface Critical {
  x: number;
  y: number;
  f: number;
  kind: CriticalPointKind;
}

export interface ResolvedSurface {
  surface: Surface2D;
  box: Box;
  critical: Critical[];
  formula: string;
}

export type SurfaceOutcome = { ok: true; s: ResolvedSurface } | { ok: false; error: ExprError };

/** The surface of a choice (a typed expression may fail to parse: the error says where and why). */
export function resolveSurface(choice: SurfaceChoice): SurfaceOutcome {
  if (choice.kind === 'builtin') {
    const fn = FUNCTIONS_2D[choice.name];
    const critical = [...fn.minima, ...fn.saddles, ...fn.maxima].map((p) => ({
      x: p.x,
      y: p.y,
      f: p.f,
      kind: p.kind,
    }));
    return { ok: true, s: { surface: fn, box: fn.domain, critical, formula: fn.formula } };
  }
  const parsed = parseExpression(choice.source);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const h = choice.half;
  const box: Box = { x: [-h, h], y: [-h, h] };
  return {
    ok: true,
    s: {
      surface: parsed.expr,
      box,
      critical: findCriticalPoints(parsed.expr, box),
      formula: `f(x,y) = ${parsed.expr.text}`,
    },
  };
}

export interface RunOutcome {
  id: string;
  start: readonly [number, number];
  result: SimulationResult;
  /** First step within `tol` of a minimum (and which), or null. */
  reached: { step: number; x: number; y: number } | null;
  /** The critical point nearest to the path's end (if any is within 5 % of the window). */
  nearEnd: (Critical & { distance: number }) | null;
}

/** Distance counted as "at" a point: 1 % of the window's larger side. */
export function reachTolerance(box: Box): number {
  return 0.01 * Math.max(box.x[1] - box.x[0], box.y[1] - box.y[0]);
}

/** Every run's path (noise scaled by its batch kind) with where it got to. */
export function runAll(s: ResolvedSurface, setup: PlaygroundSetup): RunOutcome[] {
  const tol = reachTolerance(s.box);
  const minima = s.critical.filter((c) => c.kind === 'minimum');
  return setup.runs.map((r) => {
    const start = r.start ?? setup.start;
    const result = simulate(s.surface, start, r.opt, {
      ...setup.settings,
      noise: setup.settings.noise * BATCH_NOISE[r.batch],
    });
    let reached: RunOutcome['reached'] = null;
    for (const m of minima) {
      const step = firstWithin(result, [m.x, m.y], tol);
      if (step !== null && (reached === null || step < reached.step)) reached = { step, x: m.x, y: m.y };
    }
    const n = result.xs.length - 1;
    let nearEnd: RunOutcome['nearEnd'] = null;
    const ex = result.xs[n]!;
    const ey = result.ys[n]!;
    if (Number.isFinite(ex) && Number.isFinite(ey)) {
      for (const c of s.critical) {
        const distance = Math.hypot(ex - c.x, ey - c.y);
        if (distance <= 5 * tol && (nearEnd === null || distance < nearEnd.distance))
          nearEnd = { ...c, distance };
      }
    }
    return { id: r.id, start, result, reached, nearEnd };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------------------------

/** Viridis, 9 stops (matplotlib's), interpolated linearly in RGB. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The colour of u ∈ [0, 1] (clamped; NaN → transparent grey) as [r, g, b, a]. */
export function viridis(u: number): [number, number, number, number] {
  if (!Number.isFinite(u)) return [128, 128, 128, 0];
  const t = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const w = t - i;
  return [a[0] + w * (b[0] - a[0]), a[1] + w * (b[1] - a[1]), a[2] + w * (b[2] - a[2]), 255];
}

/**
 * The colour scale over [lo, hi]: linear, or logarithmic in (f − lo + s) with s = 1e-3·(hi − lo) (so the
 * minimum is finite and the deep valleys get most of the colours). `value(u)` inverts it (for the ticks).
 */
export interface ColourScale {
  lo: number;
  hi: number;
  log: boolean;
  u(f: number): number;
  value(u: number): number;
}

export function colourScale(lo: number, hi: number, log: boolean): ColourScale {
  const span = hi > lo ? hi - lo : 1;
  if (!log) return { lo, hi, log, u: (f) => (f - lo) / span, value: (u) => lo + u * span };
  const s = 1e-3 * span;
  const a = Math.log(s);
  const b = Math.log(span + s);
  return {
    lo,
    hi,
    log,
    u: (f) => (Math.log(Math.max(f - lo, 0) + s) - a) / (b - a),
    value: (u) => lo + Math.exp(a + u * (b - a)) - s,
  };
}
