import { describe, expect, it } from 'vitest';
import { filterOutliers } from '../core/outliers.ts';
import { minPairDistance } from './neighbors.ts';
import {
  describeTeachingSet,
  elementReferenceEnergy,
  generateTeachingSet,
  prototypeCellCount,
  prototypeStructure,
  syntheticEnergyPerAtom,
  TEACHING_PROTOTYPES,
  teachingSetElements,
} from './synthetic.ts';
import type { TeachingSet } from './synthetic.ts';
import { atomicNumber } from './elements.ts';
import type { Structure } from './types.ts';

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] ?? 0;
  return s / x.length;
}

function std(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += ((x[i] ?? 0) - m) ** 2;
  return Math.sqrt(s / x.length);
}

/** The default set (2000 entries), generated once for the tests that look at its statistics. */
let defaultSet: TeachingSet | null = null;
function getDefaultSet(): TeachingSet {
  defaultSet ??= generateTeachingSet();
  return defaultSet;
}

/** R² of the least-squares fit target ≈ Σ_el c_el·(fraction of el in the cell): composition alone. */
function compositionR2(set: TeachingSet): number {
  const y = set.cleanTargets;
  const els = [...new Set(set.entries.flatMap((e) => [...e.structure.numbers]))];
  const col = new Map(els.map((zz, k) => [zz, k]));
  const p = els.length;
  const A: Float64Array[] = Array.from({ length: p }, () => new Float64Array(p + 1));
  set.entries.forEach((e, i) => {
    const x = new Float64Array(p);
    const n = e.structure.numbers.length;
    for (const zz of e.structure.numbers) {
      const k = col.get(zz) ?? 0;
      x[k] = (x[k] ?? 0) + 1 / n;
    }
    for (let a = 0; a < p; a++) {
      const row = A[a] as Float64Array;
      for (let b = 0; b < p; b++) row[b] = (row[b] ?? 0) + (x[a] ?? 0) * (x[b] ?? 0);
      row[p] = (row[p] ?? 0) + (x[a] ?? 0) * (y[i] ?? 0);
    }
  });
  // Gauss–Jordan elimination with partial pivoting.
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]?.[c] ?? 0) > Math.abs(A[piv]?.[c] ?? 0)) piv = r;
    const tmp = A[c];
    const other = A[piv];
    if (tmp === undefined || other === undefined) throw new Error('bad pivot');
    A[c] = other;
    A[piv] = tmp;
    const pr = A[c] as Float64Array;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const row = A[r] as Float64Array;
      const f = (row[c] ?? 0) / (pr[c] ?? 1);
      for (let k = c; k <= p; k++) row[k] = (row[k] ?? 0) - f * (pr[k] ?? 0);
    }
  }
  const coef = A.map((row, k) => (row[p] ?? 0) / (row[k] ?? 1));
  const m = mean(y);
  let ssr = 0;
  let sst = 0;
  set.entries.forEach((e, i) => {
    let pred = 0;
    for (const zz of e.structure.numbers) pred += (coef[col.get(zz) ?? 0] ?? 0) / e.structure.numbers.length;
    ssr += ((y[i] ?? 0) - pred) ** 2;
    sst += ((y[i] ?? 0) - m) ** 2;
  });
  return 1 - ssr / sst;
}

function translate(s: Structure, df: [number, number, number]): Structure {
  const frac = Float64Array.from(s.frac, (v, k) => v + df[k % 3]!);
  return { ...s, frac };
}

