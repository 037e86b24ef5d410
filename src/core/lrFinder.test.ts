import { describe, expect, it } from 'vitest';
import { closeRel, expectAllClose } from '../../test/oracle.ts';
import {
  LR_FINDER_DEFAULTS,
  lrFinderInit,
  lrFinderLrAt,
  lrFinderStep,
  lrFindSeries,
  lrSweep,
  minimum,
  steep,
  suggestLrs,
  valley,
  type LrFinderConfig,
  type LrFinderState,
} from './lrFinder.ts';
import { fastaiSmoothLosses } from './smoothing.ts';

// lrs one decade apart: 1e-7 … 1e2 (decimal literals, so the expected lrs are exact).
const LRS10 = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100];

describe('suggestion rules on a hand-made series', () => {
  // index:   0  1    2    3    4    5    6    7    8  9
  const losses = [3, 4, 3.8, 3.6, 3.4, 2.0, 1.9, 1.8, 3, 5];

  it('valley: longest strictly decreasing run 4 → 1.8 (indices 1..7), suggestion at index 3', () => {
    // lds (longest strictly decreasing subsequence ending at i) = [1,1,2,3,4,5,6,7,3,1].
    // max_end = 7 (first index with the maximum 7), max_start = 7 − lds[7] = 0 (one before the valley).
    // sections = (7 − 0)/3 = 2.33; idx = 0 + int(2.33) + int(1.17) = 0 + 2 + 1 = 3 → lrs[3] = 1e-4.
    expect(valley(LRS10, losses)).toEqual({ lr: 1e-4, point: { lr: 1e-4, loss: 3.6 }, index: 3 });
  });

  it('steep: the steepest drop per log-lr is 3.4 → 2.0 (segment 4), suggestion = its left lr', () => {
    // All segments span one decade (ln 10 up to rounding); loss differences are
    // +1, −0.2, −0.2, −0.2, −1.4, −0.1, −0.1, +1.2, +2 → argmin is segment 4 → lrs[4] = 1e-3.
    expect(steep(LRS10, losses)).toEqual({ lr: 1e-3, point: { lr: 1e-3, loss: 3.4 }, index: 4 });
  });

  it('minimum: lowest loss 1.8 at lr 1 → suggestion 1/10, plotted point at (1, 1.8)', () => {
    expect(minimum(LRS10, losses)).toEqual({ lr: 0.1, point: { lr: 1, loss: 1.8 }, index: 7 });
  });

  it('valley: on equal lengths the first valley wins', () => {
    // [5,4,3 | 6,5,4]: lds = [1,2,3,1,2,3]; max_end stays 2 (lds[5] = 3 is not > 3), max_start = 2 − 3 = −1.
    // sections = 3/3 = 1; idx = −1 + 1 + 0 = 0.
    expect(valley(LRS10.slice(0, 6), [5, 4, 3, 6, 5, 4]).index).toBe(0);
  });

  it('valley quirk: idx = −1 is a Python negative index (the last point)', () => {
    // n = 2 decreasing: lds = [1,2], max_end = 1, max_start = −1, sections = 2/3 → idx = −1 + 0 + 0 = −1.
    expect(valley([0.1, 0.2], [2, 1])).toEqual({ lr: 0.2, point: { lr: 0.2, loss: 1 }, index: 1 });
    // n = 1: the loops never run, max_start = max_end = 0 (initial values), sections = 0 → idx = 0.
    expect(valley([0.5], [7]).index).toBe(0);
    // n = 2 increasing: no valley at all: idx = 0.
    expect(valley([0.1, 0.2], [1, 2]).index).toBe(0);
  });
});

describe('suggestion rules on monotone series', () => {
  const n = 10;
  it('strictly decreasing (accelerating) losses', () => {
    // losses[i] = 10 − 0.1·i²: drops 0.1·(2i+1) grow, so the steepest segment is the last one (8 → 9).
    const losses = Array.from({ length: n }, (_, i) => 10 - 0.1 * i * i);
    // valley: lds[i] = i + 1, max_end = 9, max_start = −1; sections = 10/3 → idx = −1 + 3 + int(1.67) = 3.
    expect(valley(LRS10, losses).index).toBe(3);
    expect(steep(LRS10, losses).lr).toBe(LRS10[8]);
    // minimum at the last point: lr 100 → suggestion 10.
    expect(minimum(LRS10, losses).lr).toBe(10);
  });

  it('strictly increasing losses', () => {
    // losses[i] = i²: slopes 1, 3, 5, … per decade, so the least steep rise (the "steepest descent") is
    // the first segment; no valley (all lds = 1) → idx 0; minimum at index 0.
    const losses = Array.from({ length: n }, (_, i) => i * i);
    expect(valley(LRS10, losses).index).toBe(0);
    expect(steep(LRS10, losses).index).toBe(0);
    expect(minimum(LRS10, losses)).toEqual({ lr: 1e-8, point: { lr: 1e-7, loss: 0 }, index: 0 });
  });

  it('constant losses: every rule picks the first point (first minimum on ties)', () => {
    const losses = new Array<number>(n).fill(2);
    expect(valley(LRS10, losses).index).toBe(0);
    expect(steep(LRS10, losses).index).toBe(0);
    expect(minimum(LRS10, losses).index).toBe(0);
  });

  it('too-short or NaN series throw clear errors', () => {
    expect(() => valley([], [])).toThrow(/at least 1 point/);
    expect(() => minimum([], [])).toThrow(/at least 1 point/);
    expect(() => steep([1], [1])).toThrow(/at least 2 points/);
    expect(() => valley([1, 2], [1, Number.NaN])).toThrow(/NaN at index 1/);
    expect(() => steep([1, 2], [1])).toThrow(/differ in length/);
  });
});

