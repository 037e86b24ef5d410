import { describe, expect, it } from 'vitest';
import { describeOracle, readOracle } from '../../test/oracle.ts';
import {
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  parseExpression,
  type ExprErrorCode,
  type ParsedExpression,
} from './expr.ts';
import { FUNCTIONS_2D, type Function2DName, type Matrix2 } from './functions2d.ts';

/** Parses or fails the test with the parser's own message. */
function parse(source: string): ParsedExpression {
  const r = parseExpression(source);
  if (!r.ok) throw new Error(`parse of ${JSON.stringify(source)} failed: ${r.error.message}`);
  return r.expr;
}

/** |a − b| ≤ tol·max(1, |b|), NaN only equal to NaN. */
function expectClose(actual: number, expected: number, tol: number, label: string): void {
  if (Number.isNaN(expected)) {
    expect(actual, label).toBeNaN();
    return;
  }
  const d = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  if (!(d <= tol))
    throw new Error(`${label}: got ${actual}, expected ${expected} (scaled Δ ${d}, tol ${tol})`);
}

/** Closed-form f, ∇f, H of a test case. */
interface Closed {
  f: number;
  g: [number, number];
  h: Matrix2;
}

function expectSurface(
  e: ParsedExpression,
  x: number,
  y: number,
  ref: Closed,
  tol: number,
  label: string,
): void {
  expectClose(e.f(x, y), ref.f, tol, `${label} f(${x}, ${y})`);
  const g = e.grad(x, y);
  expectClose(g[0], ref.g[0], tol, `${label} fx(${x}, ${y})`);
  expectClose(g[1], ref.g[1], tol, `${label} fy(${x}, ${y})`);
  const h = e.hessian(x, y);
  expectClose(h[0][0], ref.h[0][0], tol, `${label} fxx(${x}, ${y})`);
  expectClose(h[0][1], ref.h[0][1], tol, `${label} fxy(${x}, ${y})`);
  expectClose(h[1][0], ref.h[1][0], tol, `${label} fyx(${x}, ${y})`);
  expectClose(h[1][1], ref.h[1][1], tol, `${label} fyy(${x}, ${y})`);
}

