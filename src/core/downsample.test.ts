import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from './downsample.ts';

describe('downsampleMinMax', () => {
  it('returns short series unchanged', () => {
    expect(downsampleMinMax([0, 1, 2], [5, 6, 7], 10)).toEqual({ x: [0, 1, 2], y: [5, 6, 7] });
  });

  it('keeps each bucket’s min and max in order, so a single spike survives', () => {
    const n = 10_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i === 7_777 ? 1e6 : Math.sin(i / 100)));
    const d = downsampleMinMax(x, y, 200);
    expect(d.x.length).toBeLessThanOrEqual(200);
    expect(d.y).toContain(1e6);
    expect(d.x[d.y.indexOf(1e6)]).toBe(7_777);
    expect(d.x).toEqual([...d.x].sort((a, b) => a - b));
    expect(Math.min(...d.y)).toBeCloseTo(-1, 3);
  });
});
