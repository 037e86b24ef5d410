import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Structure } from '../types.ts';
import { DEFAULT_LIMITS } from '../validate.ts';
import { Progress } from './common.ts';
import { isPoscarName, loadPoscarSet, looksLikePoscar, parsePoscar, poscarKeys } from './poscar.ts';
import type { StructureOrProblem } from './pymatgen.ts';

const vf = (path: string, text: string) => ({ path, bytes: strToU8(text) });
const round = (a: ArrayLike<number>) => Array.from(a, (x) => Math.round(x * 1e10) / 1e10);
function ok(r: StructureOrProblem): Structure {
  if (!('structure' in r)) throw new Error(`${r.reason}: ${r.message}`);
  return r.structure;
}

/** pymatgen's POSCAR of rutile TiO2 (VASP 5, Direct). */
const RUTILE = `Ti2 O4
1.0
4.594 0.000000 0.000000
0.000000 4.594 0.000000
0.000000 0.000000 2.959
Ti O
2 4
direct
0.000000 0.000000 0.000000 Ti
0.500000 0.500000 0.500000 Ti
0.305000 0.305000 0.000000 O
0.695000 0.695000 0.000000 O
0.195000 0.805000 0.500000 O
0.805000 0.195000 0.500000 O
`;

describe('parsePoscar', () => {
  it('reads a VASP 5 POSCAR in direct coordinates', () => {
    const s = ok(parsePoscar(RUTILE));
    expect(Array.from(s.lattice)).toEqual([4.594, 0, 0, 0, 4.594, 0, 0, 0, 2.959]);
    expect(Array.from(s.numbers)).toEqual([22, 22, 8, 8, 8, 8]);
    expect(Array.from(s.frac.slice(6, 9))).toEqual([0.305, 0.305, 0]);
  });

  it('applies the scale to the lattice and to Cartesian coordinates', () => {
    const text = `scaled\n2.0\n2 0 0\n0 2 0\n1 0 3\nNa Cl\n1 1\nCartesian\n0 0 0\n3 2 3\n`;
    const s = ok(parsePoscar(text));
    expect(Array.from(s.lattice)).toEqual([4, 0, 0, 0, 4, 0, 2, 0, 6]);
    // cart (6, 4, 6) = 1·a + 1·b + 1·c → frac (1, 1, 1); check frac · L = cart instead of exact values.
    const f = s.frac;
    const cart = [0, 1, 2].map(
      (k) => f[3]! * s.lattice[k]! + f[4]! * s.lattice[3 + k]! + f[5]! * s.lattice[6 + k]!,
    );
    expect(round(cart)).toEqual([6, 4, 6]);
  });

  it('reads a negative scale as the cell volume, and three per-axis scales', () => {
    const vol = ok(parsePoscar(`v\n-64\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n`));
    expect(round(vol.lattice)).toEqual([4, 0, 0, 0, 4, 0, 0, 0, 4]);
    const axes = ok(parsePoscar(`v\n1 2 3\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n`));
    expect(Array.from(axes.lattice)).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3]);
  });

  it('skips Selective dynamics and trailing flags; species with POTCAR suffixes', () => {
    const text = `c\n1\n4 0 0\n0 4 0\n0 0 4\nFe_pv/abc O\n1 1\nSelective dynamics\nDirect\n0 0 0 T T F\n0.5 0.5 0.5 F F F O\n`;
    const s = ok(parsePoscar(text));
    expect(Array.from(s.numbers)).toEqual([26, 8]);
    expect(Array.from(s.frac)).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
  });

  it('rejects a VASP 4 file (no species line) asking for VASP 5', () => {
    const r = parsePoscar(`Ti2 O4\n1.0\n4.594 0 0\n0 4.594 0\n0 0 2.959\n2 4\ndirect\n0 0 0\n`);
    expect(r).toMatchObject({ reason: 'unsupported', line: 6 });
    expect('message' in r && r.message).toContain('VASP 4 POSCAR');
    expect('message' in r && r.message).toContain('VASP 5 format');
  });

  it('names the line of each problem', () => {
    const cases: [string, string, number, RegExp][] = [
      ['bad scale', `c\nx\n4 0 0\n0 4 0\n0 0 4\nNa\n1\nD\n0 0 0\n`, 2, /scale factor/],
      ['bad lattice', `c\n1\n4 0 0\n0 4\n0 0 4\nNa\n1\nD\n0 0 0\n`, 4, /lattice vector b/],
      ['bad counts', `c\n1\n4 0 0\n0 4 0\n0 0 4\nNa Cl\n1\nD\n0 0 0\n`, 7, /one atom count per element/],
      [
        'truncated',
        `c\n1\n4 0 0\n0 4 0\n0 0 4\nNa Cl\n1 1\nDirect\n0 0 0\n`,
        10,
        /ends after 1 of 2 coordinate lines/,
      ],
      [
        'bad coordinate',
        `c\n1\n4 0 0\n0 4 0\n0 0 4\nNa\n1\nDirect\n0 zero 0\n`,
        9,
        /three coordinates of atom 1/,
      ],
    ];
    for (const [name, text, line, message] of cases) {
      const r = parsePoscar(text);
      expect(r, name).toMatchObject({ reason: 'unparseable', line });
      expect('message' in r && r.message, name).toMatch(message);
    }
    expect(parsePoscar(`c\n1\n4 0 0\n0 4 0\n0 0 4\nXx\n1\nD\n0 0 0\n`)).toMatchObject({
      reason: 'unknown-element',
      line: 6,
    });
    expect(parsePoscar(RUTILE, 4)).toMatchObject({ reason: 'too-many-atoms', line: 7 });
  });

  it('recognises POSCAR shape and names', () => {
    expect(looksLikePoscar(RUTILE)).toBe(true);
    expect(looksLikePoscar('a,b\n1,2\n')).toBe(false);
    expect(isPoscarName('x/POSCAR')).toBe(true);
    expect(isPoscarName('CONTCAR_relaxed')).toBe(true);
    expect(isPoscarName('mp-1.vasp')).toBe(true);
    expect(isPoscarName('mp-1.cif')).toBe(false);
    expect(poscarKeys('set/mp-1.vasp')).toEqual(['mp-1']);
    expect(poscarKeys('set/mp-2/POSCAR')).toEqual(['mp-2']);
    expect(poscarKeys('POSCAR_mp-3')).toEqual(['POSCAR_mp-3', 'mp-3']);
    expect(poscarKeys('mp-4_CONTCAR')).toEqual(['mp-4_CONTCAR', 'mp-4']);
  });
});

describe('loadPoscarSet', () => {
  it('pairs files and targets by stem and rejects what does not pair', () => {
    const r = loadPoscarSet(
      [vf('s/a.vasp', RUTILE), vf('s/POSCAR_b', RUTILE), vf('s/c.vasp', RUTILE)],
      vf('s/targets.csv', 'id,energy,gap\na,-1,0.5\nb,-2,0.6\nd,-4,0.8\n'),
      { limits: DEFAULT_LIMITS, progress: new Progress(undefined), target: 'gap' },
    );
    expect(r.targetChoices).toEqual(['energy', 'gap']);
    expect(r.entries.map((e) => [e.id, e.target, e.source.file])).toEqual([
      ['a', 0.5, 's/a.vasp'],
      ['b', 0.6, 's/POSCAR_b'],
    ]);
    expect(r.rejected.map((x) => [x.id, x.reason])).toEqual([
      ['d', 'id-without-structure'],
      ['c', 'structure-without-id'],
    ]);
    expect(r.rejected[0]!.message).toContain("a POSCAR file named 'd.vasp', 'd' or 'd/POSCAR'");
  });
});