describe('lr_find preprocessing (lrFindSeries)', () => {
  const numIt = 100;
  const lrs = Array.from({ length: numIt }, (_, i) => i + 1); // stand-in lrs: value = index + 1
  const clean = Array.from({ length: numIt }, (_, i) => 100 - i);

  it('drops the first num_it//10 and the last 5 points', () => {
    const s = lrFindSeries(lrs, clean, numIt);
    expect(s.lrs).toHaveLength(85);
    expect(s.lrs[0]).toBe(11); // index 10
    expect(s.lrs[84]).toBe(95); // index 94 (95..99 dropped)
    expect(Array.from(s.losses)).toEqual(clean.slice(10, 95));
  });

  it('truncates at the first NaN (a real record stays NaN after it: the smoothed loss cannot recover)', () => {
    const nanFrom50 = clean.map((v, i) => (i >= 50 ? Number.NaN : v));
    const s = lrFindSeries(lrs, nanFrom50, numIt);
    expect(Array.from(s.lrs)).toEqual(lrs.slice(10, 50));
  });

  it('a NaN inside the dropped tail does not matter; a NaN before num_it//10 empties the series', () => {
    const lateNaN = clean.map((v, i) => (i >= 97 ? Number.NaN : v));
    expect(lrFindSeries(lrs, lateNaN, numIt).lrs).toHaveLength(85);
    const earlyNaN = clean.map((v, i) => (i >= 5 ? Number.NaN : v));
    expect(lrFindSeries(lrs, earlyNaN, numIt).lrs).toHaveLength(0);
    expect(suggestLrs(lrs, earlyNaN, numIt)).toBeNull();
  });

  it('a record cut at its first NaN (our NaN stop) gives exactly fastai’s full-record result', () => {
    for (const k of [50, 93, 97]) {
      const full = clean.map((v, i) => (i >= k ? Number.NaN : v)); // what fastai would have recorded
      const cut = full.slice(0, k + 1); // what we record when stopping at the first NaN
      const a = lrFindSeries(lrs, full, numIt);
      const b = lrFindSeries(lrs.slice(0, k + 1), cut, numIt);
      expect(Array.from(b.lrs)).toEqual(Array.from(a.lrs));
    }
  });

  it('a diverged (finite) record still loses its last 5 points', () => {
    const s = lrFindSeries(lrs.slice(0, 40), clean.slice(0, 40), numIt);
    expect(Array.from(s.lrs)).toEqual(lrs.slice(10, 35));
  });

  it('too short: fewer than num_it//10 + 6 points → empty / null (fastai would raise)', () => {
    expect(lrFindSeries(lrs.slice(0, 15), clean.slice(0, 15), numIt).lrs).toHaveLength(0);
    expect(suggestLrs(lrs.slice(0, 15), clean.slice(0, 15), numIt)).toBeNull();
    expect(suggestLrs(lrs.slice(0, 16), clean.slice(0, 16), numIt)).toBeNull(); // 1 point left
    expect(suggestLrs(lrs.slice(0, 17), clean.slice(0, 17), numIt)).not.toBeNull(); // 2 points
    expect(() => lrFindSeries([1, 2], [1], numIt)).toThrow(/differ in length/);
  });

  it('num_it < 10 keeps the start (num_it//10 = 0)', () => {
    const s = lrFindSeries([1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1], 8);
    expect(Array.from(s.lrs)).toEqual([1, 2, 3]);
  });

  it('suggestLrs applies the preprocessing then all three rules', () => {
    const r = suggestLrs(lrs, clean, numIt);
    if (r === null) throw new Error('expected suggestions');
    // Losses strictly decreasing over indices 10..94 (85 points): minimum = last point (lr 95) / 10.
    expect(r.minimum.lr).toBe(9.5);
    // valley on 85 decreasing points: max_start = −1, sections = 85/3 = 28.3 → idx = −1 + 28 + 14 = 41.
    expect(r.valley.index).toBe(41);
    expect(r.valley.lr).toBe(lrs[10 + 41]);
  });
});

