import { describe, expect, it } from 'vitest';
import {
  ATOM_ENCODING_DIM,
  atomFeatureTable,
  binIndex,
  decodeAtomRow,
  describeEncoding,
  encodingAgreement,
} from './atomEncoding.ts';
import type { EncodingCategoryKey } from './atomEncoding.ts';
import { atomicNumber } from './elements.ts';
import { describeShared, readSharedText } from './testing/shared.ts';
import type { AtomInit } from './types.ts';

const table = atomFeatureTable();

function row(init: AtomInit, z: number): number[] {
  return Array.from(init.table.subarray(z * init.dim, (z + 1) * init.dim));
}

function z(symbol: string): number {
  const n = atomicNumber(symbol);
  if (n === null) throw new Error(`no element ${symbol}`);
  return n;
}

/** cgcnn's atom_init.json as an AtomInit (rows of absent keys NaN), built here to keep the test standalone. */
function cgcnnAtomInit(text: string): AtomInit {
  const json = JSON.parse(text) as Record<string, number[]>;
  const maxZ = Math.max(...Object.keys(json).map(Number));
  const dim = (json['1'] ?? []).length;
  const t = new Float32Array((maxZ + 1) * dim).fill(Number.NaN);
  for (const [k, v] of Object.entries(json)) t.set(v, Number(k) * dim);
  return { dim, table: t, maxZ, source: 'atom_init.json' };
}

describe('describeEncoding', () => {
  it('has nine contiguous categories adding up to 92 dims, as decoded from cgcnn', () => {
    const cats = describeEncoding();
    expect(cats.map((c) => [c.key, c.offset, c.length])).toEqual([
      ['group', 0, 19],
      ['period', 19, 7],
      ['electronegativity', 26, 10],
      ['covalentRadius', 36, 10],
      ['valenceElectrons', 46, 12],
      ['ionizationEnergy', 58, 10],
      ['electronAffinity', 68, 10],
      ['block', 78, 4],
      ['atomicVolume', 82, 10],
    ]);
    for (const c of cats) expect(c.slots).toHaveLength(c.length);
    const last = cats[cats.length - 1];
    expect((last?.offset ?? 0) + (last?.length ?? 0)).toBe(ATOM_ENCODING_DIM);
  });

  it('gives the bin edges in the property units', () => {
    const byKey = new Map(describeEncoding().map((c) => [c.key, c]));
    expect(byKey.get('electronegativity')?.edges?.[0]).toBeCloseTo(0.5, 9);
    expect(byKey.get('electronegativity')?.edges?.[10]).toBeCloseTo(4.0, 9);
    expect(byKey.get('covalentRadius')?.edges?.[1]).toBeCloseTo(47.5, 9);
    expect(byKey.get('ionizationEnergy')?.edges?.[0]).toBeCloseTo(Math.exp(1.3), 3);
    expect(byKey.get('atomicVolume')?.edges?.[10]).toBeCloseTo(Math.exp(4.3), 3);
    expect(byKey.get('block')?.edges).toBeNull();
  });
});

describe('binIndex', () => {
  it('uses half-open equal bins and clamps out-of-range values', () => {
    expect(binIndex(0.5, 0.5, 4, 10)).toBe(0);
    expect(binIndex(0.84, 0.5, 4, 10)).toBe(0);
    expect(binIndex(0.86, 0.5, 4, 10)).toBe(1);
    expect(binIndex(1.9, 0.5, 4, 10)).toBe(3); // ((1.9 − 0.5)/3.5)·10 = 3.9999999999999996, as cgcnn's Si and Cu
    expect(binIndex(1.91, 0.5, 4, 10)).toBe(4);
    expect(binIndex(137.5, 25, 250, 10)).toBe(5);
    expect(binIndex(0.1, 0.5, 4, 10)).toBe(0);
    expect(binIndex(4.0, 0.5, 4, 10)).toBe(9);
    expect(binIndex(9, 0.5, 4, 10)).toBe(9);
    expect(binIndex(Number.NaN, 0.5, 4, 10)).toBeNull();
  });
});

