/**
 * Contour plots of f(x, y): sampling on a regular grid, choosing contour levels, and marching-squares
 * isolines.
 *
 * Conventions: a {@link Grid2D} holds nx × ny samples at the nodes x_i = x0 + i·(x1 − x0)/(nx − 1),
 * i = 0..nx−1, and y_j = y0 + j·(y1 − y0)/(ny − 1), j = 0..ny−1, row-major: `values[j*nx + i]` =
 * f(x_i, y_j) (rows along x, the first row at y0). Isolines come back in world coordinates (the same x, y
 * units as the box), so a renderer only maps world → screen.
 */

/** Samples of f on a regular grid (see the module doc for the layout). */
export interface Grid2D {
  nx: number;
  ny: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** f(x_i, y_j) at index j*nx + i; may hold NaN/±Infinity where f is undefined. */
  values: Float64Array;
  /** Smallest finite sample (NaN when no sample is finite). */
  min: number;
  /** Largest finite sample (NaN when no sample is finite). */
  max: number;
}

/** An axis-aligned window. */
export interface Box {
  x: readonly [number, number];
  y: readonly [number, number];
}

/**
 * Evaluates f at the nx × ny grid nodes spanning `box` (corners included). f may return non-finite values;
 * they are stored as they are and ignored by `min`/`max`. Throws a RangeError, in words, for nx or ny not a
 * whole number ≥ 2 (or above 4096) and for a box that is not finite with x0 < x1 and y0 < y1.
 */