describe('generateTeachingSet: determinism and shape', () => {
  it('gives identical ids, targets and coordinates for the same seed, and different ones for another', () => {
    const a = generateTeachingSet({ size: 60, seed: 'abc' });
    const b = generateTeachingSet({ size: 60, seed: 'abc' });
    const c = generateTeachingSet({ size: 60, seed: 'abd' });
    expect(b.entries.map((e) => e.id)).toEqual(a.entries.map((e) => e.id));
    expect(b.entries.map((e) => e.target)).toEqual(a.entries.map((e) => e.target));
    a.entries.forEach((e, i) => {
      const f = b.entries[i]?.structure;
      expect(f?.frac).toEqual(e.structure.frac);
      expect(f?.lattice).toEqual(e.structure.lattice);
      expect(f?.numbers).toEqual(e.structure.numbers);
    });
    expect(c.entries.map((e) => e.id)).not.toEqual(a.entries.map((e) => e.id));
    expect(c.entries.map((e) => e.target)).not.toEqual(a.entries.map((e) => e.target));
  });

  it('makes a smaller set the prefix of a larger one with the same seed', () => {
    const small = generateTeachingSet({ size: 20, seed: 7 });
    const big = generateTeachingSet({ size: 50, seed: 7 });
    expect(big.entries.slice(0, 20).map((e) => [e.id, e.target])).toEqual(
      small.entries.map((e) => [e.id, e.target]),
    );
  });

  it('fills the ParsedDataset fields and names entries syn-00001-<formula>-<prototype>', () => {
    const progress: Array<[number, number]> = [];
    const s = generateTeachingSet({ size: 30, onProgress: (d, t) => progress.push([d, t]) });
    expect(s.entries).toHaveLength(30);
    expect(s.format).toBe('synthetic');
    expect(s.target).toBe('energy_per_atom');
    expect(s.targetChoices).toEqual(['energy_per_atom']);
    expect(s.atomInit).toBeNull();
    expect(s.rejected).toEqual([]);
    expect(s.warnings).toEqual([]);
    expect(s.outlierIds).toEqual([]);
    expect(progress[progress.length - 1]).toEqual([30, 30]);
    const pattern = new RegExp(`^syn-\\d{5}-[A-Z][A-Za-z0-9]*-(${TEACHING_PROTOTYPES.join('|')})$`);
    s.entries.forEach((e, i) => {
      expect(e.id).toMatch(pattern);
      expect(e.id.startsWith(`syn-${String(i + 1).padStart(5, '0')}-`)).toBe(true);
      expect(e.id.endsWith(`-${s.prototypes[i]}`)).toBe(true);
      expect(e.source.row).toBe(i + 1);
    });
    expect(new Set(s.entries.map((e) => e.id)).size).toBe(30);
  });

  it('uses the documented defaults and rejects bad options with a message', () => {
    expect(getDefaultSet().entries).toHaveLength(2000);
    expect(generateTeachingSet({ size: 3 }).entries[0]?.id).toBe(getDefaultSet().entries[0]?.id);
    expect(() => generateTeachingSet({ size: 0 })).toThrow(/size must be a whole number/);
    expect(() => generateTeachingSet({ outlierFraction: 2 })).toThrow(/between 0 and 1/);
    expect(() => generateTeachingSet({ labelNoise: -1 })).toThrow(/Label noise/);
  });
});