/** A deterministic spread of points in a box (golden-ratio / √2 low-discrepancy sequence). */
function points(
  box: { x: readonly [number, number]; y: readonly [number, number] },
  n: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const u = (k * 0.6180339887498949 + 0.1) % 1;
    const v = (k * 0.4142135623730951 + 0.3) % 1;
    out.push([box.x[0] + u * (box.x[1] - box.x[0]), box.y[0] + v * (box.y[1] - box.y[0])]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The fixture functions
// ---------------------------------------------------------------------------------------------------------

interface Optim2dFunction {
  name: string;
  js: string;
}

describeOracle('optim2d.json', "parseExpression on the fixture functions' function.js", () => {
  const cases = readOracle<{ cases: { function: Optim2dFunction }[] }>('optim2d.json').cases;
  const byName = new Map<string, string>();
  for (const c of cases) byName.set(c.function.name, c.function.js);

  it('the fixture has exactly the 7 FUNCTIONS_2D functions, each with one js string', () => {
    expect([...byName.keys()].sort()).toEqual(Object.keys(FUNCTIONS_2D).sort());
    for (const c of cases) expect(c.function.js).toBe(byName.get(c.function.name));
  });

  describe.each([...byName.entries()])('%s', (name, js) => {
    const fn = FUNCTIONS_2D[name as Function2DName];

    it('parses (JavaScript spelling: ** and Math.exp) and re-prints canonically', () => {
      const e = parse(js);
      expect(e.source).toBe(js);
      expect(e.text).not.toContain('Math.');
      expect(e.text).not.toContain('**');
      expect(parse(e.text).text).toBe(e.text);
    });

    it('f is bit-identical and grad/hessian agree with FUNCTIONS_2D (1e-12·max(1, |ref|)) at 400 points', () => {
      const e = parse(js);
      const pts = points(fn.domain, 400);
      for (const q of [...fn.minima, ...fn.saddles, ...fn.maxima]) pts.push([q.x, q.y]);
      let worst = 0;
      for (const [x, y] of pts) {
        // Same operations in the same order as the fixture's js, hence exactly the same value.
        expect(e.f(x, y)).toBe(fn.f(x, y));
        const g = e.grad(x, y);
        const G = fn.grad(x, y);
        const h = e.hessian(x, y);
        const H = fn.hessian(x, y);
        const pairs: [number, number][] = [
          [g[0], G[0]],
          [g[1], G[1]],
          [h[0][0], H[0][0]],
          [h[0][1], H[0][1]],
          [h[1][0], H[1][0]],
          [h[1][1], H[1][1]],
        ];
        for (const [a, b] of pairs) worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
      // Observed ≤ 3.7e-15 (the analytic forms group terms differently).
      expect(worst).toBeLessThanOrEqual(1e-12);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Derivatives against closed forms
// ---------------------------------------------------------------------------------------------------------

describe('parseExpression: value, gradient and Hessian against closed forms', () => {
  const PTS: [number, number][] = [
    [0.3, -1.2],
    [-1.7, 0.4],
    [2.1, 1.3],
    [-0.45, -0.8],
    [1, 2],
  ];

  const cases: { src: string; ref: (x: number, y: number) => Closed; pts?: [number, number][] }[] = [
    {
      src: 'sin(x)*y^3',
      ref: (x, y) => ({
        f: Math.sin(x) * y ** 3,
        g: [Math.cos(x) * y ** 3, 3 * Math.sin(x) * y ** 2],
        h: [
          [-Math.sin(x) * y ** 3, 3 * Math.cos(x) * y ** 2],
          [3 * Math.cos(x) * y ** 2, 6 * Math.sin(x) * y],
        ],
      }),
    },
    {
      src: 'exp(-x^2-y^2)',
      ref: (x, y) => {
        const e = Math.exp(-x * x - y * y);
        return {
          f: e,
          g: [-2 * x * e, -2 * y * e],
          h: [
            [(4 * x * x - 2) * e, 4 * x * y * e],
            [4 * x * y * e, (4 * y * y - 2) * e],
          ],
        };
      },
    },
    {
      // Variable exponent (x > 0): f = x^y, f_x = y·x^(y−1), f_y = x^y·ln x, f_xx = y(y−1)x^(y−2),
      // f_xy = x^(y−1)(1 + y ln x), f_yy = x^y (ln x)².
      src: 'x^y',
      ref: (x, y) => {
        const L = Math.log(x);
        return {
          f: x ** y,
          g: [y * x ** (y - 1), x ** y * L],
          h: [
            [y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * L)],
            [x ** (y - 1) * (1 + y * L), x ** y * L * L],
          ],
        };
      },
      pts: [
        [0.3, -1.2],
        [2.1, 1.3],
        [1.5, 0.5],
        [0.7, 2.5],
      ],
    },
    {
      src: 'log(x^2 + y^2)',
      ref: (x, y) => {
        const r = x * x + y * y;
        return {
          f: Math.log(r),
          g: [(2 * x) / r, (2 * y) / r],
          h: [
            [(2 * (y * y - x * x)) / (r * r), (-4 * x * y) / (r * r)],
            [(-4 * x * y) / (r * r), (2 * (x * x - y * y)) / (r * r)],
          ],
        };
      },
    },
    {
      src: 'sqrt(x^2 + y^2)',
      ref: (x, y) => {
        const r = Math.hypot(x, y);
        const r3 = r * r * r;
        return {
          f: r,
          g: [x / r, y / r],
          h: [
            [(y * y) / r3, (-x * y) / r3],
            [(-x * y) / r3, (x * x) / r3],
          ],
        };
      },
    },
    {
      src: 'x / y',
      ref: (x, y) => ({
        f: x / y,
        g: [1 / y, -x / (y * y)],
        h: [
          [0, -1 / (y * y)],
          [-1 / (y * y), (2 * x) / (y * y * y)],
        ],
      }),
    },
    {
      src: 'atan2(y, x)',
      ref: (x, y) => {
        const r = x * x + y * y;
        return {
          f: Math.atan2(y, x),
          g: [-y / r, x / r],
          h: [
            [(2 * x * y) / (r * r), (y * y - x * x) / (r * r)],
            [(y * y - x * x) / (r * r), (-2 * x * y) / (r * r)],
          ],
        };
      },
    },
    {
      src: 'pow(x, 3) * cos(y)',
      ref: (x, y) => ({
        f: x ** 3 * Math.cos(y),
        g: [3 * x * x * Math.cos(y), -(x ** 3) * Math.sin(y)],
        h: [
          [6 * x * Math.cos(y), -3 * x * x * Math.sin(y)],
          [-3 * x * x * Math.sin(y), -(x ** 3) * Math.cos(y)],
        ],
      }),
    },
    {
      // Implicit products: 3x^2y = 3·x²·y (a number before a name), 2x*y = 2·x·y.
      src: '3x^2y - 2x*y + e^x',
      ref: (x, y) => ({
        f: 3 * x * x * y - 2 * x * y + Math.exp(x),
        g: [6 * x * y - 2 * y + Math.exp(x), 3 * x * x - 2 * x],
        h: [
          [6 * y + Math.exp(x), 6 * x - 2],
          [6 * x - 2, 0],
        ],
      }),
    },
  ];

  for (const c of cases) {
    it(`${c.src}`, () => {
      const e = parse(c.src);
      for (const [x, y] of c.pts ?? PTS) expectSurface(e, x, y, c.ref(x, y), 1e-13, c.src);
    });
  }

  /** g, g′, g″ of each one-argument function, written independently of the implementation. */
  const UNARY: Record<string, [(u: number) => number, (u: number) => number, (u: number) => number]> = {
    sin: [Math.sin, Math.cos, (u) => -Math.sin(u)],
    cos: [Math.cos, (u) => -Math.sin(u), (u) => -Math.cos(u)],
    tan: [Math.tan, (u) => 1 / Math.cos(u) ** 2, (u) => (2 * Math.sin(u)) / Math.cos(u) ** 3],
    exp: [Math.exp, Math.exp, Math.exp],
    log: [Math.log, (u) => 1 / u, (u) => -1 / (u * u)],
    ln: [Math.log, (u) => 1 / u, (u) => -1 / (u * u)],
    sqrt: [Math.sqrt, (u) => 0.5 / Math.sqrt(u), (u) => -0.25 * u ** -1.5],
    abs: [Math.abs, Math.sign, () => 0],
    tanh: [Math.tanh, (u) => 1 / Math.cosh(u) ** 2, (u) => (-2 * Math.sinh(u)) / Math.cosh(u) ** 3],
    sinh: [Math.sinh, Math.cosh, Math.sinh],
    cosh: [Math.cosh, Math.sinh, Math.cosh],
    atan: [Math.atan, (u) => 1 / (1 + u * u), (u) => (-2 * u) / (1 + u * u) ** 2],
  };

  it.each(Object.keys(UNARY))(
    '%s(u) with u = x·y + 0.5x + 2 by the chain rule and by finite differences',
    (name) => {
      const [g, g1, g2] = UNARY[name] as [
        (u: number) => number,
        (u: number) => number,
        (u: number) => number,
      ];
      const e = parse(`${name}(x*y + 0.5*x + 2)`);
      // u_x = y + 0.5, u_y = x, u_xx = 0, u_xy = 1, u_yy = 0.
      const pts: [number, number][] = [
        [0.3, -0.2],
        [-0.7, 0.4],
        [0.9, 0.6],
        [0.2, 1.1],
      ];
      for (const [x, y] of pts) {
        const u = x * y + 0.5 * x + 2;
        const ux = y + 0.5;
        const uy = x;
        const ref: Closed = {
          f: g(u),
          g: [g1(u) * ux, g1(u) * uy],
          h: [
            [g2(u) * ux * ux, g2(u) * ux * uy + g1(u)],
            [g2(u) * ux * uy + g1(u), g2(u) * uy * uy],
          ],
        };
        expectSurface(e, x, y, ref, 1e-12, name);
        // Independent check of the gradient: central differences of the value closure.
        const d = 1e-6;
        expectClose(e.grad(x, y)[0], (e.f(x + d, y) - e.f(x - d, y)) / (2 * d), 1e-7, `${name} FD fx`);
        expectClose(e.grad(x, y)[1], (e.f(x, y + d) - e.f(x, y - d)) / (2 * d), 1e-7, `${name} FD fy`);
        // ... and of the Hessian: central differences of the gradient.
        const hx = e.grad(x + d, y);
        const hx2 = e.grad(x - d, y);
        const h = e.hessian(x, y);
        expectClose(h[0][0], (hx[0] - hx2[0]) / (2 * d), 1e-6, `${name} FD fxx`);
        expectClose(h[0][1], (hx[1] - hx2[1]) / (2 * d), 1e-6, `${name} FD fxy`);
      }
    },
  );

  it('integer constant exponents work for negative bases (no exp(b·ln a))', () => {
    const x2 = parse('x^2');
    expect(x2.f(-3, 0)).toBe(9);
    expect(x2.grad(-3, 0)[0]).toBe(-6);
    expect(x2.grad(-3, 0)[1]).toBe(-0); // −6·∂y(x) = −6·0: IEEE's signed zero
    expect(x2.hessian(-3, 0)).toEqual([
      [2, 0],
      [0, 0],
    ]);
    const x3 = parse('x^3');
    expect(x3.f(-3, 0)).toBe(-27);
    expect(x3.grad(-3, 0)[0]).toBe(27);
    expect(x3.hessian(-3, 0)[0][0]).toBe(-18);
    const inv = parse('x^-1');
    expect(inv.f(-2, 0)).toBe(-0.5);
    expect(inv.grad(-2, 0)[0]).toBe(-0.25);
    expect(inv.hessian(-2, 0)[0][0]).toBe(-0.25);
    // Constant exponent expressions (no x or y) are constants too: (1+1) and -(3).
    expect(parse('(x - 1)^(1+1)').grad(-2, 0)[0]).toBe(-6);
    expect(parse('y^-(3)').hessian(0, -1)[1][1]).toBe(-12);
  });

  it('x^0 and x^1 have exact zero derivatives at x = 0 (no 0·∞ = NaN)', () => {
    const x0 = parse('x^0');
    expect(x0.f(0, 0)).toBe(1);
    expect(x0.grad(0, 0)).toEqual([0, 0]);
    expect(x0.hessian(0, 0)[0][0]).toBe(0);
    const x1 = parse('x^1');
    expect(x1.grad(0, 0)[0]).toBe(1);
    expect(x1.hessian(0, 0)[0][0]).toBe(0);
    expect(parse('x^2').hessian(0, 0)[0][0]).toBe(2);
  });

  it('min/max differentiate the argument they return; abs′(0) = 0', () => {
    const m = parse('min(x^2, y)');
    expect(m.f(2, 1)).toBe(1);
    expect(m.grad(2, 1)).toEqual([0, 1]);
    expect(m.f(0.5, 1)).toBe(0.25);
    expect(m.grad(0.5, 1)).toEqual([1, 0]);
    expect(m.hessian(0.5, 1)[0][0]).toBe(2);
    const M = parse('max(x, 2*y)');
    expect(M.grad(3, 1)).toEqual([1, 0]);
    expect(M.grad(1, 3)).toEqual([0, 2]);
    expect(parse('abs(x)').grad(0, 0)[0]).toBe(0);
    expect(parse('abs(x)').grad(-2, 0)[0]).toBe(-1);
  });

  it('never throws at evaluation: domain errors give NaN or ±Infinity', () => {
    const log = parse('log(x)');
    expect(log.f(-1, 0)).toBeNaN();
    expect(log.grad(-1, 0)[0]).toBe(-1); // 1/u is defined even where log is not
    expect(log.f(0, 0)).toBe(Number.NEGATIVE_INFINITY);
    const inv = parse('1/x');
    expect(inv.f(0, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(inv.grad(0, 0)[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(parse('sqrt(x)').grad(0, 0)[0]).toBe(Number.POSITIVE_INFINITY);
    expect(parse('x^(1/3)').f(-8, 0)).toBeNaN(); // Math.pow, as in JavaScript
    // Variable exponent at a negative base: the value is real, the derivatives are NaN (ln a).
    const xy = parse('x^y');
    expect(xy.f(-3, 2)).toBe(9);
    expect(xy.grad(-3, 2)[0]).toBeNaN();
    const sq = parse('x^2 + y');
    expect(sq.f(Number.NaN, 0)).toBeNaN();
    expect(sq.grad(Number.POSITIVE_INFINITY, 0)[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('returns fresh arrays: mutating a result does not affect later calls', () => {
    const e = parse('x*y');
    const g = e.grad(2, 3);
    g[0] = 99;
    const h = e.hessian(2, 3);
    h[0][1] = 99;
    expect(e.grad(2, 3)).toEqual([3, 2]);
    expect(e.hessian(2, 3)).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('gradient and Hessian calls interleave correctly (per-node buffers are rewritten every call)', () => {
    const e = parse('sin(x) * exp(y) + x^2 * y');
    const a = e.grad(0.3, 0.2);
    e.hessian(-1, 4);
    e.f(5, 5);
    expect(e.grad(0.3, 0.2)).toEqual(a);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Grammar: precedence, implicit products, spellings, canonical text
// ---------------------------------------------------------------------------------------------------------

describe('parseExpression: grammar', () => {
  const value = (src: string, x = 3, y = 2): number => parse(src).f(x, y);

  it.each([
    ['-x^2', -9],
    ['-2^2', -4],
    ['(-2)^2', 4],
    ['2^3^2', 512],
    ['(2^3)^2', 64],
    ['2**3**2', 512],
    ['2^-1', 0.5],
    ['2^-x', 0.125],
    ['2x^2', 18],
    ['x^2y', 18],
    ['2*3^2', 18],
    ['1 - 2 - 3', -4],
    ['8 / 4 / 2', 1],
    ['2 + 3 * 4', 14],
    ['-x * y', -6],
    ['x * -y', -6],
    ['--x', 3],
    ['+x', 3],
    ['3(x+1)', 12],
    ['(x+1)(x-1)', 8],
    ['2 sin(0)', 0],
    ['2(3)(4)', 24],
    ['2^2x', 12],
    ['.5x', 1.5],
    ['1e-3', 0.001],
    ['2.5E+1', 25],
    ['1.', 1],
    ['2e3', 2000],
    ['ln(e)', 1],
    ['x**2 - y**2', 5],
    ['x \u2212 y', 1],
    ['x \u00d7 y', 6],
    ['x \u00b7 y', 6],
  ])('%s = %d at (3, 2)', (src, expected) => {
    expect(value(src)).toBe(expected);
  });

  it('constants: pi, π, Math.PI, e, Math.E, 2pi, 2e (= 2·e)', () => {
    expect(value('pi')).toBe(Math.PI);
    expect(value('\u03c0')).toBe(Math.PI);
    expect(value('Math.PI')).toBe(Math.PI);
    expect(value('e')).toBe(Math.E);
    expect(value('Math.E')).toBe(Math.E);
    expect(value('2pi')).toBe(2 * Math.PI);
    expect(value('2e')).toBe(2 * Math.E);
  });

  it('every function, also with the Math. prefix', () => {
    const at = 0.7;
    const fns: [string, number][] = [
      ['sin', Math.sin(at)],
      ['cos', Math.cos(at)],
      ['tan', Math.tan(at)],
      ['exp', Math.exp(at)],
      ['log', Math.log(at)],
      ['ln', Math.log(at)],
      ['sqrt', Math.sqrt(at)],
      ['abs', Math.abs(at)],
      ['tanh', Math.tanh(at)],
      ['sinh', Math.sinh(at)],
      ['cosh', Math.cosh(at)],
      ['atan', Math.atan(at)],
    ];
    for (const [name, v] of fns) {
      expect(parse(`${name}(x)`).f(at, 0)).toBe(v);
      if (name !== 'ln') expect(parse(`Math.${name}(x)`).f(at, 0)).toBe(v);
    }
    expect(parse('min(x, y)').f(3, 2)).toBe(2);
    expect(parse('Math.max(x, y)').f(3, 2)).toBe(3);
    expect(parse('pow(x, y)').f(3, 2)).toBe(9);
    expect(parse('atan2(y, x)').f(-1, 1)).toBe(Math.atan2(1, -1));
  });

  it.each([
    ['2x^2', '2 * x^2'],
    ['-x^2', '-x^2'],
    ['(-x)^2', '(-x)^2'],
    ['2^3^2', '2^3^2'],
    ['(2^3)^2', '(2^3)^2'],
    ['x - (y - 1)', 'x - (y - 1)'],
    ['(x - y) - 1', 'x - y - 1'],
    ['x / (y * 2)', 'x / (y * 2)'],
    ['3(x+1)', '3 * (x + 1)'],
    ['--x', '-(-x)'],
    ['2^-x', '2^-x'],
    ['ln(x)', 'log(x)'],
    ['Math.exp(-((x - 1)**2)/0.02)', 'exp(-(x - 1)^2 / 0.02)'],
    ['1e-3 * x', '0.001 * x'],
    ['\u03c0 * x', 'pi * x'],
    ['min(x,y)+max( x , y )', 'min(x, y) + max(x, y)'],
    ['x * -y', 'x * -y'],
  ])('canonical text of %s is %s, and it re-parses to itself', (src, text) => {
    const e = parse(src);
    expect(e.text).toBe(text);
    const again = parse(e.text);
    expect(again.text).toBe(text);
    for (const [x, y] of [
      [0.3, -1.2],
      [2, 0.5],
    ] as const) {
      expect(again.f(x, y)).toBe(e.f(x, y));
    }
  });

  it('whitespace is free; the source is kept verbatim', () => {
    const e = parse('  x\t*\n y ');
    expect(e.source).toBe('  x\t*\n y ');
    expect(e.text).toBe('x * y');
    expect(e.f(3, 2)).toBe(6);
  });

  it(`accepts ${MAX_EXPRESSION_LENGTH} characters and ${MAX_NESTING_DEPTH} levels of nesting`, () => {
    const long = `x${'+x'.repeat(MAX_EXPRESSION_LENGTH / 2 - 1)} `;
    expect(long.length).toBe(MAX_EXPRESSION_LENGTH);
    expect(parse(long).f(1, 0)).toBe(MAX_EXPRESSION_LENGTH / 2);
    const deep = `${'('.repeat(MAX_NESTING_DEPTH)}x${')'.repeat(MAX_NESTING_DEPTH)}`;
    expect(parse(deep).f(4, 0)).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

describe('parseExpression: errors for people', () => {
  const cases: [string, ExprErrorCode, number, number, string | undefined, RegExp][] = [
    // source, code, position, length, token, message pattern
    ['', 'empty', 0, 0, undefined, /empty/],
    ['   ', 'empty', 0, 3, undefined, /for example/],
    ['x +', 'unexpected-end', 3, 0, undefined, /ends too early after '\+'/],
    ['sin(x,', 'unexpected-end', 6, 0, undefined, /ends too early/],
    ['sin', 'unexpected-end', 3, 0, undefined, /sin\(x\)/],
    ['2*(x', 'missing-close-paren', 2, 1, '(', /column 3 is never closed/],
    ['sin(x', 'missing-close-paren', 3, 1, '(', /of sin\( at column 4/],
    ['foo(x)', 'unknown-function', 0, 3, 'foo', /Unknown function 'foo'.*sin, cos/],
    ['x(2)', 'unknown-function', 0, 1, 'x', /'x' at column 1 is a variable, not a function.*x\*\(…\)/],
    ['2pi(x)', 'unknown-function', 1, 2, 'pi', /is a constant/],
    ['z', 'unknown-name', 0, 1, 'z', /Unknown name 'z' at column 1.*x and y/],
    ['xy', 'unknown-name', 0, 2, 'xy', /x\*y/],
    ['X + 1', 'unknown-name', 0, 1, 'X', /case-sensitive.*'x'/],
    ['constructor', 'unknown-name', 0, 11, 'constructor', /Unknown name/],
    ['__proto__(x)', 'unknown-function', 0, 9, '__proto__', /Unknown function/],
    ['x $ y', 'unexpected-character', 2, 1, '$', /Unexpected character '\$' at column 3/],
    ['x + 😀', 'unexpected-character', 4, 2, '😀', /Unexpected character '😀'/],
    ['[x]', 'unexpected-character', 0, 1, '[', /round parentheses/],
    ['Math.', 'unexpected-character', 0, 5, 'Math.', /Math\.exp/],
    ['x y', 'unexpected-token', 2, 1, 'y', /x\*y/],
    ['(x+1)2', 'unexpected-token', 5, 1, '2', /operator is missing/],
    ['x + * y', 'unexpected-token', 4, 1, '*', /two operators in a row/],
    ['x)', 'unexpected-token', 1, 1, ')', /Unmatched '\)'/],
    ['()', 'unexpected-token', 1, 1, ')', /empty parentheses/],
    ['sin x', 'unexpected-token', 4, 1, 'x', /Expected '\(' after the function name 'sin'/],
    ['x, y', 'unexpected-token', 1, 1, ',', /Commas only separate/],
    ['1.2.3', 'unexpected-token', 3, 2, '.3', /operator is missing/],
    ['max(x)', 'wrong-arity', 0, 6, 'max', /max at column 1 takes two arguments but got 1/],
    ['sin(x, y)', 'wrong-arity', 0, 9, 'sin', /sin at column 1 takes one argument but got 2/],
  ];

  it.each(cases)('%j → %s at %d (length %d)', (src, code, position, length, token, message) => {
    const r = parseExpression(src);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.position).toBe(position);
    expect(r.error.length).toBe(length);
    expect(r.error.token).toBe(token);
    expect(r.error.message).toMatch(message);
    // Sentences: starts with a capital letter (or a quoted name), ends with a full stop or a question.
    expect(r.error.message).toMatch(/^[A-Z'].*[.?]$/s);
  });

  it('too-long: one character over the limit', () => {
    const src = `x${'+x'.repeat(MAX_EXPRESSION_LENGTH / 2)}`;
    expect(src.length).toBe(MAX_EXPRESSION_LENGTH + 1);
    const r = parseExpression(src);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'too-long', position: MAX_EXPRESSION_LENGTH, length: 1 });
    expect(r.error.message).toContain(`${MAX_EXPRESSION_LENGTH + 1} characters`);
  });

  it('too-deep: parentheses, signs and exponents each open a level', () => {
    const parens = `${'('.repeat(MAX_NESTING_DEPTH + 1)}x${')'.repeat(MAX_NESTING_DEPTH + 1)}`;
    const r = parseExpression(parens);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'too-deep', position: MAX_NESTING_DEPTH, token: '(' });
    const signs = `${'-'.repeat(MAX_NESTING_DEPTH + 1)}x`;
    const s = parseExpression(signs);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error.code).toBe('too-deep');
    expect(parseExpression(`${'-'.repeat(MAX_NESTING_DEPTH)}x`).ok).toBe(true);
    const tower = `x${'^x'.repeat(MAX_NESTING_DEPTH + 1)}`;
    const p = parseExpression(tower);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error.code).toBe('too-deep');
  });

  it('reports the first error from the left', () => {
    const r = parseExpression('foo(z) + $');
    // The tokenizer runs first: the bad character is reported even though 'foo' comes earlier.
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unexpected-character');
    const u = parseExpression('z + foo(x)');
    expect(u.ok).toBe(false);
    if (!u.ok) expect(u.error).toMatchObject({ code: 'unknown-name', position: 0 });
  });
});
