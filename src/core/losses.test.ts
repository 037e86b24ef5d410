import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, expectAllClose, readOracle } from '../../test/oracle.ts';
import { lossGradOfResidual, lossOfResidual, lossValueAndGrad, type LossConfig } from './losses.ts';
import { lossConfigOf, type LossFile } from './testing/lossFixture.ts';

// Tolerances (README "Tolerances we recommend"): value rel 1e-12 — float64 sums of ≤ 64 terms differ
// from torch's summation order by a few ulps only; gradient abs 1e-12/n — each grad entry is one
// float64 expression divided by n, so anything above that bound is a real error, not rounding.
const VALUE_REL = 1e-12;
const gradAbs = (n: number): number => 1e-12 / n;

describeOracle('losses.json', 'losses', () => {
  const file = readOracle<LossFile>('losses.json');

  it('has the 6 documented cases with 5 losses each', () => {
    expect(file.cases.map((c) => c.name)).toEqual([
      'boundary_exact',
      'random_normal_n64',
      'large_residuals',
      'single_element',
      'column_vector_8x1',
      'all_zero_residual',
    ]);
    for (const c of file.cases) {
      expect(c.results).toHaveLength(5);
      expect(c.predictions.length).toBe(c.shape.reduce((a, b) => a * b, 1));
    }
  });

  for (const c of file.cases) {
    describe(c.name, () => {
      const n = c.predictions.length;

      it('residuals pred − target are bit-identical to the fixture', () => {
        const e = c.predictions.map((p, i) => p - (c.targets[i] as number));
        // Exact: one IEEE subtraction each.
        expectAllClose(e, c.residuals_pred_minus_target, { rel: 0, label: 'residual' });
      });

      for (const r of c.results) {
        const cfg = lossConfigOf(r);
        const label = `${r.loss}${JSON.stringify(r.kwargs)}`;

        it(`${label}: value and gradient match torch`, () => {
          expect(r.reduction).toBe('mean');
          const out = lossValueAndGrad(cfg, c.predictions, c.targets);
          expect(closeRel(out.value, r.value, VALUE_REL), `${label} value ${out.value} vs ${r.value}`).toBe(
            true,
          );
          expect(out.grad).toBeInstanceOf(Float64Array);
          expectAllClose(out.grad, r.grad, { rel: 0, abs: gradAbs(n), label: `${label} grad` });
        });

        it(`${label}: per-residual ℓ(e) and dℓ/de reproduce value (mean) and grad (/n)`, () => {
          const es = c.residuals_pred_minus_target;
          const mean = es.reduce((s, e) => s + lossOfResidual(cfg, e), 0) / n;
          expect(closeRel(mean, r.value, VALUE_REL), `${label} mean ℓ ${mean} vs ${r.value}`).toBe(true);
          const g = es.map((e) => lossGradOfResidual(cfg, e) / n);
          expectAllClose(g, r.grad, { rel: 0, abs: gradAbs(n), label: `${label} dℓ/de / n` });
        });

        it(`${label}: Float64Array inputs give bit-identical results to number[]`, () => {
          const a = lossValueAndGrad(cfg, Float64Array.from(c.predictions), Float64Array.from(c.targets));
          const b = lossValueAndGrad(cfg, c.predictions, c.targets);
          expect(a.value).toBe(b.value);
          expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
        });
      }
    });
  }

  it('boundary_exact: torch takes the linear branch at |e| == δ and the L1 gradient at e = 0 is 0', () => {
    const c = file.cases.find((x) => x.name === 'boundary_exact');
    if (c === undefined) throw new Error('boundary_exact missing');
    const n = c.predictions.length;
    const huber = lossValueAndGrad({ kind: 'huber', delta: 0.2 }, c.predictions, c.targets);
    // e = +0.2 exactly (element 0): linear-branch slope (1/n)·δ; e = 0.19999999999999996 (element 13,
    // quadratic branch): (1/n)·e. Both are torch's operation order, so they are exact.
    expect(huber.grad[0]).toBe((1 / n) * 0.2);
    expect(huber.grad[13]).toBe((1 / n) * 0.19999999999999996);
    const ref = c.results.find((r) => r.loss === 'HuberLoss' && r.kwargs.delta === 0.2);
    expect(huber.grad[0]).toBe(ref?.grad[0]);
    expect(huber.grad[13]).toBe(ref?.grad[13]);
    const l1 = lossValueAndGrad({ kind: 'mae' }, c.predictions, c.targets);
    expect(l1.grad[7]).toBe(0); // sign(0) = 0
  });
});