describe('atomFeatureTable', () => {
  it('is a 92 × (0…100) 0/1 table with a NaN row 0 and the built-in source', () => {
    expect(table.dim).toBe(92);
    expect(table.maxZ).toBe(100);
    expect(table.table).toHaveLength(101 * 92);
    expect(table.source).toBe('built-in CGCNN-style encoding');
    expect(row(table, 0).every(Number.isNaN)).toBe(true);
    for (let zz = 1; zz <= 100; zz++) {
      const r = row(table, zz);
      expect(r.every((v) => v === 0 || v === 1)).toBe(true);
      // At most one 1 per category, and group, period, valence, IE and block are always known.
      const dec = decodeAtomRow(table, zz);
      for (const c of describeEncoding()) {
        const ones = r.slice(c.offset, c.offset + c.length).filter((v) => v === 1).length;
        expect(ones).toBe(dec[c.key] === null ? 0 : 1);
      }
      for (const key of ['group', 'period', 'valenceElectrons', 'ionizationEnergy', 'block'] as const) {
        expect(dec[key], `Z=${zz} ${key}`).not.toBeNull();
      }
    }
  });

  it('encodes known elements as hand-computed from their properties', () => {
    // Fe: group 8, period 4, X 1.83 → bin 3, Cordero 142 pm → bin 5, 8 valence e (3d6 4s2),
    // IE 7.9025 eV → ln 2.067 → bin 3, EA 0.153 → bin 4, d block, 7.09 cm³/mol → ln 1.959 → bin 1.
    expect(decodeAtomRow(table, z('Fe'))).toEqual({
      group: 8,
      period: 3,
      electronegativity: 3,
      covalentRadius: 5,
      valenceElectrons: 7,
      ionizationEnergy: 3,
      electronAffinity: 4,
      block: 2,
      atomicVolume: 1,
    });
    // O: group 16, period 2, X 3.44 → bin 8, 66 pm → bin 1, 6 e, IE 13.618 → ln 2.611 → bin 6,
    // EA 1.461 → bin 6, p block, 17.36 cm³/mol → ln 2.854 → bin 4.
    expect(decodeAtomRow(table, z('O'))).toEqual({
      group: 16,
      period: 1,
      electronegativity: 8,
      covalentRadius: 1,
      valenceElectrons: 5,
      ionizationEnergy: 6,
      electronAffinity: 6,
      block: 1,
      atomicVolume: 4,
    });
    const he = decodeAtomRow(table, z('He'));
    expect(he.block).toBe(0); // s block
    expect(he.electronegativity).toBeNull(); // no Pauling value
    expect(he.electronAffinity).toBeNull(); // unbound anion
    expect(decodeAtomRow(table, z('Ce')).group).toBe(0); // f block, no group
    expect(decodeAtomRow(table, z('Lu')).group).toBe(3);
  });

  it('rejects tables of another length in decodeAtomRow', () => {
    expect(() => decodeAtomRow({ ...table, dim: 10 }, 1)).toThrow(/10 features per element/);
  });
});

describeShared(
  'data/cgcnn-sample-regression/atom_init.json',
  'built-in encoding vs cgcnn atom_init.json',
  () => {
    const cgcnn = cgcnnAtomInit(readSharedText('data/cgcnn-sample-regression/atom_init.json'));

    it('has the layout the encoding assumes: 92 dims, each category at most one-hot', () => {
      expect(cgcnn.dim).toBe(92);
      expect(cgcnn.maxZ).toBe(100);
      for (let zz = 1; zz <= 100; zz++) {
        const r = row(cgcnn, zz);
        for (const c of describeEncoding()) {
          expect(r.slice(c.offset, c.offset + c.length).filter((v) => v === 1).length).toBeLessThanOrEqual(1);
        }
      }
      // Spot checks of the decoding: H is group 1, period 1, s block; Cs has cgcnn's largest volume bin.
      expect(decodeAtomRow(cgcnn, 1)).toMatchObject({ group: 1, period: 0, block: 0, valenceElectrons: 0 });
      expect(decodeAtomRow(cgcnn, z('La')).group).toBe(0);
      expect(decodeAtomRow(cgcnn, z('Fr')).period).toBe(6);
      expect(decodeAtomRow(cgcnn, z('Cs')).atomicVolume).toBe(9);
    });

    it('agrees with cgcnn per category at least as well as measured', () => {
      const agreement = encodingAgreement(table, cgcnn);
      const floors: Record<EncodingCategoryKey, number> = {
        group: 1,
        period: 1,
        block: 1,
        ionizationEnergy: 1,
        valenceElectrons: 0.99,
        electronegativity: 0.8,
        atomicVolume: 0.8,
        electronAffinity: 0.75,
        covalentRadius: 0.4, // cgcnn used Pyykkö 2009 radii; pymatgen has Cordero 2008 (see atomEncoding.ts)
      };
      const summary = Object.fromEntries(
        Object.entries(agreement).map(([k, v]) => [
          k,
          `${(v.fraction * 100).toFixed(0)}% (differ: ${v.differing.join(' ')})`,
        ]),
      );
      console.log('built-in encoding vs cgcnn atom_init.json:', summary);
      for (const [key, floor] of Object.entries(floors) as Array<[EncodingCategoryKey, number]>) {
        expect(agreement[key].fraction, `${key}: ${summary[key]}`).toBeGreaterThanOrEqual(floor);
      }
      expect(agreement.valenceElectrons.differing).toEqual([z('Pd')]);
    });
  },
);
