/**
 * 2-D test functions for the optimizer playground: value, analytic gradient and analytic Hessian.
 *
 * The definitions are exactly those of the reference fixture `optim2d.json` (its `function.formula`,
 * `function.js` and `function.grad_js`); the gradients are written with the same operations in the same
 * order as `grad_js`, so they agree with it bit for bit. PyTorch's autograd gradient (the fixture's `grad[]`)
 * evaluates the same derivative in a different order and differs by a few ulps.
 *
 * Critical points listed in `minima`/`saddles`/`maxima` were found by Newton's method on the analytic
 * gradient and Hessian in float64 (|∇f| ≤ 1e-13 at the listed coordinates).
 */

/** Names of the seven fixture functions. */
export type Function2DName =
  | 'rosenbrock'
  | 'beale'
  | 'himmelblau'
  | 'saddle'
  | 'monkey_saddle'
  | 'ill_conditioned_quadratic'
  | 'two_minima';

/** A symmetric 2×2 matrix `[[a, b], [b, c]]` (row-major; `h[0][1] === h[1][0]`). */
export type Matrix2 = [[number, number], [number, number]];

/** Classification of a critical point by the signs of the Hessian eigenvalues. */
export type CriticalPointKind = 'minimum' | 'maximum' | 'saddle' | 'degenerate';

/** A known critical point of a function. */
export interface CriticalPoint {
  readonly x: number;
  readonly y: number;
  /** f(x, y) at the point. */
  readonly f: number;
  readonly kind: CriticalPointKind;
  /** For minima: whether it is a global minimum. */
  readonly global: boolean;
  readonly description: string;
}

/** A 2-D test function with its derivatives and display metadata. */
export interface Function2D {
  readonly name: Function2DName;
  /** Human-readable name. */
  readonly label: string;
  /** The formula as text (same as the fixture's `formula`). */
  readonly formula: string;
  f(x: number, y: number): number;
  /** Analytic gradient [∂f/∂x, ∂f/∂y]. */
  grad(x: number, y: number): [number, number];
  /** Analytic Hessian [[f_xx, f_xy], [f_xy, f_yy]]. */
  hessian(x: number, y: number): Matrix2;
  /** A good plotting window; it contains every path point of the fixture's 14 cases for this function. */
  readonly domain: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  /** Known minima (global and local). */
  readonly minima: readonly CriticalPoint[];
  /** Known saddle points (including degenerate ones such as the monkey saddle's origin). */
  readonly saddles: readonly CriticalPoint[];
  /** Known local maxima. */
  readonly maxima: readonly CriticalPoint[];
}

function point(
  x: number,
  y: number,
  f: number,
  kind: CriticalPointKind,
  description: string,
  global = false,
): CriticalPoint {
  return { x, y, f, kind, global, description };
}

// ----------------------------------------------------------------------------------------------------------
// Definitions
// ----------------------------------------------------------------------------------------------------------

/**
 * Rosenbrock, a = 1, b = 100: f = (1 − x)² + 100(y − x²)².
 * ∇f = [−2(1 − x) − 400x(y − x²), 200(y − x²)];
 * H = [[2 − 400(y − x²) + 800x², −400x], [−400x, 200]] = [[1200x² − 400y + 2, −400x], [−400x, 200]].
 * Unique minimum (1, 1), f = 0, at the end of a curved, flat-bottomed valley (Hessian eigenvalues there
 * ≈ 0.4 and 1001.6: condition number ≈ 2500).
 */
const rosenbrock: Function2D = {
  name: 'rosenbrock',
  label: 'Rosenbrock',
  formula: 'f(x,y) = (a - x)^2 + b*(y - x^2)^2 with a = 1, b = 100',
  f: (x, y) => (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
  grad: (x, y) => [-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)],
  hessian: (x, y) => [
    [2 - 400 * (y - x ** 2) + 800 * x ** 2, -400 * x],
    [-400 * x, 200],
  ],
  domain: { x: [-2, 3], y: [-1.5, 4.5] },
  minima: [point(1, 1, 0, 'minimum', 'global minimum at the end of the banana-shaped valley', true)],
  saddles: [],
  maxima: [],
};