describe('losses (fixture-free properties)', () => {
  const pred = [0.3, -1.7, 2.5, 0.0, 4.0, -0.05];
  const target = [0.1, -1.0, 0.0, 0.0, -3.0, 0.0];

  it('Huber_δ = δ·SmoothL1_δ for value and gradient', () => {
    for (const d of [0.2, 1, 3.7]) {
      const h = lossValueAndGrad({ kind: 'huber', delta: d }, pred, target);
      const s = lossValueAndGrad({ kind: 'smoothl1', beta: d }, pred, target);
      expect(closeRel(h.value, d * s.value, 1e-15)).toBe(true);
      expectAllClose(
        h.grad,
        Array.from(s.grad, (g) => d * g),
        { rel: 1e-15, label: 'δ·SmoothL1 grad' },
      );
    }
  });

  it('gradient agrees with central finite differences of the value away from the kinks', () => {
    const configs: LossConfig[] = [
      { kind: 'mse' },
      { kind: 'mae' },
      { kind: 'huber', delta: 0.5 },
      { kind: 'smoothl1', beta: 0.5 },
    ];
    for (const cfg of configs) {
      const { grad } = lossValueAndGrad(cfg, pred, target);
      for (let i = 0; i < pred.length; i++) {
        if (pred[i] === target[i]) continue; // kink of L1 at e = 0
        const h = 1e-6;
        const up = pred.slice();
        const dn = pred.slice();
        up[i] = (up[i] as number) + h;
        dn[i] = (dn[i] as number) - h;
        const fd =
          (lossValueAndGrad(cfg, up, target).value - lossValueAndGrad(cfg, dn, target).value) / (2 * h);
        // Central differences of piecewise-quadratic losses: truncation error 0, rounding ≈ eps/h ≈ 1e-10.
        expect(Math.abs(fd - (grad[i] as number)), `${cfg.kind}[${i}]`).toBeLessThan(1e-8);
      }
    }
  });

  it('per-residual curves: values and slopes at and around the boundary', () => {
    const h: LossConfig = { kind: 'huber', delta: 1 };
    expect(lossOfResidual(h, 1)).toBe(0.5);
    expect(lossOfResidual(h, -3)).toBe(2.5);
    expect(lossOfResidual(h, 0.5)).toBe(0.125);
    expect(lossGradOfResidual(h, -3)).toBe(-1);
    expect(lossGradOfResidual(h, 0.25)).toBe(0.25);
    const s: LossConfig = { kind: 'smoothl1', beta: 0.5 };
    expect(lossOfResidual(s, 0.25)).toBe(0.0625);
    expect(lossOfResidual(s, 2)).toBe(1.75);
    expect(lossGradOfResidual(s, -0.25)).toBe(-0.5);
    expect(lossGradOfResidual(s, 0.5)).toBe(1);
    expect(lossOfResidual({ kind: 'mse' }, -3)).toBe(9);
    expect(lossGradOfResidual({ kind: 'mse' }, -3)).toBe(-6);
    expect(lossOfResidual({ kind: 'mae' }, -3)).toBe(3);
    expect(lossGradOfResidual({ kind: 'mae' }, 0)).toBe(0);
    expect(lossGradOfResidual({ kind: 'mae' }, -0.001)).toBe(-1);
  });

  it('SmoothL1 with β = 0 is L1 (torch dispatches to l1_loss)', () => {
    const a = lossValueAndGrad({ kind: 'smoothl1', beta: 0 }, pred, target);
    const b = lossValueAndGrad({ kind: 'mae' }, pred, target);
    expect(a.value).toBe(b.value);
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
  });

  it('accepts Float32Array, does not mutate inputs, validates lengths and hyper-parameters', () => {
    const p32 = Float32Array.from([0.5, -0.25, 2]);
    const t = [0, 0, 0];
    const snapshot = Array.from(p32);
    const out = lossValueAndGrad({ kind: 'mse' }, p32, t);
    expect(out.value).toBe((0.25 + 0.0625 + 4) / 3);
    expect(Array.from(out.grad)).toEqual([(2 * 0.5) / 3, (2 * -0.25) / 3, (2 * 2) / 3]);
    expect(Array.from(p32)).toEqual(snapshot);
    expect(t).toEqual([0, 0, 0]);
    expect(() => lossValueAndGrad({ kind: 'mse' }, [1, 2], [1])).toThrow(RangeError);
    expect(() => lossValueAndGrad({ kind: 'huber', delta: 0 }, [1], [1])).toThrow(RangeError);
    expect(() => lossOfResidual({ kind: 'smoothl1', beta: -1 }, 1)).toThrow(RangeError);
  });

  it('n = 0 gives NaN (torch: mean of an empty tensor) and an empty gradient', () => {
    const out = lossValueAndGrad({ kind: 'huber', delta: 0.2 }, [], []);
    expect(out.value).toBeNaN();
    expect(out.grad).toHaveLength(0);
  });

  it('non-finite residuals propagate like IEEE/torch (Infinity stays Infinity, NaN stays NaN)', () => {
    expect(lossValueAndGrad({ kind: 'mse' }, [Infinity, 1], [0, 0]).value).toBe(Infinity);
    expect(lossValueAndGrad({ kind: 'mae' }, [Number.NaN, 1], [0, 0]).value).toBeNaN();
    const g = lossValueAndGrad({ kind: 'huber', delta: 1 }, [Infinity, 1], [0, 0]).grad;
    expect(Array.from(g)).toEqual([0.5, 0.5]);
  });
});
