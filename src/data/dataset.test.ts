import { describe, expect, it } from 'vitest';
import { fingerprintEntries, histogram, splitIndices, targetStats } from './dataset.ts';
import type { ParsedDataset } from './types.ts';

describe('splitIndices', () => {
  it('partitions 0…n−1 with cgcnn sizes and the remainder in train', () => {
    const s = splitIndices(7572, { seed: 123, valRatio: 0.1, testRatio: 0.1 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([6058, 757, 757]);
    const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 7572 }, (_, i) => i));
  });

  it('is a function of the seed', () => {
    const a = splitIndices(100, { seed: 1, valRatio: 0.1, testRatio: 0.1 });
    const b = splitIndices(100, { seed: 1, valRatio: 0.1, testRatio: 0.1 });
    const c = splitIndices(100, { seed: 2, valRatio: 0.1, testRatio: 0.1 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('gives val and test one row each on tiny datasets, none when the ratio is 0', () => {
    const s = splitIndices(5, { seed: 1, valRatio: 0.1, testRatio: 0.1 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([3, 1, 1]);
    const t = splitIndices(5, { seed: 1, valRatio: 0, testRatio: 0.1 });
    expect([t.train.length, t.val.length, t.test.length]).toEqual([4, 0, 1]);
  });

  it('rejects ratios that leave nothing to train on', () => {
    expect(() => splitIndices(10, { seed: 1, valRatio: 0.5, testRatio: 0.5 })).toThrow(/nothing to train on/);
    expect(() => splitIndices(10, { seed: 1, valRatio: -0.1, testRatio: 0.1 })).toThrow(/valRatio/);
  });
});

describe('targetStats', () => {
  it('is the mean and unbiased std (torch.std) of the finite values', () => {
    const s = targetStats([1, 2, 3, 4, NaN]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(s.n).toBe(4);
  });
  it('uses std 1 for constant targets (no division by zero when normalising)', () => {
    expect(targetStats([7, 7, 7])).toEqual({ mean: 7, std: 1, n: 3 });
  });
});

describe('histogram', () => {
  it('counts into equal-width bins including the maximum', () => {
    const h = histogram([0, 0.5, 1, 2, 4], 4);
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(h.counts)).toEqual([2, 1, 1, 1]);
  });
  it('puts constant data in a single bin and skips non-finite values', () => {
    const h = histogram([3, 3, NaN, Infinity], 10);
    expect(Array.from(h.counts)).toEqual([2]);
  });
});

describe('fingerprintEntries', () => {
  const entry = (id: string, target: number, x: number) => ({
    id,
    target,
    source: { file: 'f' },
    structure: {
      lattice: new Float64Array([4, 0, 0, 0, 4, 0, 0, 0, 4]),
      numbers: new Uint8Array([11, 17]),
      frac: new Float64Array([0, 0, 0, x, 0.5, 0.5]),
    },
  });
  const ds = (entries: ReturnType<typeof entry>[]): ParsedDataset => ({
    name: 'd',
    format: 'synthetic',
    entries,
    rejected: [],
    target: 't',
    targetChoices: ['t'],
    atomInit: null,
    warnings: [],
  });

  it('is a SHA-256 hex digest that changes with any number, id or order', async () => {
    const a = ds([entry('a', 1, 0.5), entry('b', 2, 0.5)]);
    const fa = await fingerprintEntries(a, ['a', 'b']);
    expect(fa).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprintEntries(ds([entry('a', 1, 0.5), entry('b', 2, 0.5)]), ['a', 'b'])).toBe(fa);
    expect(await fingerprintEntries(ds([entry('a', 1, 0.5), entry('b', 2, 0.5000001)]), ['a', 'b'])).not.toBe(
      fa,
    );
    expect(await fingerprintEntries(ds([entry('a', 1, 0.5), entry('b', 2.5, 0.5)]), ['a', 'b'])).not.toBe(fa);
    expect(await fingerprintEntries(ds([entry('b', 2, 0.5), entry('a', 1, 0.5)]), ['a', 'b'])).not.toBe(fa);
    expect(await fingerprintEntries(a, ['a'])).not.toBe(fa);
  });
});