describe('exponential sweep (fastai LRFinder: SchedExp at pos = i/num_it)', () => {
  it('starts at start_lr, is geometric with ratio (end/start)^(1/num_it), never reaches end_lr', () => {
    const s = lrSweep(1e-7, 10, 100);
    expect(s).toHaveLength(100);
    expect(s[0]).toBe(1e-7);
    expect(closeRel(s[50] ?? 0, 1e-3, 1e-12)).toBe(true); // 1e-7 · (1e8)^0.5
    expect(closeRel(s[99] ?? 0, 1e-7 * 1e8 ** 0.99, 1e-15)).toBe(true); // ≈ 8.318, < 10
    expect(s[99]).toBeLessThan(10);
  });

  it('num_it < 6 is raised to 6 (LRFinder.__init__)', () => {
    expectAllClose(lrSweep(1, 64, 3), [1, 2, 4, 8, 16, 32], { rel: 1e-14 });
  });

  it('lrFinderLrAt matches lrSweep bitwise; bad arguments throw', () => {
    const s = lrSweep(1e-5, 1, 37);
    s.forEach((v, i) => expect(lrFinderLrAt(1e-5, 1, 37, i)).toBe(v));
    expect(() => lrSweep(0, 1, 10)).toThrow(/startLr/);
    expect(() => lrSweep(1e-7, Number.POSITIVE_INFINITY, 10)).toThrow(/endLr/);
    expect(() => lrSweep(1e-7, 10, 0)).toThrow(/numIt/);
  });
});

describe('stop rule (fastai LRFinder.after_batch)', () => {
  const cfg: LrFinderConfig = { ...LR_FINDER_DEFAULTS, numIt: 100 };
  const run = (c: LrFinderConfig, losses: number[]): LrFinderState => {
    let s = lrFinderInit(c);
    for (const l of losses) {
      s = lrFinderStep(c, s, l);
      if (s.stop !== null) break;
    }
    return s;
  };

  it('stops when the smoothed loss exceeds 4× the best (strictly)', () => {
    // best becomes 0.5; 2.0 is not > 4·0.5; 2.1 is.
    expect(run(cfg, [1, 0.8, 0.5, 2.0, 2.1, 0.1])).toEqual({ iter: 5, bestLoss: 0.5, stop: 'diverged' });
  });

  it('stops on a NaN smoothed loss (our addition; fastai runs on) and leaves best unchanged', () => {
    expect(run(cfg, [1, 0.5, Number.NaN, 0.1])).toEqual({ iter: 3, bestLoss: 0.5, stop: 'nan' });
  });

  it('stopDiv = false never stops early', () => {
    const c = { ...cfg, numIt: 6, stopDiv: false };
    expect(run(c, [1, 9, Number.NaN, 100, 1000, 1e4, 1e5])).toEqual({ iter: 6, bestLoss: 1, stop: 'done' });
  });

  it("stops 'done' after max(num_it, 6) batches; stepping a stopped test throws", () => {
    const c = { ...cfg, numIt: 3 };
    const s = run(c, [1, 1, 1, 1, 1, 1, 1, 1]);
    expect(s).toEqual({ iter: 6, bestLoss: 1, stop: 'done' });
    expect(() => lrFinderStep(c, s, 1)).toThrow(/already stopped/);
  });

  it('fastai quirk: with a negative best loss any non-improving batch counts as divergence', () => {
    // best = −1, then −0.9 > 4·(−1) = −4.
    expect(run(cfg, [-1, -0.9]).stop).toBe('diverged');
  });

  it('end to end: sweep, fastai smoothing, stop, suggestions', () => {
    // Synthetic loss: falls from 2 to ≈ 0.2 as lr goes 1e-5 → 1e-2, then explodes.
    const lrs = lrSweep(1e-5, 10, 100);
    const raw = Array.from(
      lrs,
      (lr) => 0.2 + 1.8 / (1 + (lr / 1e-3) ** 2) + (lr > 0.05 ? (lr / 0.05) ** 3 : 0),
    );
    const smooth = fastaiSmoothLosses(raw);
    let s = lrFinderInit(cfg);
    const rec: number[] = [];
    for (let i = 0; i < lrs.length && s.stop === null; i++) {
      rec.push(smooth[i] ?? Number.NaN);
      s = lrFinderStep(cfg, s, smooth[i] ?? Number.NaN);
    }
    expect(s.stop).toBe('diverged');
    const r = suggestLrs(lrs.subarray(0, rec.length), rec, cfg.numIt);
    if (r === null) throw new Error('expected suggestions');
    // All suggestions lie inside the usable (descending) range.
    for (const lr of [r.valley.lr, r.steep.lr, r.minimum.lr]) {
      expect(lr).toBeGreaterThan(1e-5);
      expect(lr).toBeLessThan(0.1);
    }
  });
});
