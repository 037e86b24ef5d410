import { describe, expect, it } from 'vitest';
import { det3 } from '../../core/mat3.ts';
import { DEFAULT_LIMITS } from '../validate.ts';
import {
  baseName,
  cartesianToFractional,
  chooseTarget,
  Collector,
  DatasetInputError,
  decodeText,
  dirName,
  extOf,
  invert3,
  isStructuralName,
  parseNumber,
  Progress,
  stemOf,
  Warnings,
  where,
} from './common.ts';

describe('parseNumber', () => {
  it('reads plain decimals and finite JSON numbers', () => {
    expect(parseNumber('1')).toBe(1);
    expect(parseNumber(' -0.5 ')).toBe(-0.5);
    expect(parseNumber('2.3e-4')).toBe(2.3e-4);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('+7.')).toBe(7);
    expect(parseNumber(1.88)).toBe(1.88);
  });
  it('refuses everything else', () => {
    for (const v of ['', '  ', 'abc', 'NaN', 'nan', 'inf', 'Infinity', '-inf', '0x10', '1,5', '1e', '1 2']) {
      expect(parseNumber(v)).toBeNull();
    }
    for (const v of [NaN, Infinity, null, undefined, true, [1], { a: 1 }]) expect(parseNumber(v)).toBeNull();
  });
});

describe('decodeText', () => {
  it('drops a UTF-8 BOM and reads UTF-16 with a BOM', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x61, 0, 0x62, 0]))).toBe('ab');
    expect(decodeText(new Uint8Array([0xfe, 0xff, 0, 0x61]))).toBe('a');
  });
});

describe('paths and places', () => {
  it('splits paths', () => {
    expect(baseName('a/b/1000041.cif')).toBe('1000041.cif');
    expect(dirName('a/b/1000041.cif')).toBe('a/b');
    expect(dirName('x.cif')).toBe('');
    expect(stemOf('a/1000041.cif')).toBe('1000041');
    expect(stemOf('a/.hidden')).toBe('.hidden');
    expect(extOf('x.JSON')).toBe('json');
    expect(extOf('POSCAR')).toBe('');
  });
  it('says where, with the data-row convention', () => {
    expect(where({ file: 't.csv', row: 37, line: 1204 })).toBe('t.csv, data row 37 (line 1204)');
    expect(where({ file: 'a.cif', line: 12 })).toBe('a.cif, line 12');
    expect(where({ file: 'a.cif' })).toBe('a.cif');
  });
});

describe('chooseTarget', () => {
  it('defaults to the first non-structural choice', () => {
    expect(chooseTarget(['heat_all', 'heat_ref', 'dir_gap', 'ind_gap'], undefined, 'x')).toBe('heat_all');
    expect(
      chooseTarget(['nsites', 'space_group', 'volume', 'band_gap', 'n', 'poly_total'], undefined, 'x'),
    ).toBe('band_gap');
    expect(chooseTarget(['volume', 'density'], undefined, 'x')).toBe('volume');
  });
  it('takes a requested choice exactly or case-insensitively, else names the choices', () => {
    expect(chooseTarget(['band_gap', 'n'], 'n', 'x')).toBe('n');
    expect(chooseTarget(['band_gap', 'n'], 'Band_Gap', 'x')).toBe('band_gap');
    expect(() => chooseTarget(['band_gap', 'n'], 'e_total', 'd.json')).toThrow(
      "The requested target 'e_total' is not a numeric column of d.json. Choose one of: band_gap, n.",
    );
    expect(() => chooseTarget([], undefined, 'd.json')).toThrow(DatasetInputError);
    expect(() => chooseTarget([], undefined, 'd.json')).toThrow(/d\.json has no numeric column/);
  });
  it('knows structural names', () => {
    expect(isStructuralName('Space Group')).toBe(true);
    expect(isStructuralName('nsites')).toBe(true);
    expect(isStructuralName('band_gap')).toBe(false);
  });
});

describe('3×3 algebra', () => {
  const L = [3, 0, 0, 1, 4, 0, 0.5, 0.5, 5];
  it('inverts and converts Cartesian to fractional (frac · L = cart)', () => {
    const inv = invert3(L)!;
    expect(det3(L)).toBeCloseTo(60, 12);
    const frac = [0.1, 0.2, 0.3];
    const cart = [0, 1, 2].map((k) => frac[0]! * L[k]! + frac[1]! * L[3 + k]! + frac[2]! * L[6 + k]!);
    const back = cartesianToFractional(cart, L)!;
    for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(frac[k]!, 12);
    expect(inv.length).toBe(9);
    expect(invert3([1, 0, 0, 2, 0, 0, 0, 0, 1])).toBeNull();
    expect(cartesianToFractional([0, 0, 0], [1, 0, 0, 1, 0, 0, 0, 0, 1])).toBeNull();
  });
});

describe('Collector', () => {
  const cubic = Float64Array.from([4, 0, 0, 0, 4, 0, 0, 0, 4]);
  it('validates, rejects duplicates and turns exceptions into rejections', () => {
    const c = new Collector(DEFAULT_LIMITS, new Progress(undefined));
    const good = () => ({
      structure: { lattice: cubic, numbers: Uint8Array.of(11), frac: Float64Array.of(0, 0, 0) },
    });
    expect(c.claimId('a', { file: 'f', row: 1 })).toBe(true);
    c.add('a', { file: 'f', row: 1 }, 1, good);
    expect(c.claimId('a', { file: 'f', row: 2 })).toBe(false);
    c.add('b', { file: 'g.cif' }, 2, () => {
      throw new Error('boom');
    });
    c.add('c', { file: 'h.cif' }, 3, () => ({ reason: 'unparseable', message: 'bad token', line: 7 }));
    c.add('d', { file: 'i.cif' }, 4, () => ({
      structure: { lattice: cubic, numbers: Uint8Array.of(11, 11), frac: Float64Array.of(0, 0, 0, 0, 0, 0) },
    }));
    expect(c.entries.map((e) => e.id)).toEqual(['a']);
    expect(c.rejected.map((r) => [r.id, r.reason, r.message])).toEqual([
      [
        'a',
        'duplicate-id',
        "f, data row 2 (id 'a'): id 'a' appears again (first at f, data row 1); only the first is used. Make ids unique.",
      ],
      ['b', 'unparseable', "g.cif (id 'b'): could not be read: boom"],
      ['c', 'unparseable', "h.cif, line 7 (id 'c'): bad token"],
      [
        'd',
        'overlapping-atoms',
        expect.stringContaining('site 1 (Na) and site 2 (Na) are 0.000 Å apart') as string,
      ],
    ]);
    expect(c.count).toBe(5);
  });
});

describe('Warnings and Progress', () => {
  it('caps warnings', () => {
    const w = new Warnings(2);
    for (const s of ['a', 'b', 'c', 'd']) w.add(s);
    expect(w.toArray()).toEqual(['a', 'b', '…and 2 more warnings like these.']);
  });
  it('reports about 100 times and ends with (n, n)', () => {
    const calls: [number, number][] = [];
    const p = new Progress((d, t) => calls.push([d, t]));
    p.expect(1000);
    for (let k = 0; k < 1000; k++) p.tick();
    p.finish();
    expect(calls.length).toBe(100);
    expect(calls[0]).toEqual([10, 1000]);
    expect(calls[calls.length - 1]).toEqual([1000, 1000]);
  });
});
