/**
 * 3×3 matrices as row-major arrays of 9 numbers (lattices: rows are the lattice vectors).
 */

/** Determinant, by cofactor expansion along the first row. */
export function det3(m: ArrayLike<number>): number {
  const a = (k: number) => m[k] ?? NaN;
  return (
    a(0) * (a(4) * a(8) - a(5) * a(7)) -
    a(1) * (a(3) * a(8) - a(5) * a(6)) +
    a(2) * (a(3) * a(7) - a(4) * a(6))
  );
}

/**
 * Inverse by adjugate / determinant (each entry divided by det, not multiplied by 1/det, for one fewer
 * rounding). A singular matrix gives non-finite entries: callers that can meet one check `det3` first.
 */
export function inverse3(m: ArrayLike<number>): Float64Array {
  const a = (k: number) => m[k] ?? NaN;
  const c00 = a(4) * a(8) - a(5) * a(7);
  const c01 = -(a(3) * a(8) - a(5) * a(6));
  const c02 = a(3) * a(7) - a(4) * a(6);
  const det = a(0) * c00 + a(1) * c01 + a(2) * c02;
  return Float64Array.from([
    c00 / det,
    -(a(1) * a(8) - a(2) * a(7)) / det,
    (a(1) * a(5) - a(2) * a(4)) / det,
    c01 / det,
    (a(0) * a(8) - a(2) * a(6)) / det,
    -(a(0) * a(5) - a(2) * a(3)) / det,
    c02 / det,
    -(a(0) * a(7) - a(1) * a(6)) / det,
    (a(0) * a(4) - a(1) * a(3)) / det,
  ]);
}