/**
 * Beale: f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².
 * With A = 1.5 − x + xy, B = 2.25 − x + xy², C = 2.625 − x + xy³:
 * ∇f = [2A(y − 1) + 2B(y² − 1) + 2C(y³ − 1), 2A·x + 2B·2xy + 2C·3xy²];
 * f_xx = 2[(y − 1)² + (y² − 1)² + (y³ − 1)²],
 * f_xy = 2[x(y − 1) + A] + 2[2xy(y² − 1) + 2yB] + 2[3xy²(y³ − 1) + 3y²C],
 * f_yy = 2x² + 2[(2xy)² + 2xB] + 2[(3xy²)² + 6xyC].
 */
const beale: Function2D = {
  name: 'beale',
  label: 'Beale',
  formula: 'f(x,y) = (1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2',
  f: (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2,
  grad: (x, y) => [
    2 * (1.5 - x + x * y) * (y - 1) +
      2 * (2.25 - x + x * y ** 2) * (y ** 2 - 1) +
      2 * (2.625 - x + x * y ** 3) * (y ** 3 - 1),
    2 * (1.5 - x + x * y) * x +
      2 * (2.25 - x + x * y ** 2) * 2 * x * y +
      2 * (2.625 - x + x * y ** 3) * 3 * x * y ** 2,
  ],
  hessian: (x, y) => {
    const A = 1.5 - x + x * y;
    const B = 2.25 - x + x * y * y;
    const C = 2.625 - x + x * y * y * y;
    const a1 = y - 1;
    const b1 = y * y - 1;
    const c1 = y * y * y - 1;
    const fxx = 2 * (a1 * a1 + b1 * b1 + c1 * c1);
    const fxy =
      2 * (x * a1 + A) + 2 * (2 * x * y * b1 + 2 * y * B) + 2 * (3 * x * y * y * c1 + 3 * y * y * C);
    const fyy = 2 * x * x + 2 * (4 * x * x * y * y + 2 * x * B) + 2 * (9 * x * x * y ** 4 + 6 * x * y * C);
    return [
      [fxx, fxy],
      [fxy, fyy],
    ];
  },
  domain: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
  minima: [point(3, 0.5, 0, 'minimum', 'global minimum in a narrow curved valley', true)],
  saddles: [
    point(0, 1, 14.203125, 'saddle', 'saddle on the line x = 0 (f is constant along x = 0)'),
    point(0.10053793732415839, -2.644513585023125, 9.864512284755561, 'saddle', 'saddle below the x axis'),
  ],
  maxima: [],
};

/**
 * Himmelblau: f = (x² + y − 11)² + (x + y² − 7)².
 * ∇f = [4x(x² + y − 11) + 2(x + y² − 7), 2(x² + y − 11) + 4y(x + y² − 7)];
 * H = [[12x² + 4y − 42, 4x + 4y], [4x + 4y, 4x + 12y² − 26]].
 * Four global minima (f = 0), one local maximum and four saddles.
 */
const himmelblau: Function2D = {
  name: 'himmelblau',
  label: 'Himmelblau',
  formula: 'f(x,y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2',
  f: (x, y) => (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2,
  grad: (x, y) => [
    4 * x * (x ** 2 + y - 11) + 2 * (x + y ** 2 - 7),
    2 * (x ** 2 + y - 11) + 4 * y * (x + y ** 2 - 7),
  ],
  hessian: (x, y) => [
    [12 * x * x + 4 * y - 42, 4 * x + 4 * y],
    [4 * x + 4 * y, 4 * x + 12 * y * y - 26],
  ],
  domain: { x: [-5, 5], y: [-5, 5] },
  minima: [
    point(3, 2, 0, 'minimum', 'global minimum (one of four, all f = 0)', true),
    point(-2.805118086952745, 3.131312518250573, 0, 'minimum', 'global minimum (upper left)', true),
    point(-3.779310253377747, -3.2831859912861696, 0, 'minimum', 'global minimum (lower left)', true),
    point(3.5844283403304917, -1.8481265269644036, 0, 'minimum', 'global minimum (lower right)', true),
  ],
  saddles: [
    point(0.08667750455539634, 2.884254701174776, 67.71915008752613, 'saddle', 'saddle (top)'),
    point(-3.0730257507643897, -0.08135304428796751, 104.01516291755811, 'saddle', 'saddle (left)'),
    point(3.385154183607021, 0.07385187983774928, 13.311926270405587, 'saddle', 'saddle (right)'),
    point(-0.12796134673068005, -1.9537149802445766, 178.33723920192745, 'saddle', 'saddle (bottom)'),
  ],
  maxima: [
    point(-0.2708445906673476, -0.9230385564799815, 181.6165215225827, 'maximum', 'local maximum (centre)'),
  ],
};

/**
 * Saddle: f = x² − y². ∇f = [2x, −2y]; H = diag(2, −2). The origin is a (non-degenerate) saddle point;
 * f is unbounded below, so optimizers run off along ±y.
 */
const saddle: Function2D = {
  name: 'saddle',
  label: 'Saddle x² − y²',
  formula: 'f(x,y) = x^2 - y^2',
  f: (x, y) => x ** 2 - y ** 2,
  grad: (x, y) => [2 * x, -2 * y],
  hessian: () => [
    [2, 0],
    [0, -2],
  ],
  domain: { x: [-3, 3], y: [-3, 3] },
  minima: [],
  saddles: [point(0, 0, 0, 'saddle', 'saddle point: minimum along x, maximum along y')],
  maxima: [],
};

/**
 * Monkey saddle: f = x³ − 3xy² (= Re (x + iy)³). ∇f = [3x² − 3y², −6xy]; H = [[6x, −6y], [−6y, −6x]].
 * The origin is the only critical point and is degenerate (H = 0): three descending valleys meet there.
 */
const monkeySaddle: Function2D = {
  name: 'monkey_saddle',
  label: 'Monkey saddle x³ − 3xy²',
  formula: 'f(x,y) = x^3 - 3*x*y^2',
  f: (x, y) => x ** 3 - 3 * x * y ** 2,
  grad: (x, y) => [3 * x ** 2 - 3 * y ** 2, -6 * x * y],
  hessian: (x, y) => [
    [6 * x, -6 * y],
    [-6 * y, -6 * x],
  ],
  domain: { x: [-2, 2], y: [-2, 2] },
  minima: [],
  saddles: [point(0, 0, 0, 'degenerate', 'monkey saddle: degenerate critical point (Hessian = 0)')],
  maxima: [],
};

/**
 * Ill-conditioned quadratic: f = 0.1x² + 2y². ∇f = [0.2x, 4y]; H = diag(0.2, 4), condition number 20.
 * Unique minimum at the origin.
 */
const illConditioned: Function2D = {
  name: 'ill_conditioned_quadratic',
  label: 'Ill-conditioned quadratic',
  formula: 'f(x,y) = 0.1*x^2 + 2*y^2',
  f: (x, y) => 0.1 * x ** 2 + 2 * y ** 2,
  grad: (x, y) => [0.2 * x, 4 * y],
  hessian: () => [
    [0.2, 0],
    [0, 4],
  ],
  domain: { x: [-5, 5], y: [-2.5, 2.5] },
  minima: [point(0, 0, 0, 'minimum', 'global minimum (curvatures 0.2 and 4)', true)],
  saddles: [],
  maxima: [],
};

/**
 * Two minima: f = g(x) + y², g(x) = 0.05x² − exp(−(x − 1)²/0.02) − exp(−(x + 1.5)²/1.0).
 * With e₁ = exp(−(x − 1)²/0.02), e₂ = exp(−(x + 1.5)²):
 * ∂f/∂x = 0.1x + (2(x − 1)/0.02)e₁ + (2(x + 1.5)/1.0)e₂, ∂f/∂y = 2y;
 * f_xx = 0.1 + (2/0.02)e₁ − (2(x − 1)/0.02)²e₁ + 2e₂ − (2(x + 1.5))²e₂, f_xy = 0, f_yy = 2.
 * A sharp, deep well near x ≈ 1 (curvature f_xx ≈ 100, the global minimum) and a wide, shallow one near
 * x ≈ −1.43 (f_xx ≈ 2.07), separated by a saddle near x ≈ 0.66.
 */
const twoMinima: Function2D = {
  name: 'two_minima',
  label: 'Two minima (sharp vs flat)',
  formula:
    'f(x,y) = g(x) + y^2, g(x) = 0.05*x^2 - exp(-(x - 1)^2/0.02) - exp(-(x + 1.5)^2/1.0); sharp well at x ~ 1 ' +
    '(Gaussian width 0.1, curvature ~ 100), flat well at x ~ -1.5 (width ~ 0.71, curvature ~ 2)',
  f: (x, y) => 0.05 * x ** 2 - Math.exp(-((x - 1) ** 2) / 0.02) - Math.exp(-((x + 1.5) ** 2) / 1.0) + y ** 2,
  grad: (x, y) => [
    0.1 * x +
      ((2 * (x - 1)) / 0.02) * Math.exp(-((x - 1) ** 2) / 0.02) +
      ((2 * (x + 1.5)) / 1.0) * Math.exp(-((x + 1.5) ** 2) / 1.0),
    2 * y,
  ],
  hessian: (x) => {
    const e1 = Math.exp(-((x - 1) ** 2) / 0.02);
    const e2 = Math.exp(-((x + 1.5) ** 2) / 1.0);
    const s1 = (2 * (x - 1)) / 0.02;
    const s2 = 2 * (x + 1.5);
    const fxx = 0.1 + (2 / 0.02) * e1 - s1 * s1 * e1 + 2 * e2 - s2 * s2 * e2;
    return [
      [fxx, 0],
      [0, 2],
    ];
  },
  domain: { x: [-3.5, 2.5], y: [-1.5, 1.5] },
  minima: [
    point(
      0.9989040197293724,
      0,
      -0.9519905406752697,
      'minimum',
      'sharp, deep well (curvature ≈ 100): global minimum',
      true,
    ),
    point(
      -1.4282201103124443,
      0,
      -0.8928702638628429,
      'minimum',
      'wide, shallow well (curvature ≈ 2): local minimum',
    ),
  ],
  saddles: [point(0.6604940345762087, 0, 0.009278094807877366, 'saddle', 'saddle separating the two wells')],
  maxima: [],
};

/** All fixture functions by name. */
export const FUNCTIONS_2D: Readonly<Record<Function2DName, Function2D>> = {
  rosenbrock,
  beale,
  himmelblau,
  saddle,
  monkey_saddle: monkeySaddle,
  ill_conditioned_quadratic: illConditioned,
  two_minima: twoMinima,
};

/** The names in a stable display order. */
export const FUNCTION_2D_NAMES: readonly Function2DName[] = [
  'rosenbrock',
  'beale',
  'himmelblau',
  'saddle',
  'monkey_saddle',
  'ill_conditioned_quadratic',
  'two_minima',
];

// ----------------------------------------------------------------------------------------------------------
// Symmetric 2×2 eigen-decomposition and critical-point classification
// ----------------------------------------------------------------------------------------------------------

/** Eigen-decomposition of a symmetric 2×2 matrix. */
export interface Eigen2 {
  /** Eigenvalues, largest first: values[0] ≥ values[1]. */
  readonly values: [number, number];
  /** Unit eigenvectors, `vectors[k]` belonging to `values[k]`; orthogonal (vectors[1] = rot90(vectors[0])). */
  readonly vectors: [[number, number], [number, number]];
}

/**
 * Closed-form eigen-decomposition of the symmetric matrix [[a, b], [b, c]] (only `h[0][0]`, `h[0][1]`,
 * `h[1][1]` are read).
 *
 * The matrix is first scaled by a power of two (exact) so that its largest entry is in [0.5, 1): no
 * overflow or underflow in the products below. With m = (a + c)/2, d = (a − c)/2 and r = hypot(d, b) the
 * eigenvalues are m ± r. The one of larger magnitude, λ_big = m + sign(m)·r, is computed without
 * cancellation; the other from the determinant, λ_small = (ac − b²)/λ_big, which is exact for diagonal
 * matrices and otherwise has absolute error O(ε·‖H‖) — backward stable, the best possible in the Weyl sense
 * (no float64 method recovers a tiny eigenvalue next to a huge one to full relative accuracy from rounded
 * entries in general). The unit eigenvector of the larger eigenvalue λ₁ = m + r is taken from whichever row
 * of H − λ₁I avoids cancellation: (d + r, b) when d ≥ 0, else (b, r − d); both are sums of non-negative
 * terms. v₂ = (−v₁y, v₁x). A diagonal matrix (b = 0) returns its entries exactly, with the axes as vectors.
 * The zero matrix gives [0, 0]; a non-finite entry gives NaN eigenvalues.
 */
export function hessianEigen(h: Matrix2): Eigen2 {
  const scaleMax = Math.max(Math.abs(h[0][0]), Math.abs(h[0][1]), Math.abs(h[1][1]));
  if (scaleMax === 0 || !Number.isFinite(scaleMax)) {
    const v = scaleMax === 0 ? 0 : Number.NaN;
    return {
      values: [v, v],
      vectors: [
        [1, 0],
        [0, 1],
      ],
    };
  }
  if (h[0][1] === 0) {
    // Diagonal: the eigenvalues are the entries, exactly; the vectors are the axes.
    const a = h[0][0];
    const c = h[1][1];
    return a >= c
      ? {
          values: [a, c],
          vectors: [
            [1, 0],
            [0, 1],
          ],
        }
      : {
          values: [c, a],
          vectors: [
            [0, 1],
            [-1, 0],
          ],
        };
  }
  // Power-of-two scaling (exact) bringing the largest entry into about [1, 2].
  const k = Math.min(Math.max(Math.floor(Math.log2(scaleMax)), -1020), 1020);
  const up = 2 ** -k;
  const down = 2 ** k;
  const a = h[0][0] * up;
  const b = h[0][1] * up;
  const c = h[1][1] * up;
  const m = 0.5 * (a + c);
  const d = 0.5 * (a - c);
  const r = Math.hypot(d, b);
  const big = m >= 0 ? m + r : m - r;
  const small = big === 0 ? 0 : (a * c - b * b) / big;
  const l1 = Math.max(big, small);
  const l2 = Math.min(big, small);
  let vx: number;
  let vy: number;
  if (r === 0) {
    vx = 1;
    vy = 0;
  } else if (d >= 0) {
    vx = d + r;
    vy = b;
  } else {
    vx = b;
    vy = r - d;
  }
  const norm = Math.hypot(vx, vy);
  vx /= norm;
  vy /= norm;
  return {
    values: [l1 * down, l2 * down],
    vectors: [
      [vx, vy],
      [-vy, vx],
    ],
  };
}

/**
 * Classifies a critical point from its Hessian by the second-derivative test: both eigenvalues > tol →
 * 'minimum'; both < −tol → 'maximum'; one > tol and one < −tol → 'saddle'; otherwise (an eigenvalue
 * within ±tol of zero) 'degenerate', where the test is inconclusive (e.g. the monkey saddle's origin).
 *
 * `tol` defaults to 1e-9·max(1, |λ|max): relative to the Hessian's scale, with an absolute floor of 1e-9.
 * Meaningful only where the gradient vanishes; elsewhere it just reports the local curvature type.
 */
export function classifyCriticalPoint(h: Matrix2, tol?: number): CriticalPointKind {
  const { values } = hessianEigen(h);
  const [l1, l2] = values;
  const t = tol ?? 1e-9 * Math.max(1, Math.abs(l1), Math.abs(l2));
  if (l2 > t) return 'minimum';
  if (l1 < -t) return 'maximum';
  if (l1 > t && l2 < -t) return 'saddle';
  return 'degenerate';
}
