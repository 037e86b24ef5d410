import { describe, expect, it } from 'vitest';
import { LOG_LEVEL_OFFSET, contourLevels, isolines, sampleGrid, type Grid2D } from './contours.ts';
import { FUNCTIONS_2D } from './functions2d.ts';

/** The segments of a flat [x0, y0, x1, y1, …] array. */
function segments(s: Float64Array): [number, number, number, number][] {
  expect(s.length % 4).toBe(0);
  const out: [number, number, number, number][] = [];
  for (let k = 0; k < s.length; k += 4) {
    out.push([s[k] as number, s[k + 1] as number, s[k + 2] as number, s[k + 3] as number]);
  }
  return out;
}

/** A grid from explicit rows (rows[j][i] = value at x_i, y_j). */
function gridOf(rows: number[][], box = { x: [0, 1] as const, y: [0, 1] as const }): Grid2D {
  const ny = rows.length;
  const nx = (rows[0] as number[]).length;
  return sampleGrid(
    (x, y) => {
      const i = Math.round(((x - box.x[0]) / (box.x[1] - box.x[0])) * (nx - 1));
      const j = Math.round(((y - box.y[0]) / (box.y[1] - box.y[0])) * (ny - 1));
      return (rows[j] as number[])[i] as number;
    },
    box,
    nx,
    ny,
  );
}

describe('sampleGrid', () => {
  it('samples row-major (index j*nx + i), corners included, min/max over finite values', () => {
    const g = sampleGrid((x, y) => x + 10 * y, { x: [0, 2], y: [-1, 1] }, 3, 5);
    expect(g).toMatchObject({ nx: 3, ny: 5, x0: 0, x1: 2, y0: -1, y1: 1 });
    expect(g.values).toHaveLength(15);
    expect(g.values[0]).toBe(-10); // (0, −1)
    expect(g.values[2]).toBe(-8); // (2, −1)
    expect(g.values[1 * 3 + 0]).toBe(-5); // (0, −0.5)
    expect(g.values[14]).toBe(12); // (2, 1)
    expect(g.min).toBe(-10);
    expect(g.max).toBe(12);
  });

  it('hits the far edges exactly, even where (x1 − x0)/(n − 1) is inexact', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    sampleGrid(
      (x, y) => {
        xs.push(x);
        ys.push(y);
        return 0;
      },
      { x: [-0.1, 0.7], y: [0.3, 2.9] },
      7,
      3,
    );
    expect(Math.max(...xs)).toBe(0.7);
    expect(Math.min(...xs)).toBe(-0.1);
    expect(Math.max(...ys)).toBe(2.9);
  });

  it('keeps non-finite samples but ignores them for min/max; all non-finite gives NaN', () => {
    const g = sampleGrid(
      (x) => (x < 0 ? Number.NaN : x === 1 ? Number.POSITIVE_INFINITY : x),
      { x: [-1, 1], y: [0, 1] },
      5,
      2,
    );
    expect(Number.isNaN(g.values[0])).toBe(true);
    expect(g.values[4]).toBe(Number.POSITIVE_INFINITY);
    expect(g.min).toBe(0);
    expect(g.max).toBe(0.5);
    const none = sampleGrid(() => Number.NaN, { x: [0, 1], y: [0, 1] }, 2, 2);
    expect(none.min).toBeNaN();
    expect(none.max).toBeNaN();
  });

  it('refuses bad sizes and boxes with a message', () => {
    const f = (): number => 0;
    expect(() => sampleGrid(f, { x: [0, 1], y: [0, 1] }, 1, 5)).toThrow(/nx = 1/);
    expect(() => sampleGrid(f, { x: [0, 1], y: [0, 1] }, 5, 2.5)).toThrow(/ny = 2.5/);
    expect(() => sampleGrid(f, { x: [1, 0], y: [0, 1] }, 5, 5)).toThrow(/left < right/);
    expect(() => sampleGrid(f, { x: [0, 1], y: [0, Number.NaN] }, 5, 5)).toThrow(/finite/);
  });
});

