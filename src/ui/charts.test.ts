import { describe, expect, it } from 'vitest';
import { linePoints, logTicks, niceTicks, spread, symmetricTicks, tickLabel } from './charts.tsx';

describe('chart helpers', () => {
  it('logTicks: 1-2-5 per decade, every digit over a narrow range, powers of ten over a wide one', () => {
    expect(logTicks(0.015, 3)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logTicks(0.06, 0.15)).toEqual([0.06, 0.07, 0.08, 0.09, 0.1]);
    expect(logTicks(1e-5, 30)).toEqual([1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10]);
    expect(logTicks(0.101, 0.102)).toEqual([0.1, 0.1]);
    expect(logTicks(0, 1)).toEqual([]);
  });

  it('linePoints downsamples with min/max buckets and drops what a log axis cannot draw', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map((i) => (i === 500 ? 100 : Math.sin(i)));
    const pts = linePoints({ key: 'a', name: 'a', x, y, color: '' }, false, 200);
    expect(pts.length).toBeLessThanOrEqual(200);
    expect(Math.max(...pts.map((p) => p.y))).toBe(100); // the spike survives
    const logPts = linePoints({ key: 'a', name: 'a', x: [0, 1, 2, 3], y: [1, 0, -1, NaN], color: '' }, true);
    expect(logPts).toEqual([{ x: 0, y: 1 }]);
  });

  it('spread keeps at most n values, evenly, with the ends', () => {
    expect(spread([1, 2, 3], 5)).toEqual([1, 2, 3]);
    const s = spread(
      Array.from({ length: 101 }, (_, i) => i),
      5,
    );
    expect(s).toEqual([0, 25, 50, 75, 100]);
  });
});

describe('tickLabel', () => {
  it('is short: three significant digits, exponent form outside [1e-3, 1e5)', () => {
    expect([1000, 100, 0.06, 0.0123456, 7.5e-4, 1e6, 0.5, -2.25, 0].map(tickLabel)).toEqual([
      '1000',
      '100',
      '0.06',
      '0.0123',
      '7.5e-4',
      '1.0e6',
      '0.5',
      '-2.25',
      '0',
    ]);
  });
});

describe('symmetricTicks', () => {
  it('gives round ticks symmetric about 0 inside ±a', () => {
    expect(symmetricTicks(0.585)).toEqual([-0.4, -0.2, 0, 0.2, 0.4]);
    expect(symmetricTicks(3)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(symmetricTicks(6)).toEqual([-6, -4, -2, 0, 2, 4, 6]);
    expect(symmetricTicks(0)).toEqual([0]);
  });
});

describe('niceTicks', () => {
  it('gives round steps inside the range', () => {
    expect(niceTicks(-4.62, 0.245)).toEqual([-4, -3, -2, -1, 0]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 1)).toEqual([]);
  });
});
