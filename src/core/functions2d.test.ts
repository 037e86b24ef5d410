import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, readOracle } from '../../test/oracle.ts';
import {
  FUNCTIONS_2D,
  FUNCTION_2D_NAMES,
  classifyCriticalPoint,
  hessianEigen,
  type Function2D,
  type Function2DName,
  type Matrix2,
} from './functions2d.ts';
import { createRng, uniformArray } from './rng.ts';

interface Optim2dCase {
  name: string;
  function: { name: string; formula: string; js: string; grad_js: string };
  path: Array<[number, number]>;
  f: number[];
  grad: Array<[number, number]>;
}
interface Optim2dFile {
  cases: Optim2dCase[];
}

/** Sample points: an 11×11 grid over the domain plus 200 seeded uniform points in it. */
function samplePoints(fn: Function2D): Array<[number, number]> {
  const [x0, x1] = fn.domain.x;
  const [y0, y1] = fn.domain.y;
  const pts: Array<[number, number]> = [];
  for (let i = 0; i <= 10; i++) {
    for (let j = 0; j <= 10; j++) pts.push([x0 + ((x1 - x0) * i) / 10, y0 + ((y1 - y0) * j) / 10]);
  }
  const [u] = uniformArray(createRng(`points-${fn.name}`), 400);
  for (let k = 0; k < 200; k++) {
    pts.push([x0 + (x1 - x0) * (u[2 * k] as number), y0 + (y1 - y0) * (u[2 * k + 1] as number)]);
  }
  return pts;
}

/**
 * Central differences of the analytic gradient: H_ij ≈ (g_i(p + h e_j) − g_i(p − h e_j)) / 2h with
 * h = 1e-5·max(1, |p_j|). Truncation error ≈ h²/6·|∂³g| and rounding error ≈ ε|g|/h.
 */
function fdHessian(fn: Function2D, x: number, y: number): Matrix2 {
  const hx = 1e-5 * Math.max(1, Math.abs(x));
  const hy = 1e-5 * Math.max(1, Math.abs(y));
  const gxp = fn.grad(x + hx, y);
  const gxm = fn.grad(x - hx, y);
  const gyp = fn.grad(x, y + hy);
  const gym = fn.grad(x, y - hy);
  return [
    [(gxp[0] - gxm[0]) / (2 * hx), (gyp[0] - gym[0]) / (2 * hy)],
    [(gxp[1] - gxm[1]) / (2 * hx), (gyp[1] - gym[1]) / (2 * hy)],
  ];
}