describe('contourLevels', () => {
  const g = sampleGrid((x, y) => x * x + y * y, { x: [-2, 2], y: [-2, 2] }, 41, 41);

  it('linear: evenly spaced strictly inside (min, max)', () => {
    const levels = contourLevels(g, 7, 'linear');
    expect(levels).toHaveLength(7);
    expect(levels[0]).toBeCloseTo(1, 12); // min 0, max 8: 8·1/8
    expect(levels[6]).toBeCloseTo(7, 12);
    for (let k = 1; k < levels.length; k++) {
      expect((levels[k] as number) - (levels[k - 1] as number)).toBeCloseTo(1, 12);
    }
  });

  it('log: geometric in f − min, from δ = 1e-5·span, increasing', () => {
    const rosen = FUNCTIONS_2D.rosenbrock;
    const r = sampleGrid((x, y) => rosen.f(x, y), rosen.domain, 101, 101);
    const levels = contourLevels(r, 20, 'log');
    expect(levels).toHaveLength(20);
    const span = r.max - r.min;
    expect((levels[0] as number) - r.min).toBeCloseTo(LOG_LEVEL_OFFSET * span, 9);
    const ratio = ((levels[1] as number) - r.min) / ((levels[0] as number) - r.min);
    expect(ratio).toBeCloseTo((1 / LOG_LEVEL_OFFSET) ** (1 / 20), 9);
    for (let k = 1; k < levels.length; k++) {
      expect(levels[k]).toBeGreaterThan(levels[k - 1] as number);
      const q = ((levels[k] as number) - r.min) / ((levels[k - 1] as number) - r.min);
      expect(q).toBeCloseTo(ratio, 9);
    }
    expect(levels[19]).toBeLessThan(r.max);
    // Dense near the valley floor: at least half the levels are below 1% of the span.
    expect(levels.filter((l) => l - r.min < 0.01 * span).length).toBeGreaterThanOrEqual(10);
  });

  it('is empty for count < 1 or a flat / non-finite grid', () => {
    expect(contourLevels(g, 0, 'linear')).toEqual([]);
    expect(
      contourLevels(
        sampleGrid(() => 3, { x: [0, 1], y: [0, 1] }, 3, 3),
        5,
        'log',
      ),
    ).toEqual([]);
    expect(
      contourLevels(
        sampleGrid(() => Number.NaN, { x: [0, 1], y: [0, 1] }, 3, 3),
        5,
        'linear',
      ),
    ).toEqual([]);
    expect(() => contourLevels(g, 2.5, 'linear')).toThrow(/whole number/);
  });
});

