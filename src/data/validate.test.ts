import { describe, expect, it } from 'vitest';
import type { Structure } from './types.ts';
import { DEFAULT_LIMITS, formatBytes, validateStructure } from './validate.ts';

const cubic = (a: number) => Float64Array.from([a, 0, 0, 0, a, 0, 0, 0, a]);
const s = (lattice: Float64Array, numbers: number[], frac: number[]): Structure => ({
  lattice,
  numbers: Uint8Array.from(numbers),
  frac: Float64Array.from(frac),
});
const CSCL = s(cubic(4.115), [55, 17], [0, 0, 0, 0.5, 0.5, 0.5]);

describe('validateStructure', () => {
  it('accepts a sound structure', () => {
    expect(validateStructure(CSCL, DEFAULT_LIMITS)).toBeNull();
  });

  it('rejects a structure without atoms', () => {
    expect(validateStructure(s(cubic(4), [], []), DEFAULT_LIMITS)).toEqual({
      reason: 'no-atoms',
      message: 'the structure has no atoms.',
    });
  });

  it('rejects more atoms than maxAtomsPerStructure, naming the limit', () => {
    const p = validateStructure(CSCL, { ...DEFAULT_LIMITS, maxAtomsPerStructure: 1 });
    expect(p?.reason).toBe('too-many-atoms');
    expect(p?.message).toContain(
      'has 2 atoms, more than the limit of 1 per structure (maxAtomsPerStructure)',
    );
  });

  it('rejects Z = 0 and Z > 118', () => {
    const zero = validateStructure(s(cubic(4), [0, 17], [0, 0, 0, 0.5, 0.5, 0.5]), DEFAULT_LIMITS);
    expect(zero).toEqual({
      reason: 'unknown-element',
      message: 'site 1 has atomic number 0, which is not an element (1…118).',
    });
    const big = validateStructure(s(cubic(4), [55, 119], [0, 0, 0, 0.5, 0.5, 0.5]), DEFAULT_LIMITS);
    expect(big?.reason).toBe('unknown-element');
    expect(big?.message).toContain('site 2 has atomic number 119');
  });

  it('rejects non-finite coordinates and lattices', () => {
    const nanSite = validateStructure(s(cubic(4), [55, 17], [0, 0, 0, 0.5, NaN, 0.5]), DEFAULT_LIMITS);
    expect(nanSite).toEqual({
      reason: 'unparseable',
      message: 'site 2 (Cl) has a non-finite coordinate (NaN or ∞).',
    });
    const infLattice = validateStructure(
      s(Float64Array.from([Infinity, 0, 0, 0, 4, 0, 0, 0, 4]), [55], [0, 0, 0]),
      DEFAULT_LIMITS,
    );
    expect(infLattice?.message).toContain('lattice contains a non-finite number');
  });

  it('rejects a singular lattice', () => {
    const flat = Float64Array.from([4, 0, 0, 0, 4, 0, 4, 4, 0]);
    const p = validateStructure(s(flat, [55], [0, 0, 0]), DEFAULT_LIMITS);
    expect(p?.reason).toBe('unparseable');
    expect(p?.message).toContain('the lattice is singular (cell volume 0.00 Å³)');
  });

  it('rejects inconsistent array lengths', () => {
    const p = validateStructure(s(cubic(4), [55, 17], [0, 0, 0]), DEFAULT_LIMITS);
    expect(p?.reason).toBe('unparseable');
    expect(p?.message).toContain('2 sites but 3 coordinates');
  });

  it('rejects overlapping sites, naming both (1-based) and the distance', () => {
    const p = validateStructure(
      s(cubic(10), [11, 17, 8], [0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.53]),
      DEFAULT_LIMITS,
    );
    expect(p?.reason).toBe('overlapping-atoms');
    expect(p?.message).toBe(
      'site 2 (Cl) and site 3 (O) are 0.300 Å apart, closer than the minimum 0.5 Å (minDistance): the file probably has duplicated sites or a wrong cell.',
    );
    // Across the periodic boundary: 0.01 and 0.99 along a 10 Å axis are 0.2 Å apart.
    const wrap = validateStructure(s(cubic(10), [11, 17], [0.01, 0, 0, 0.99, 0, 0]), DEFAULT_LIMITS);
    expect(wrap?.message).toContain('0.200 Å apart');
    // The limit is the caller's.
    expect(
      validateStructure(s(cubic(10), [11, 17], [0.01, 0, 0, 0.99, 0, 0]), {
        ...DEFAULT_LIMITS,
        minDistance: 0.1,
      }),
    ).toBeNull();
  });

  it('rejects a site too close to its own periodic image', () => {
    const p = validateStructure(s(cubic(0.4), [1], [0, 0, 0]), DEFAULT_LIMITS);
    expect(p?.reason).toBe('overlapping-atoms');
    expect(p?.message).toContain('site 1 (H) and its own periodic image are 0.400 Å apart');
  });
});

describe('limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxTotalBytes: 200_000_000,
      maxDecompressedBytes: 500_000_000,
      maxEntries: 50_000,
      maxAtomsPerStructure: 200,
      minDistance: 0.5,
    });
  });

  it('formats byte counts in decimal units', () => {
    expect(formatBytes(950)).toBe('950 bytes');
    expect(formatBytes(12_345)).toBe('12.3 kB');
    expect(formatBytes(1_000_000)).toBe('1.0 MB');
    expect(formatBytes(500_000_000)).toBe('500.0 MB');
    expect(formatBytes(2.5e9)).toBe('2.50 GB');
  });
});