describeOracle('optim2d.json', 'functions2d vs fixture definitions', () => {
  const file = readOracle<Optim2dFile>('optim2d.json');
  const byName = new Map<string, Optim2dCase[]>();
  for (const c of file.cases) byName.set(c.function.name, [...(byName.get(c.function.name) ?? []), c]);

  it('the registry holds exactly the fixture functions, with the fixture formulas', () => {
    expect([...byName.keys()].sort()).toEqual([...FUNCTION_2D_NAMES].sort());
    expect(Object.keys(FUNCTIONS_2D).sort()).toEqual([...FUNCTION_2D_NAMES].sort());
    for (const [name, cases] of byName) {
      const fn = FUNCTIONS_2D[name as Function2DName];
      expect(fn.name).toBe(name);
      expect(fn.formula).toBe(cases[0]?.function.formula);
    }
  });

  for (const name of FUNCTION_2D_NAMES) {
    describe(name, () => {
      const cases = byName.get(name) ?? [];
      const fn = FUNCTIONS_2D[name];
      const spec = cases[0]?.function;
      if (spec === undefined) throw new Error(`no fixture case for ${name}`);
      // Test-only evaluation of the fixture's JavaScript expressions (trusted local reference data).
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the fixture's `js`
      const fJs = new Function('x', 'y', `return ${spec.js};`) as (x: number, y: number) => number;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the fixture's `grad_js`
      const gJs = new Function('x', 'y', `return ${spec.grad_js};`) as (x: number, y: number) => number[];

      it('f and grad equal the fixture js / grad_js expressions at grid and random points (rel 1e-12)', () => {
        let worst = 0;
        for (const [x, y] of samplePoints(fn)) {
          const g = fn.grad(x, y);
          const ref = gJs(x, y);
          for (let i = 0; i < 2; i++) {
            const e = ref[i] as number;
            if (!closeRel(g[i] as number, e, 1e-12)) {
              throw new Error(`grad[${i}](${x}, ${y}) = ${g[i]}, grad_js ${e}`);
            }
            worst = Math.max(worst, Math.abs((g[i] as number) - e) / Math.max(Math.abs(e), 1e-300));
          }
          expect(closeRel(fn.f(x, y), fJs(x, y), 1e-12)).toBe(true);
        }
        expect(worst).toBeLessThanOrEqual(1e-12);
      });

      it('grad equals torch autograd grad[t] at every fixture path point (|Δ| ≤ 1e-9·max(1, |ref|))', () => {
        // Autograd evaluates the same derivative in another order, so the two differ by rounding. A purely
        // relative bound cannot work where the gradient is a cancellation residue (near a converged
        // minimum: two_minima's ∂f/∂x ≈ 1e-16 differs by 0.2 % relative, Beale's by 2e-7), hence the
        // max(1, |ref|) floor — the same form as the README's path tolerance. Observed worst: 1.6e-15.
        let worst = 0;
        for (const c of cases) {
          c.path.forEach(([x, y], t) => {
            const g = fn.grad(x, y);
            const ref = c.grad[t] as [number, number];
            for (let i = 0; i < 2; i++) {
              const e = ref[i] as number;
              const d = Math.abs((g[i] as number) - e) / Math.max(Math.abs(e), 1);
              if (!(d <= 1e-9)) throw new Error(`${c.name} t=${t} grad[${i}] = ${g[i]}, autograd ${e}`);
              worst = Math.max(worst, d);
            }
          });
        }
        // Regression guard well above the observed 1.6e-15 (a formula slip would be ≫ 1e-13).
        expect(worst).toBeLessThan(1e-13);
      });

      it('f equals the fixture f[t] at every path point (|Δ| ≤ 1e-12·max(1, |ref|))', () => {
        for (const c of cases) {
          c.path.forEach(([x, y], t) => {
            const e = c.f[t] as number;
            const got = fn.f(x, y);
            if (!(Math.abs(got - e) <= 1e-12 * Math.max(1, Math.abs(e)))) {
              throw new Error(`${c.name} t=${t}: f = ${got}, fixture ${e}`);
            }
          });
        }
      });

      it('the plotting domain contains every fixture path point', () => {
        for (const c of cases) {
          for (const [x, y] of c.path) {
            expect(x).toBeGreaterThanOrEqual(fn.domain.x[0]);
            expect(x).toBeLessThanOrEqual(fn.domain.x[1]);
            expect(y).toBeGreaterThanOrEqual(fn.domain.y[0]);
            expect(y).toBeLessThanOrEqual(fn.domain.y[1]);
          }
        }
      });
    });
  }
});

describe('functions2d: Hessians', () => {
  for (const name of FUNCTION_2D_NAMES) {
    const fn = FUNCTIONS_2D[name];
    it(`${name}: symmetric and equal to central differences of the gradient (|Δ| ≤ 1e-6·max(1, max|H|))`, () => {
      // h = 1e-5: truncation h²/6·|g'''| ≲ 1e-10·(1e4 for the 0.1-wide Gaussian well) and rounding
      // ε·|g|/h ≲ 2e-11·|g|, both far below 1e-6 of the Hessian's scale on these domains.
      for (const [x, y] of samplePoints(fn)) {
        const H = fn.hessian(x, y);
        expect(H[0][1]).toBe(H[1][0]);
        const F = fdHessian(fn, x, y);
        const scale = Math.max(1, ...H.flat().map(Math.abs));
        for (let i = 0; i < 2; i++) {
          for (let j = 0; j < 2; j++) {
            const d = Math.abs((H[i]?.[j] as number) - (F[i]?.[j] as number));
            if (!(d <= 1e-6 * scale)) {
              throw new Error(`${name} H[${i}][${j}](${x}, ${y}) = ${H[i]?.[j]}, FD ${F[i]?.[j]}`);
            }
          }
        }
      }
    });
  }
});