export function sampleGrid(f: (x: number, y: number) => number, box: Box, nx: number, ny: number): Grid2D {
  for (const [name, n] of [
    ['nx', nx],
    ['ny', ny],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 2 || n > 4096) {
      throw new RangeError(
        `The grid needs a whole number of samples from 2 to 4096 along each axis; ${name} = ${n}.`,
      );
    }
  }
  const [x0, x1] = box.x;
  const [y0, y1] = box.y;
  if (!(
    Number.isFinite(x0) &&
    Number.isFinite(x1) &&
    x0 < x1 &&
    Number.isFinite(y0) &&
    Number.isFinite(y1) &&
    y0 < y1
  )) {
    throw new RangeError(
      `The window must be finite with left < right and bottom < top; got x ∈ [${x0}, ${x1}], y ∈ [${y0}, ${y1}].`,
    );
  }
  const values = new Float64Array(nx * ny);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < ny; j++) {
    const y = node(y0, y1, j, ny);
    for (let i = 0; i < nx; i++) {
      const x = node(x0, x1, i, nx);
      const v = f(x, y);
      values[j * nx + i] = v;
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (min > max) {
    min = Number.NaN;
    max = Number.NaN;
  }
  return { nx, ny, x0, x1, y0, y1, values, min, max };
}

/** The node coordinate a + (b − a)·k/(n − 1), exactly b at k = n − 1 (shared by sampling and isolines). */
function node(a: number, b: number, k: number, n: number): number {
  return k === n - 1 ? b : a + ((b - a) * k) / (n - 1);
}

/** Relative offset δ/(max − min) of the log scale: its first level lies δ above the minimum. */
export const LOG_LEVEL_OFFSET = 1e-5;

/**
 * `count` contour levels strictly between the grid's finite min and max, increasing:
 *
 * - 'linear': min + (max − min)·k/(count + 1), k = 1..count (evenly spaced, the extremes excluded);
 * - 'log': min + δ·(span/δ)^(k/count), k = 0..count−1, with span = max − min and δ = 1e-5·span —
 *   geometric spacing of f − min from δ up to span·(1e-5)^(1/count), dense near the minimum, for surfaces
 *   whose values span decades (Rosenbrock: the valley floor and the walls both get lines).
 *
 * Returns [] when count < 1 or when the grid has no finite spread (all samples equal or non-finite).
 * Throws a RangeError for a count that is not a whole number.
 */
export function contourLevels(grid: Grid2D, count: number, scale: 'linear' | 'log'): number[] {
  if (!Number.isSafeInteger(count))
    throw new RangeError(`The number of contour levels must be a whole number, got ${count}.`);
  const { min, max } = grid;
  const span = max - min;
  if (count < 1 || !(span > 0) || !Number.isFinite(span)) return [];
  const levels: number[] = [];
  if (scale === 'linear') {
    for (let k = 1; k <= count; k++) levels.push(min + (span * k) / (count + 1));
  } else {
    const delta = LOG_LEVEL_OFFSET * span;
    const ratio = span / delta;
    for (let k = 0; k < count; k++) levels.push(min + delta * ratio ** (k / count));
  }
  return levels;
}

/**
 * The isoline f = `level` by marching squares, as line segments in world coordinates, flat:
 * [xa, ya, xb, yb, xa′, ya′, …] (4 numbers per segment; segments are not joined into polylines).
 *
 * Each grid cell (i, j)–(i+1, j+1) whose four corner values are all finite is classified by which corners
 * are above the level (v > level); on every cell edge whose two corners differ, the crossing point is
 * linearly interpolated, t = (level − v_a)/(v_b − v_a) ∈ [0, 1]. A cell with two crossings yields one
 * segment; a saddle cell (diagonally opposite corners above, four crossings) yields two, joined so that
 * the centre value (the mean of the four corners) decides which corners connect: if it is above the
 * level, the two above-corners are joined through the middle and the segments cut off the two below-
 * corners, otherwise the reverse. Cells with a non-finite corner are skipped, so undefined regions leave
 * gaps rather than spurious lines. Adjacent cells compute a shared edge's crossing identically, so the
 * segments of one contour meet exactly end to end.
 */
export function isolines(grid: Grid2D, level: number): Float64Array {
  const { nx, ny, x0, x1, y0, y1, values } = grid;
  const out: number[] = [];
  if (!Number.isFinite(level)) return new Float64Array(0);
  const X = (i: number): number => node(x0, x1, i, nx);
  const Y = (j: number): number => node(y0, y1, j, ny);
  // Crossing on the edge from corner a (value va, at (xa, ya)) to corner b; one coordinate is shared.
  const lerp = (va: number, vb: number, a: number, b: number): number =>
    a + ((level - va) / (vb - va)) * (b - a);
  const pts: number[] = new Array<number>(8);
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const v00 = values[j * nx + i] as number; // (x_i, y_j)
      const v10 = values[j * nx + i + 1] as number; // (x_{i+1}, y_j)
      const v11 = values[(j + 1) * nx + i + 1] as number; // (x_{i+1}, y_{j+1})
      const v01 = values[(j + 1) * nx + i] as number; // (x_i, y_{j+1})
      if (!(Number.isFinite(v00) && Number.isFinite(v10) && Number.isFinite(v11) && Number.isFinite(v01)))
        continue;
      const b0 = v00 > level;
      const b1 = v10 > level;
      const b2 = v11 > level;
      const b3 = v01 > level;
      if (b0 === b1 && b1 === b2 && b2 === b3) continue;
      const xa = X(i);
      const xb = X(i + 1);
      const ya = Y(j);
      const yb = Y(j + 1);
      // Crossings on the four edges, in the order bottom, right, top, left; lerp always runs from the
      // lower-index corner so that neighbouring cells compute bit-identical points.
      let n = 0;
      const edge = [false, false, false, false];
      if (b0 !== b1) {
        edge[0] = true;
        pts[0] = lerp(v00, v10, xa, xb);
        pts[1] = ya;
        n++;
      }
      if (b1 !== b2) {
        edge[1] = true;
        pts[2] = xb;
        pts[3] = lerp(v10, v11, ya, yb);
        n++;
      }
      if (b3 !== b2) {
        edge[2] = true;
        pts[4] = lerp(v01, v11, xa, xb);
        pts[5] = yb;
        n++;
      }
      if (b0 !== b3) {
        edge[3] = true;
        pts[6] = xa;
        pts[7] = lerp(v00, v01, ya, yb);
        n++;
      }
      const seg = (e1: number, e2: number): void => {
        out.push(
          pts[2 * e1] as number,
          pts[2 * e1 + 1] as number,
          pts[2 * e2] as number,
          pts[2 * e2 + 1] as number,
        );
      };
      if (n === 2) {
        const [e1, e2] = [0, 1, 2, 3].filter((e) => edge[e]) as [number, number];
        seg(e1, e2);
        continue;
      }
      // Saddle: b0 = b2 ≠ b1 = b3. Corner k is cut off by the segment joining its two edges:
      // corner 0 (bottom-left): left–bottom; 1: bottom–right; 2: right–top; 3: top–left.
      const centreAbove = (v00 + v10 + v11 + v01) / 4 > level;
      // Cut off the corners on the other side of the centre: they are the ones not joined through it.
      if (b0 !== centreAbove) {
        seg(3, 0); // corner 0
        seg(1, 2); // corner 2
      } else {
        seg(0, 1); // corner 1
        seg(2, 3); // corner 3
      }
    }
  }
  return Float64Array.from(out);
}