describe('isolines', () => {
  it('x² + y² = r²: every endpoint lies on the circle (max radial error ≪ grid step)', () => {
    const n = 81;
    const g = sampleGrid((x, y) => x * x + y * y, { x: [-2, 2], y: [-2, 2] }, n, n);
    const h = 4 / (n - 1);
    for (const r of [0.5, 1, 1.5]) {
      const segs = segments(isolines(g, r * r));
      let worst = 0;
      for (const [ax, ay, bx, by] of segs) {
        worst = Math.max(worst, Math.abs(Math.hypot(ax, ay) - r), Math.abs(Math.hypot(bx, by) - r));
      }
      // Linear interpolation of a quadratic along an edge: error ≤ h²/(8r) (≈ 6e-4 for r = 0.5).
      expect(worst).toBeLessThan((h * h) / (8 * r) + 1e-12);
      // The number of crossed cells is about 8r/h (the circle's L1 length over the cell size).
      const expected = (8 * r) / h;
      expect(segs.length).toBeGreaterThan(0.9 * expected);
      expect(segs.length).toBeLessThan(1.1 * expected);
      // Total length ≈ 2πr.
      const total = segs.reduce((s, [ax, ay, bx, by]) => s + Math.hypot(bx - ax, by - ay), 0);
      expect(total).toBeGreaterThan(2 * Math.PI * r * 0.99);
      expect(total).toBeLessThan(2 * Math.PI * r * 1.001);
    }
  });

  it('the segments form one closed loop: every endpoint is shared by exactly two segments', () => {
    const g = sampleGrid((x, y) => x * x + 2 * y * y, { x: [-2, 2], y: [-2, 2] }, 33, 29);
    const segs = segments(isolines(g, 1.3));
    const count = new Map<string, number>();
    for (const [ax, ay, bx, by] of segs) {
      for (const key of [`${ax},${ay}`, `${bx},${by}`]) count.set(key, (count.get(key) ?? 0) + 1);
    }
    expect(count.size).toBe(segs.length); // a closed polygon has as many vertices as edges
    for (const c of count.values()) expect(c).toBe(2);
  });

  it('no segment when the level is outside the range or non-finite', () => {
    const g = sampleGrid((x, y) => x * x + y * y, { x: [-1, 1], y: [-1, 1] }, 11, 11);
    expect(isolines(g, -1)).toHaveLength(0);
    expect(isolines(g, 5)).toHaveLength(0);
    expect(isolines(g, Number.NaN)).toHaveLength(0);
  });

  it('one cell: interpolates the crossings linearly along the edges', () => {
    // Corners (0,0)=0, (1,0)=1, (1,1)=1, (0,1)=0: the level 0.25 is the vertical line x = 0.25.
    const g = gridOf([
      [0, 1],
      [0, 1],
    ]);
    expect(Array.from(isolines(g, 0.25))).toEqual([0.25, 0, 0.25, 1]);
  });

  it('saddle cells are disambiguated by the centre value', () => {
    // Corners: (0,0) and (1,1) high, (1,0) and (0,1) low.
    const high = gridOf([
      [1, 0],
      [0, 1],
    ]);
    // Centre 0.5 > 0.4: the high corners connect through the middle; the low corners (1,0) and (0,1) are cut off.
    const a = segments(isolines(high, 0.4));
    expect(a).toHaveLength(2);
    const cutsCorner = (s: [number, number, number, number], cx: number, cy: number): boolean =>
      Math.hypot(s[0] - cx, s[1] - cy) < 0.7 && Math.hypot(s[2] - cx, s[3] - cy) < 0.7;
    expect(a.some((s) => cutsCorner(s, 1, 0))).toBe(true);
    expect(a.some((s) => cutsCorner(s, 0, 1))).toBe(true);
    // Centre 0.5 < 0.6: the high corners (0,0) and (1,1) are isolated instead.
    const b = segments(isolines(high, 0.6));
    expect(b).toHaveLength(2);
    expect(b.some((s) => cutsCorner(s, 0, 0))).toBe(true);
    expect(b.some((s) => cutsCorner(s, 1, 1))).toBe(true);
    // The mirrored saddle (high corners (1,0) and (0,1)).
    const mirrored = gridOf([
      [0, 1],
      [1, 0],
    ]);
    const c = segments(isolines(mirrored, 0.4));
    expect(c.some((s) => cutsCorner(s, 0, 0))).toBe(true);
    expect(c.some((s) => cutsCorner(s, 1, 1))).toBe(true);
    const d = segments(isolines(mirrored, 0.6));
    expect(d.some((s) => cutsCorner(s, 1, 0))).toBe(true);
    expect(d.some((s) => cutsCorner(s, 0, 1))).toBe(true);
  });

  it('x² − y² at level 0 on a grid through the origin: the diagonals, with no gaps', () => {
    const g = sampleGrid((x, y) => x * x - y * y, { x: [-1, 1], y: [-1, 1] }, 20, 20);
    const segs = segments(isolines(g, 0.001));
    for (const [ax, ay, bx, by] of segs) {
      expect(Math.abs(Math.abs(ax) - Math.abs(ay))).toBeLessThan(0.06);
      expect(Math.abs(Math.abs(bx) - Math.abs(by))).toBeLessThan(0.06);
    }
    expect(segs.length).toBeGreaterThan(30);
  });

  it('skips cells with a non-finite corner: log(x) on x ∈ [−1, 1] draws only where x > 0', () => {
    const n = 41;
    const g = sampleGrid((x, y) => Math.log(x) + y * y, { x: [-1, 1], y: [-1, 1] }, n, n);
    expect(g.values.some((v) => Number.isNaN(v))).toBe(true);
    const segs = segments(isolines(g, -0.5));
    expect(segs.length).toBeGreaterThan(10);
    const h = 2 / (n - 1);
    for (const [ax, , bx] of segs) {
      // Cells touching x ≤ 0 (NaN or −∞) are skipped: every point is at least one cell right of 0.
      expect(ax).toBeGreaterThanOrEqual(h - 1e-12);
      expect(bx).toBeGreaterThanOrEqual(h - 1e-12);
    }
    for (const v of isolines(g, -0.5)) expect(Number.isFinite(v)).toBe(true);
  });
});