describe('functions2d: known critical points', () => {
  for (const name of FUNCTION_2D_NAMES) {
    const fn = FUNCTIONS_2D[name];
    it(`${name}: listed points are critical (|∇f| ≤ 1e-12·max(1,|H|)), with the listed f and kind`, () => {
      const all = [...fn.minima, ...fn.saddles, ...fn.maxima];
      expect(all.length).toBeGreaterThan(0);
      for (const p of all) {
        const g = fn.grad(p.x, p.y);
        const H = fn.hessian(p.x, p.y);
        const scale = Math.max(1, ...H.flat().map(Math.abs));
        expect(Math.hypot(g[0], g[1])).toBeLessThanOrEqual(1e-12 * scale);
        expect(Math.abs(fn.f(p.x, p.y) - p.f)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(p.f)));
        expect(classifyCriticalPoint(H)).toBe(p.kind);
        expect(p.x >= fn.domain.x[0] && p.x <= fn.domain.x[1]).toBe(true);
        expect(p.y >= fn.domain.y[0] && p.y <= fn.domain.y[1]).toBe(true);
      }
      for (const p of fn.minima) expect(p.kind).toBe('minimum');
      for (const p of fn.maxima) expect(p.kind).toBe('maximum');
      // Global minima have the lowest f among the listed minima.
      const globals = fn.minima.filter((p) => p.global);
      const lowest = Math.min(...fn.minima.map((p) => p.f));
      for (const p of globals) expect(p.f).toBe(lowest);
    });
  }

  it('saddle x²−y²: origin is a saddle; monkey saddle origin is degenerate; Rosenbrock (1,1) a minimum', () => {
    expect(classifyCriticalPoint(FUNCTIONS_2D.saddle.hessian(0, 0))).toBe('saddle');
    expect(FUNCTIONS_2D.monkey_saddle.hessian(0, 0)).toEqual([
      [0, -0],
      [-0, -0],
    ]);
    expect(classifyCriticalPoint(FUNCTIONS_2D.monkey_saddle.hessian(0, 0))).toBe('degenerate');
    expect(FUNCTIONS_2D.rosenbrock.grad(1, 1).map(Math.abs)).toEqual([0, 0]);
    expect(FUNCTIONS_2D.rosenbrock.hessian(1, 1)).toEqual([
      [802, -400],
      [-400, 200],
    ]);
    expect(classifyCriticalPoint(FUNCTIONS_2D.rosenbrock.hessian(1, 1))).toBe('minimum');
    // Rosenbrock at (1,1): λ = 501 ± √(301² + 400²) = 501 ± 500.6006…, condition number ≈ 2508.
    const { values } = hessianEigen(FUNCTIONS_2D.rosenbrock.hessian(1, 1));
    expect(values[0]).toBeCloseTo(501 + Math.sqrt(301 ** 2 + 400 ** 2), 10);
    expect(values[1]).toBeCloseTo(501 - Math.sqrt(301 ** 2 + 400 ** 2), 10);
    expect(classifyCriticalPoint(FUNCTIONS_2D.himmelblau.hessian(3, 2))).toBe('minimum');
    expect(classifyCriticalPoint(FUNCTIONS_2D.beale.hessian(3, 0.5))).toBe('minimum');
    expect(classifyCriticalPoint(FUNCTIONS_2D.ill_conditioned_quadratic.hessian(0, 0))).toBe('minimum');
  });

  it('two_minima: sharp well curvature ≈ 100, flat well ≈ 2 (README), the sharp one is the global minimum', () => {
    const fn = FUNCTIONS_2D.two_minima;
    const [sharp, flat] = fn.minima as [(typeof fn.minima)[0], (typeof fn.minima)[0]];
    expect(sharp.x).toBeCloseTo(1, 2);
    expect(flat.x).toBeCloseTo(-1.43, 2);
    const hs = fn.hessian(sharp.x, sharp.y)[0][0];
    const hf = fn.hessian(flat.x, flat.y)[0][0];
    // Exact values 100.0374 and 2.0692 (the other well and the 0.05x² term shift them slightly).
    expect(Math.abs(hs - 100)).toBeLessThan(0.1);
    expect(Math.abs(hf - 2)).toBeLessThan(0.1);
    expect(sharp.f).toBeLessThan(flat.f);
    expect(sharp.global).toBe(true);
    expect(flat.global).toBe(false);
  });
});