describe('generateTeachingSet: the default set (2000 structures)', () => {
  it('covers ≥ 5 prototypes (all 8), ≥ 30 elements and 2 … 40 atoms per cell', () => {
    const s = getDefaultSet();
    const protos = new Set(s.prototypes);
    expect(protos.size).toBe(TEACHING_PROTOTYPES.length);
    for (const p of TEACHING_PROTOTYPES) {
      expect(s.prototypes.filter((q) => q === p).length, p).toBeGreaterThan(150);
    }
    const elements = new Set(s.entries.flatMap((e) => [...e.structure.numbers]));
    expect(elements.size).toBeGreaterThanOrEqual(30);
    expect(elements.size).toBe(teachingSetElements().length);
    const sizes = s.entries.map((e) => e.structure.numbers.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
    expect(Math.min(...sizes)).toBeLessThanOrEqual(3);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(30);
  });

  it('has no overlapping atoms: every closest pair ≥ 0.5 Å (≥ 1.2 Å by construction)', () => {
    for (const e of getDefaultSet().entries) {
      const d = minPairDistance(e.structure).distance;
      expect(d, e.id).toBeGreaterThanOrEqual(1.2);
    }
  });

  it('has formation-energy-like targets: mean in [−5, 1], ≥ 95 % in [−6, 2], std > 0.3', () => {
    const y = getDefaultSet().entries.map((e) => e.target);
    const m = mean(y);
    expect(m).toBeGreaterThanOrEqual(-5);
    expect(m).toBeLessThanOrEqual(1);
    expect(y.filter((v) => v >= -6 && v <= 2).length / y.length).toBeGreaterThanOrEqual(0.95);
    expect(std(y)).toBeGreaterThan(0.3);
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('depends on structure, not only on composition', () => {
    const s = getDefaultSet();
    // A per-element linear model of the composition explains well under 99 % of the variance.
    const r2 = compositionR2(s);
    expect(r2).toBeLessThan(0.95);
    expect(r2).toBeGreaterThan(0.3); // …but composition does matter.
    // The same composition in different prototypes has different energies (within the set)…
    const byComposition = new Map<string, Map<string, number>>();
    s.entries.forEach((e, i) => {
      const counts = new Map<number, number>();
      for (const zz of e.structure.numbers) counts.set(zz, (counts.get(zz) ?? 0) + 1);
      const n = e.structure.numbers.length;
      const key = [...counts]
        .sort((a, b) => a[0] - b[0])
        .map(([zz, c]) => `${zz}:${c / n}`)
        .join(',');
      const m = byComposition.get(key) ?? new Map<string, number>();
      m.set(s.prototypes[i] ?? '', s.cleanTargets[i] ?? 0);
      byComposition.set(key, m);
    });
    const spreads = [...byComposition.values()]
      .filter((m) => m.size >= 2)
      .map((m) => Math.max(...m.values()) - Math.min(...m.values()));
    expect(spreads.length).toBeGreaterThan(20);
    expect(mean(spreads)).toBeGreaterThan(0.1);
    // …and explicitly: NaCl and CsF in rock salt vs CsCl, ZnO in zinc blende vs wurtzite vs rock salt.
    const e = (p: (typeof TEACHING_PROTOTYPES)[number], A: string, X: string): number =>
      syntheticEnergyPerAtom(prototypeStructure(p, { A, X }));
    expect(Math.abs(e('rocksalt', 'Na', 'Cl') - e('cscl', 'Na', 'Cl'))).toBeGreaterThan(0.1);
    expect(Math.abs(e('rocksalt', 'Cs', 'F') - e('cscl', 'Cs', 'F'))).toBeGreaterThan(0.1);
    expect(Math.abs(e('zincblende', 'Zn', 'O') - e('rocksalt', 'Zn', 'O'))).toBeGreaterThan(0.1);
    expect(e('zincblende', 'Zn', 'O')).not.toBeCloseTo(e('wurtzite', 'Zn', 'O'), 3);
  });

  it('adds label noise of the requested size from the seeded generator', () => {
    const s = getDefaultSet();
    const noise = s.entries.map((e, i) => e.target - (s.cleanTargets[i] ?? 0));
    expect(std(noise)).toBeGreaterThan(0.02 * 0.9);
    expect(std(noise)).toBeLessThan(0.02 * 1.1);
    expect(Math.abs(mean(noise))).toBeLessThan((3 * 0.02) / Math.sqrt(noise.length));
    const loud = generateTeachingSet({ size: 400, labelNoise: 0.1 });
    const n2 = loud.entries.map((e, i) => e.target - (loud.cleanTargets[i] ?? 0));
    expect(std(n2)).toBeGreaterThan(0.1 * 0.85);
    expect(std(n2)).toBeLessThan(0.1 * 1.15);
    const quiet = generateTeachingSet({ size: 40, labelNoise: 0 });
    quiet.entries.forEach((e, i) => expect(e.target).toBe(quiet.cleanTargets[i]));
  });
});

describe('generateTeachingSet: outliers', () => {
  it('shifts exactly round(fraction·size) entries, lists them, and a 4σ single pass removes exactly them', () => {
    const s = generateTeachingSet({ outlierFraction: 0.01 });
    const clean = getDefaultSet();
    expect(s.outlierIndices).toHaveLength(20);
    expect(s.outlierIds).toEqual(s.outlierIndices.map((k) => s.entries[k]?.id));
    expect(s.warnings.join(' ')).toContain(s.outlierIds[0] ?? '(none)');
    // Same structures and noise as without outliers; the listed entries are +2000 eV/atom higher.
    const shifted: number[] = [];
    s.entries.forEach((e, i) => {
      const d = e.target - (clean.entries[i]?.target ?? 0);
      if (d !== 0) shifted.push(i);
      expect(d === 0 || Math.abs(d - 2000) < 1e-9).toBe(true);
    });
    expect(shifted).toEqual(s.outlierIndices);
    const result = filterOutliers(
      { method: 'sigma', k: 4 },
      s.entries.map((e) => e.target),
    );
    expect(Array.from(result.removed)).toEqual(s.outlierIndices);
  });

  it('rounds the outlier count and honours the shift', () => {
    const s = generateTeachingSet({ size: 150, outlierFraction: 0.013, outlierShift: -50 });
    expect(s.outlierIndices).toHaveLength(2); // round(1.95)
    for (const k of s.outlierIndices) {
      expect((s.entries[k]?.target ?? 0) - (s.cleanTargets[k] ?? 0)).toBeLessThan(-49);
    }
  });
});

describe('the energy model', () => {
  it('gives 0 for a pure element in its fcc reference and the same value per atom for any supercell', () => {
    const na = atomicNumber('Na') ?? 0;
    expect(elementReferenceEnergy(na)).toBeLessThan(0);
    for (const p of TEACHING_PROTOTYPES) {
      const species = p === 'perovskite' ? { A: 'Sr', B: 'Ti', X: 'O' } : { A: 'Mg', X: 'O' };
      const e0 = syntheticEnergyPerAtom(prototypeStructure(p, species));
      for (let c = 1; c < prototypeCellCount(p); c++) {
        expect(syntheticEnergyPerAtom(prototypeStructure(p, species, c)), `${p} cell ${c}`).toBeCloseTo(
          e0,
          9,
        );
      }
      expect(
        syntheticEnergyPerAtom(translate(prototypeStructure(p, species), [0.13, -0.4, 2.2])),
      ).toBeCloseTo(e0, 9);
    }
  });

  it('is smooth in the lattice parameter and ionic compounds are strongly bound', () => {
    const base = prototypeStructure('rocksalt', { A: 'Na', X: 'Cl' });
    const scaledBy = (f: number): Structure => ({ ...base, lattice: base.lattice.map((v) => v * f) });
    const e = (f: number): number => syntheticEnergyPerAtom(scaledBy(f));
    const h = 1e-4;
    const slope = (e(1 + h) - e(1 - h)) / (2 * h);
    expect(Math.abs(e(1 + h) - e(1))).toBeLessThan(Math.abs(slope) * 2 * h + 1e-9);
    expect(Number.isFinite(slope)).toBe(true);
    expect(e(1)).toBeLessThan(-1.5);
    expect(e(0.6)).toBeGreaterThan(e(1)); // compressed: repulsive
    expect(syntheticEnergyPerAtom(prototypeStructure('zincblende', { A: 'Ga', X: 'As' }))).toBeGreaterThan(
      e(1),
    );
  });

  it('is described in plain words, saying that it is synthetic', () => {
    const text = describeTeachingSet();
    expect(text).toContain('SYNTHETIC');
    expect(text).toContain('Morse');
    expect(text).toMatch(/eV\/atom/);
  });
});