describe('functions2d: hessianEigen', () => {
  function checkDecomposition(h: Matrix2): void {
    const { values, vectors } = hessianEigen(h);
    const norm = Math.max(Math.abs(h[0][0]), Math.abs(h[0][1]), Math.abs(h[1][1]));
    expect(values[0]).toBeGreaterThanOrEqual(values[1]);
    for (let k = 0; k < 2; k++) {
      const v = vectors[k] as [number, number];
      const lam = values[k] as number;
      expect(Math.abs(Math.hypot(v[0], v[1]) - 1)).toBeLessThan(4e-16);
      // Residual ‖Hv − λv‖ ≤ 8ε‖H‖ (backward stability).
      const r0 = h[0][0] * v[0] + h[0][1] * v[1] - lam * v[0];
      const r1 = h[1][0] * v[0] + h[1][1] * v[1] - lam * v[1];
      expect(Math.hypot(r0, r1)).toBeLessThanOrEqual(8 * Number.EPSILON * norm);
    }
    const [v0, v1] = vectors;
    expect(Math.abs(v0[0] * v1[0] + v0[1] * v1[1])).toBeLessThan(4e-16);
    // Invariants (on H/‖H‖ to avoid overflow): trace to 4ε‖H‖, determinant to 8ε‖H‖².
    const [a, b, c] = [h[0][0] / norm, h[0][1] / norm, h[1][1] / norm];
    const [l0, l1] = [values[0] / norm, values[1] / norm];
    expect(Math.abs(l0 + l1 - (a + c))).toBeLessThanOrEqual(4 * Number.EPSILON);
    expect(Math.abs(l0 * l1 - (a * c - b * b))).toBeLessThanOrEqual(8 * Number.EPSILON);
  }

  it('diagonal, isotropic and textbook matrices', () => {
    expect(
      hessianEigen([
        [2, 0],
        [0, -2],
      ]),
    ).toEqual({
      values: [2, -2],
      vectors: [
        [1, 0],
        [0, 1],
      ],
    });
    const iso = hessianEigen([
      [3, 0],
      [0, 3],
    ]);
    expect(iso.values).toEqual([3, 3]);
    const swapped = hessianEigen([
      [0.2, 0],
      [0, 4],
    ]);
    expect(swapped.values).toEqual([4, 0.2]);
    expect(swapped.vectors).toEqual([
      [0, 1],
      [-1, 0],
    ]);
    expect(
      hessianEigen([
        [0, 0],
        [0, 0],
      ]).values,
    ).toEqual([0, 0]);
    expect(
      hessianEigen([
        [Number.NaN, 0],
        [0, 1],
      ]).values.every(Number.isNaN),
    ).toBe(true);
    // [[2,1],[1,2]]: λ = 3 along (1,1)/√2, λ = 1 along (−1,1)/√2.
    const e = hessianEigen([
      [2, 1],
      [1, 2],
    ]);
    expect(e.values[0]).toBeCloseTo(3, 15);
    expect(e.values[1]).toBeCloseTo(1, 15);
    expect(e.vectors[0][0]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(e.vectors[0][1]).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it('residuals at round-off level on random, ill-conditioned and extreme-scale matrices', () => {
    let s = createRng('eigen');
    let u: number[];
    for (let k = 0; k < 500; k++) {
      [u, s] = uniformArray(s, 4);
      const scale = 10 ** (Math.floor((u[3] as number) * 40) - 20);
      const a = ((u[0] as number) * 2 - 1) * scale;
      const b = ((u[1] as number) * 2 - 1) * scale * (k % 3 === 0 ? 1e-9 : 1);
      const c = ((u[2] as number) * 2 - 1) * scale * (k % 5 === 0 ? 1e-8 : 1);
      checkDecomposition([
        [a, b],
        [b, c],
      ]);
    }
    checkDecomposition([
      [1e300, 1e300],
      [1e300, -1e300],
    ]);
    checkDecomposition([
      [1e-300, 3e-301],
      [3e-301, 2e-300],
    ]);
  });

  it('classifies by eigenvalue signs with a scale-relative tolerance', () => {
    expect(
      classifyCriticalPoint([
        [1, 0],
        [0, 1e-3],
      ]),
    ).toBe('minimum');
    expect(
      classifyCriticalPoint([
        [-1, 0.5],
        [0.5, -1],
      ]),
    ).toBe('maximum');
    expect(
      classifyCriticalPoint([
        [1, 2],
        [2, 1],
      ]),
    ).toBe('saddle');
    expect(
      classifyCriticalPoint([
        [1, 1],
        [1, 1],
      ]),
    ).toBe('degenerate'); // λ = 2, 0
    expect(
      classifyCriticalPoint([
        [1e6, 0],
        [0, 1e-5],
      ]),
    ).toBe('degenerate'); // 1e-5 < 1e-9·1e6
    expect(
      classifyCriticalPoint(
        [
          [1e6, 0],
          [0, 1e-5],
        ],
        1e-6,
      ),
    ).toBe('minimum');
  });
});
