import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { closeRel, describeOracle, readOracle } from '../../test/oracle.ts';
import {
  CifError,
  latticeFromParameters,
  parseCif,
  parseCifBlocks,
  parseCifNumber,
  parseSymop,
  reducedFormula,
  type CifResult,
} from './cif.ts';
import { describeShared, readSharedText } from './testing/shared.ts';

// ---------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------

/** Periodic difference of two fractional coordinates, in [-0.5, 0.5]. */
function fracDiff(a: number, b: number): number {
  const d = a - b;
  return d - Math.round(d);
}

function catchCif(fn: () => unknown): CifError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CifError) return e;
    throw e;
  }
  throw new Error('expected a CifError');
}

function frac3(r: CifResult): number[][] {
  const out: number[][] = [];
  const f = r.structure.frac;
  for (let i = 0; i < f.length; i += 3) out.push([f[i] as number, f[i + 1] as number, f[i + 2] as number]);
  return out;
}

/** A minimal NaCl-like P1 CIF (lines numbered in comments). */
const P1 = [
  'data_nacl', // 1
  '_cell_length_a 4.0', // 2
  '_cell_length_b 4.0', // 3
  '_cell_length_c 4.0', // 4
  '_cell_angle_alpha 90', // 5
  '_cell_angle_beta 90', // 6
  '_cell_angle_gamma 90', // 7
  'loop_', // 8
  '_atom_site_label', // 9
  '_atom_site_fract_x', // 10
  '_atom_site_fract_y', // 11
  '_atom_site_fract_z', // 12
  'Cl1 0.5 0.5 0.5', // 13
  'Na1 0 0 0', // 14
  '',
].join('\n');

const CELL = [
  '_cell_length_a 4.0',
  '_cell_length_b 4.0',
  '_cell_length_c 4.0',
  '_cell_angle_alpha 90',
  '_cell_angle_beta 90',
  '_cell_angle_gamma 90',
];

function cif(...lines: string[]): string {
  return ['data_t', ...CELL, ...lines, ''].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// oracle: pymatgen 2022.11 structures of the 10 COD CIFs and 20 perovskite CIFs
// ---------------------------------------------------------------------------------------------------

interface FeaturizeCase {
  source: string;
  id: string;
  loader: string;
  pymatgen_warnings: string[];
  num_sites: number;
  formula: string;
  lattice_matrix: number[][];
  Z: number[];
  frac_coords: number[][];
  cart_coords: number[][];
}

/** material_id → cif text of a perov5 CSV (papaparse: the CIFs are multi-line quoted fields). */
function perovCifs(file: string): Map<string, { cif: string; formula: string }> {
  const parsed = Papa.parse<Record<string, string>>(readSharedText(file), {
    header: true,
    skipEmptyLines: true,
  });
  const out = new Map<string, { cif: string; formula: string }>();
  for (const row of parsed.data) {
    out.set(row['material_id'] ?? '', { cif: row['cif'] ?? '', formula: row['formula'] ?? '' });
  }
  return out;
}

describeOracle('featurize.json', 'parseCif vs pymatgen 2022.11', () => {
  const cases = readOracle<{ cases: FeaturizeCase[] }>('featurize.json').cases.filter((c) =>
    /cif/i.test(c.loader),
  );

  it('has the 30 CIF cases (10 COD + 20 perov5)', () => {
    expect(cases.length).toBe(30);
  });

  describeShared('data', 'CIF texts', () => {
    const perov = perovCifs('data/perov5-castelli/test.csv');
    const textOf = (c: FeaturizeCase): string =>
      c.source === 'cgcnn-sample-regression'
        ? readSharedText(`data/cgcnn-sample-regression/${c.id}.cif`)
        : (perov.get(c.id)?.cif ?? '');

    // Tolerances: frac coords |Δ mod 1| ≤ 1e-9; lattice |Δ| ≤ 1e-9·max(|a|,|b|) + 1e-12 Å;
    // cartesian |Δ| ≤ 1e-9 Å. Observed: frac and lattice agree to the last bit or within ~1e-15.
    it.each(cases.map((c) => [`${c.source} ${c.id}`, c] as const))('%s', (_name, c) => {
      const r = parseCif(textOf(c));
      const s = r.structure;
      expect(s.numbers.length).toBe(c.num_sites);
      expect(Array.from(s.numbers)).toEqual(c.Z);
      expect(r.formula).toBe(c.formula);
      for (let i = 0; i < 9; i++) {
        const e = c.lattice_matrix[Math.floor(i / 3)]?.[i % 3] as number;
        expect(closeRel(s.lattice[i] as number, e, 1e-9, 1e-12), `lattice[${i}]`).toBe(true);
      }
      for (let i = 0; i < c.num_sites; i++) {
        for (let a = 0; a < 3; a++) {
          const got = s.frac[3 * i + a] as number;
          const want = c.frac_coords[i]?.[a] as number;
          expect(Math.abs(fracDiff(got, want)), `frac[${i}][${a}] ${got} vs ${want}`).toBeLessThanOrEqual(
            1e-9,
          );
          expect(got).toBeGreaterThanOrEqual(0);
          expect(got).toBeLessThan(1);
        }
        // cartesian = frac · lattice, same as pymatgen's cart_coords
        for (let a = 0; a < 3; a++) {
          let cart = 0;
          for (let k = 0; k < 3; k++)
            cart += (s.frac[3 * i + k] as number) * (s.lattice[3 * k + a] as number);
          expect(Math.abs(cart - (c.cart_coords[i]?.[a] as number))).toBeLessThanOrEqual(1e-9);
        }
      }
      const pmRounded = c.pymatgen_warnings.some((w) => w.includes('rounded to ideal values'));
      const ourRounded = r.warnings.some((w) => w.includes('rounded to ideal values'));
      expect(ourRounded).toBe(pmRounded);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// all 7,572 perovskite CIFs: every one parses into its 5-atom cell with the CSV's composition
// ---------------------------------------------------------------------------------------------------

/** Element counts of a formula like 'TiOsOFN' or 'Ba2TiO4'. */
function countsOfFormula(formula: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, el, n] of formula.matchAll(/([A-Z][a-z]?)(\d*)/g)) {
    m.set(el as string, (m.get(el as string) ?? 0) + (n ? Number(n) : 1));
  }
  return m;
}

describeShared('data/perov5-castelli/val.csv', 'parseCif on all perov5 CIFs', () => {
  it('parses test.csv + val.csv (7,572 CIFs), composition = the formula column; prints ms per CIF', () => {
    const all = [
      ...perovCifs('data/perov5-castelli/test.csv').values(),
      ...perovCifs('data/perov5-castelli/val.csv').values(),
    ];
    expect(all.length).toBe(7572);
    const results: CifResult[] = [];
    // warm-up, then time
    for (let i = 0; i < 500; i++) parseCif((all[i] as { cif: string }).cif);
    const t0 = performance.now();
    for (const { cif: text } of all) results.push(parseCif(text));
    const ms = performance.now() - t0;
    console.log(
      `[cif] parseCif: ${(ms / all.length).toFixed(4)} ms per perov5 CIF (${all.length} CIFs, ${ms.toFixed(0)} ms)`,
    );
    results.forEach((r, i) => {
      const want = countsOfFormula((all[i] as { formula: string }).formula);
      const got = countsOfFormula(r.formula);
      expect(r.structure.numbers.length).toBe(5);
      // the reduced formula of a 5-atom ABX3 cell is the cell's own composition
      expect(got).toEqual(want);
      // the only remark pymatgen (and we) make on these: one CIF has a coordinate snapped to 1/3 or 2/3
      expect(r.warnings.filter((w) => !w.includes('rounded to ideal values'))).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// unit tests with inline CIFs
// ---------------------------------------------------------------------------------------------------

describe('parseCifNumber (pymatgen str2float)', () => {
  it.each([
    ['0.2500(3)', 0.25],
    ['0.25(12', 0.25],
    ['-0.39078906', -0.39078906],
    ['1.', 1],
    ['0.', 0],
    ['.5', 0.5],
    ['+2', 2],
    ['1.5e-3', 0.0015],
    ['2E+2(1)', 200],
  ])('%s → %s', (text, want) => {
    expect(parseCifNumber(text)).toBe(want);
  });
  it.each(['?', '.', '', 'abc', '1.2.3', '0x10', 'inf', 'nan', '1e', '(3)', '0.25('])('%s → NaN', (text) => {
    expect(parseCifNumber(text)).toBeNaN();
  });
});

describe('latticeFromParameters (pymatgen Lattice.from_parameters)', () => {
  // Expected values printed by pymatgen 2022.11 (numpy 1.24): Lattice.from_parameters(...).matrix.
  it.each([
    [
      [3.1, 4.2, 5.3, 71.5, 83.2, 99.7],
      [
        3.0781930751302644, 0.0, 0.36705230175015297, -0.8715810721778164, 3.8864265891997114,
        1.3326795569013872, 0, 0, 5.3,
      ],
    ],
    [
      [5.62, 5.62, 5.62, 90, 90, 90],
      [5.62, 0, 3.4412575056040625e-16, -3.4412575056040625e-16, 5.62, 3.4412575056040625e-16, 0, 0, 5.62],
    ],
    [
      [3.8227, 3.8227, 6.2607, 90, 90, 120],
      [
        3.8227, 0, 2.340728659550294e-16, -1.9113499999999997, 3.310555311046774, 2.340728659550294e-16, 0, 0,
        6.2607,
      ],
    ],
  ])('%j', (p, want) => {
    const m = latticeFromParameters(...(p as [number, number, number, number, number, number]));
    want.forEach((w, i) =>
      expect(closeRel(m[i] as number, w, 1e-12, 1e-15), `[${i}] ${m[i]} vs ${w}`).toBe(true),
    );
  });
});

describe('parseSymop (pymatgen SymmOp.from_xyz_string)', () => {
  it('reads rotations and translations in all the usual spellings', () => {
    expect(Array.from(parseSymop('x, y, z') ?? [])).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(parseSymop('-x+1/2, y, -z+0.25') ?? [])).toEqual([
      -1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, -1, 0.25,
    ]);
    expect(Array.from(parseSymop('x-y,x,z+1/2') ?? [])).toEqual([1, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0.5]);
    expect(Array.from(parseSymop('1/2+X, -Y+X, 2/3 - z') ?? [])).toEqual([
      1,
      0,
      0,
      0.5,
      1,
      -1,
      0,
      0,
      0,
      0,
      -1,
      2 / 3,
    ]);
    expect(Array.from(parseSymop('+x,+y,+z') ?? [])).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });
  it.each(['x, y', 'x,y,z,x', 'x,,z', 'a,b,c', 'x+,y,z', 'x,y,z+1/0'])('rejects %s', (t) => {
    expect(parseSymop(t)).toBeNull();
  });
});

describe('reducedFormula (pymatgen Composition.reduced_formula)', () => {
  it.each([
    [[11, 11, 11, 11, 17, 17, 17, 17], 'NaCl'],
    [[22, 76, 7, 8, 9], 'TiOsNOF'],
    [[28, 1, 1, 8, 8], 'Ni(HO)2'],
    [[8, 8], 'O2'],
    [[11, 8, 11, 8], 'Na2O2'],
    [[6, 6, 6, 6], 'C'],
    [[56, 22, 8, 8, 8], 'BaTiO3'],
    [[], ''],
  ])('%j → %s', (zs, want) => {
    expect(reducedFormula(zs)).toBe(want);
  });
});

describe('parseCifBlocks (CIF 1.1 syntax)', () => {
  it('reads tags, loops, blocks, and keeps values as written', () => {
    const blocks = parseCifBlocks(
      [
        '# comment',
        'data_one',
        '_Tag_Upper   value1  # trailing comment',
        '_quoted "a b # c"',
        '_empty ?',
        'loop_',
        ' _a _b',
        ' 1 2',
        ' 3 4',
        'data_two',
        '_x 1',
      ].join('\n'),
    );
    expect(blocks.map((b) => b.name)).toEqual(['one', 'two']);
    const one = blocks[0];
    expect(one?.items.get('_tag_upper')).toEqual({ kind: 'value', value: 'value1', line: 3 });
    expect(one?.items.get('_quoted')).toMatchObject({ value: 'a b # c' });
    expect(one?.items.get('_empty')).toMatchObject({ value: '?' });
    expect(one?.loops[0]?.values).toEqual(['1', '2', '3', '4']);
    expect(one?.loops[0]?.lines).toEqual([8, 8, 9, 9]);
    expect(one?.warnings).toEqual([]);
  });

  it('quotes: an embedded quote not followed by a blank stays in the value', () => {
    const [b] = parseCifBlocks(`data_q\n_a 'O'Neil's salt'\n_b "say "hi"now"\n_c 'x'\n_d "a "b" c"`);
    expect(b?.items.get('_a')).toMatchObject({ value: "O'Neil's salt" });
    expect(b?.items.get('_b')).toMatchObject({ value: 'say "hi"now' });
    // a quote followed by a blank does end the value: 'c"' is then a stray value
    expect(b?.items.get('_d')).toMatchObject({ value: 'a "b' });
    expect(b?.warnings.join('\n')).toMatch(/line 5: value 'c"' belongs to no tag/);
    expect(b?.items.get('_c')).toMatchObject({ value: 'x' });
  });

  it('semicolon text fields may hold anything, including loop_ and tags', () => {
    const [b] = parseCifBlocks(
      ['data_t', '_title', ';', 'loop_', '_atom_site_fract_x 0.1', "it's", ';', '_next 5'].join('\n'),
    );
    expect(b?.items.get('_title')).toMatchObject({ value: "\nloop_\n_atom_site_fract_x 0.1\nit's" });
    expect(b?.items.get('_next')).toEqual({ kind: 'value', value: '5', line: 8 });
    expect(b?.loops).toEqual([]);
  });

  it('reports tags without values and stray values as warnings', () => {
    const [b] = parseCifBlocks('data_w\n_a\n_b 2\nstray\n');
    expect(b?.items.has('_a')).toBe(false);
    expect(b?.items.get('_b')).toMatchObject({ value: '2' });
    expect(b?.warnings.join('\n')).toMatch(/line 2: _a has no value/);
    expect(b?.warnings.join('\n')).toMatch(/line 4: value 'stray' belongs to no tag/);
  });

  it('skips save frames', () => {
    const [b] = parseCifBlocks('data_s\nsave_frame\n_inside 1\nsave_\n_outside 2\n');
    expect(b?.items.has('_inside')).toBe(false);
    expect(b?.items.get('_outside')).toMatchObject({ value: '2' });
  });
});

describe('parseCif: features', () => {
  it('reads a P1 CIF without symmetry operations (P1 assumed, as pymatgen) in electronegativity order', () => {
    const r = parseCif(P1);
    expect(r.blockName).toBe('nacl');
    expect(r.formula).toBe('NaCl');
    expect(Array.from(r.structure.numbers)).toEqual([11, 17]); // Na (0.93) before Cl (3.16)
    expect(frac3(r)).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
    ]);
    expect(Array.from(r.structure.lattice)).toEqual(Array.from(latticeFromParameters(4, 4, 4, 90, 90, 90)));
    expect(r.warnings.join('\n')).toMatch(/Defaulting to P1/);
  });

  it('loop columns in any order, type symbol preferred over label, occupancy 1', () => {
    const r = parseCif(
      cif(
        'loop_',
        '_atom_site_fract_z',
        '_atom_site_occupancy',
        '_atom_site_type_symbol',
        '_atom_site_fract_y',
        '_atom_site_label',
        '_atom_site_fract_x',
        '0.3 1.0 Si 0.2 X1 0.1',
        '0.0 1 O 0.5 Q2 0.25',
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual([14, 8]);
    expect(frac3(r)).toEqual([
      [0.1, 0.2, 0.3],
      [0.25, 0.5, 0],
    ]);
  });

  it('quoted labels and values with spaces', () => {
    const r = parseCif(
      cif(
        "_chemical_name_common 'O'Neil's # not a comment'",
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        "'Na1' 0 0 0",
        '"Cl 1"\t0.5', // a loop row may span lines; tabs are blanks
        '  0.5 0.5',
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual([11, 17]);
  });

  it('a semicolon text field before the atoms does not disturb them', () => {
    const r = parseCif(
      cif(
        '_publ_section_title',
        ';',
        ' loop_ _atom_site_fract_x 0.9 "unbalanced',
        ';',
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        'Na1 0 0 0',
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual([11]);
  });

  const BCC_SITES = [
    'loop_',
    '_atom_site_label',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
  ];
  const BCC_OPS = ["'x, y, z'", "'-x, -y, -z'", "'x+1/2, y+1/2, z+1/2'", "'-x+1/2,-y+1/2,-z+1/2'"];

  it('symmetry ops under either tag give the same structure; special positions de-duplicate', () => {
    const a = parseCif(
      cif('loop_', '_symmetry_equiv_pos_as_xyz', ...BCC_OPS, ...BCC_SITES, 'Fe1 0 0 0', 'C1 0.1 0.2 0.3'),
    );
    const b = parseCif(
      cif(
        'loop_',
        '_space_group_symop_id',
        '_space_group_symop_operation_xyz',
        ...BCC_OPS.map((o, i) => `${i + 1} ${o}`),
        ...BCC_SITES,
        'Fe1 0 0 0',
        'C1 0.1 0.2 0.3',
      ),
    );
    // Fe on the special position 0,0,0: 4 images → 2 sites; C in a general position: 4 sites.
    expect(Array.from(a.structure.numbers)).toEqual([26, 26, 6, 6, 6, 6]);
    expect(frac3(a)).toEqual(frac3(b));
    const f = frac3(a);
    expect(f[0]).toEqual([0, 0, 0]);
    expect(f[1]).toEqual([0.5, 0.5, 0.5]);
    expect(f[2]).toEqual([0.1, 0.2, 0.3]);
    expect(f[3]?.map((v) => +v.toFixed(12))).toEqual([0.9, 0.8, 0.7]);
    expect(f[4]?.map((v) => +v.toFixed(12))).toEqual([0.6, 0.7, 0.8]);
    expect(f[5]?.map((v) => +v.toFixed(12))).toEqual([0.4, 0.3, 0.2]);
    expect(a.formula).toBe('FeC2');
    expect(a.warnings).toEqual([]);
  });

  it('uncertainties are dropped and 0.3333/0.6667 snap to 1/3, 2/3 (pymatgen _sanitize_data)', () => {
    const r = parseCif(
      [
        'data_hex',
        '_cell_length_a 3.8227(1)',
        '_cell_length_b 3.8227(1)',
        '_cell_length_c 6.2607(1)',
        '_cell_angle_alpha 90',
        '_cell_angle_beta 90',
        '_cell_angle_gamma 120',
        'loop_',
        '_symmetry_equiv_pos_as_xyz',
        'x,y,z',
        '-y,x-y,z',
        '-x+y,-x,z',
        '-x,-y,-z',
        'y,-x+y,-z',
        'x-y,x,-z',
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        'Zn1 0.3333 0.6667 0.2500(3)',
      ].join('\n'),
    );
    // exactly pymatgen 2022.11's coordinates (−1/3 wraps to 1 − 1/3 = 0.6666666666666667)
    expect(frac3(r)).toEqual([
      [0.3333333333333333, 0.6666666666666666, 0.25],
      [0.6666666666666667, 0.33333333333333337, 0.75],
    ]);
    expect(r.warnings.join('\n')).toMatch(/rounded to ideal values/);
    expect(Array.from(r.structure.lattice)).toEqual(
      Array.from(latticeFromParameters(3.8227, 3.8227, 6.2607, 90, 90, 120)),
    );
  });

  it('oxidation-state and label spellings map to elements', () => {
    const r = parseCif(
      cif(
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        'Na1+ 0 0 0',
        'O2- 0.1 0 0',
        'Fe3+ 0.2 0 0',
        'Ca1 0.3 0 0',
        'OW1 0.4 0 0',
        'Cl1- 0.5 0 0',
      ),
    );
    // electronegativity order: Na 0.93, Ca 1.0, Fe 1.83, Cl 3.16, O 3.44 (O2- then OW1, file order)
    expect(Array.from(r.structure.numbers)).toEqual([11, 20, 26, 17, 8, 8]);
    expect(frac3(r).map((p) => p[0])).toEqual([0, 0.3, 0.2, 0.5, 0.1, 0.4]);
  });

  it('with _atom_type_oxidation_number, same-element sites sort by species string as pymatgen (Fe2+ < Fe3+)', () => {
    // pymatgen 2022.11 gives: Fe2+ (0.2), Fe3+ (0.0), Fe3+ (0.4), O2- (0.6)
    const r = parseCif(
      cif(
        'loop_',
        '_atom_site_label',
        '_atom_site_type_symbol',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        'Fe1 Fe3+ 0 0 0',
        'Fe2 Fe2+ 0.2 0 0',
        'Fe3 Fe3+ 0.4 0 0',
        'O1 O2- 0.6 0 0',
        'loop_',
        '_atom_type_symbol',
        '_atom_type_oxidation_number',
        'Fe3+ 3',
        'Fe2+ 2',
        'O2- -2',
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual([26, 26, 26, 8]);
    expect(frac3(r).map((p) => p[0])).toEqual([0.2, 0, 0.4, 0.6]);
    expect(r.formula).toBe('Fe3O');
  });

  // Expected orders printed by pymatgen 2022.11 (Structure.from_str(cif, 'cif')): with NaN
  // electronegativities its sort is not a consistent order, so the result depends on CPython's algorithm.
  it.each([
    [
      ['F1 0 0 0', 'Ar1 0.2 0 0', 'Li1 0.4 0 0', 'Ar2 0.6 0 0'],
      [18, 18, 3, 9],
      [0.2, 0.6, 0.4, 0],
    ],
    [
      ['Li1 0 0 0', 'He1 0.2 0 0', 'F1 0.4 0 0', 'Ne1 0.6 0 0', 'B1 0.8 0 0', 'He2 0.1 0 0'],
      [5, 9, 2, 2, 3, 10],
      [0.8, 0.4, 0.2, 0.1, 0, 0.6],
    ],
  ])('elements without electronegativity (%j) sort as pymatgen does', (rows, numbers, xs) => {
    const r = parseCif(
      cif(
        'loop_',
        '_symmetry_equiv_pos_as_xyz',
        "'x, y, z'",
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        ...rows,
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual(numbers);
    expect(frac3(r).map((p) => p[0])).toEqual(xs);
  });

  it('CRLF, CR-only line breaks and a BOM read the same as LF', () => {
    const ref = parseCif(P1);
    for (const text of [
      P1.replaceAll('\n', '\r\n'),
      P1.replaceAll('\n', '\r'),
      `\uFEFF${P1}`,
      `\uFEFF${P1.replaceAll('\n', '\r\n')}`,
    ]) {
      const r = parseCif(text);
      expect(Array.from(r.structure.numbers)).toEqual(Array.from(ref.structure.numbers));
      expect(Array.from(r.structure.frac)).toEqual(Array.from(ref.structure.frac));
      expect(r.blockName).toBe('nacl');
    }
    // line numbers count CRLF as one line break
    const e = catchCif(() => parseCif(P1.replace('Na1 0 0 0', 'Xx1 0 0 0').replaceAll('\n', '\r\n')));
    expect(e.line).toBe(14);
  });

  it('tags are case-insensitive and DDL2 dotted names are accepted', () => {
    const r = parseCif(
      [
        'DATA_upper',
        '_CELL_LENGTH_A 4',
        '_cell.length_b 4',
        '_cell_length_C 4',
        '_cell_angle_alpha 90',
        '_cell_angle_beta 90',
        '_cell_angle_gamma 90',
        'LOOP_',
        '_atom_site.type_symbol',
        '_atom_site.fract_x',
        '_atom_site.fract_y',
        '_atom_site.fract_z',
        'K 0 0 0',
      ].join('\n'),
    );
    expect(Array.from(r.structure.numbers)).toEqual([19]);
  });

  it('uses the first block with atoms and mentions the others', () => {
    const text = `data_meta\n_journal_year 1999\n${P1}${P1.replace('data_nacl', 'data_second')}`;
    const r = parseCif(text);
    expect(r.blockName).toBe('nacl');
    expect(r.warnings.join('\n')).toMatch(/2 data blocks with atoms/);
    expect(parseCifBlocks(text).map((b) => b.name)).toEqual(['meta', 'nacl', 'second']);
  });

  it('space group P 1 by symbol only is the identity; occupancy near 1 and occupancy 0 are reported', () => {
    const r = parseCif(
      cif(
        "_symmetry_space_group_name_H-M 'P 1'",
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        '_atom_site_occupancy',
        'Na1 0 0 0 0.998(2)',
        'Cl1 0.5 0.5 0.5 1',
        'Cl2 0.25 0.25 0.25 0',
      ),
    );
    expect(Array.from(r.structure.numbers)).toEqual([11, 17]);
    const w = r.warnings.join('\n');
    expect(w).toMatch(/Spacegroup from _symmetry_space_group_name_h-m used/);
    expect(w).toMatch(/occupancy within 0\.01 of 1 read as fully occupied/);
    expect(w).toMatch(/1 atom site with occupancy 0 skipped/);
  });

  it('wraps coordinates into [0, 1) with f − floor(f)', () => {
    const r = parseCif(
      cif(
        'loop_',
        '_atom_site_label',
        '_atom_site_fract_x',
        '_atom_site_fract_y',
        '_atom_site_fract_z',
        'Na1 -0.39078906 1.25 -0.0',
      ),
    );
    expect(frac3(r)).toEqual([[-0.39078906 - Math.floor(-0.39078906), 0.25, 0]]);
  });
});

describe('parseCif: errors (reason, line, message)', () => {
  it('truncated CIF cut mid-loop', () => {
    const text = P1.slice(0, P1.indexOf('Na1 0 0 0') + 'Na1 0 0'.length);
    const e = catchCif(() => parseCif(text));
    expect(e.reason).toBe('unparseable');
    expect(e.line).toBe(14);
    expect(e.message).toMatch(/line 14: .*incomplete row of 3 values.*truncated/);
  });

  it('truncated inside a quoted value or a text field', () => {
    let e = catchCif(() => parseCif(`${P1}_title 'never closed`));
    expect([e.reason, e.line]).toEqual(['unparseable', 15]);
    expect(e.message).toMatch(/never closed/);
    e = catchCif(() => parseCif(`${P1};\nsome text\n`));
    expect([e.reason, e.line]).toEqual(['unparseable', 15]);
    expect(e.message).toMatch(/text field .* never closed/);
  });

  it('garbage bytes', () => {
    const bytes = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe,
    ]);
    const e = catchCif(() => parseCif(new TextDecoder('latin1').decode(bytes)));
    expect(e.reason).toBe('unparseable');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/binary/);
    const e2 = catchCif(() => parseCif('hello world, this is not a CIF'));
    expect(e2.reason).toBe('unparseable');
    expect(e2.message).toMatch(/no data_ block/);
    expect(catchCif(() => parseCif('')).reason).toBe('unparseable');
  });

  it('missing cell', () => {
    const e = catchCif(() => parseCif(P1.replace('_cell_length_b 4.0\n', '')));
    expect(e.reason).toBe('unparseable');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/missing unit cell: no value for _cell_length_b/);
    const e2 = catchCif(() => parseCif(P1.replace('_cell_angle_gamma 90', '_cell_angle_gamma 200')));
    expect([e2.reason, e2.line]).toEqual(['unparseable', 7]);
    expect(e2.message).toMatch(/_cell_angle_gamma '200' is not a valid angle/);
    const e3 = catchCif(() =>
      parseCif(
        P1.replace('_cell_angle_gamma 90', '_cell_angle_gamma 170').replace(
          '_cell_angle_beta 90',
          '_cell_angle_beta 10',
        ),
      ),
    );
    expect(e3.reason).toBe('unparseable');
    expect(e3.message).toMatch(/do not describe a 3-D cell/);
  });

  it('missing coordinates; Cartesian-only sites', () => {
    const e = catchCif(() =>
      parseCif(
        P1.replace('_atom_site_fract_z\n', '')
          .replace('Cl1 0.5 0.5 0.5', 'Cl1 0.5 0.5')
          .replace('Na1 0 0 0', 'Na1 0 0'),
      ),
    );
    expect([e.reason, e.line]).toEqual(['unparseable', 1]);
    expect(e.message).toMatch(/missing _atom_site_fract_z/);
    const cart = P1.replaceAll('_atom_site_fract_', '_atom_site_Cartn_');
    const e2 = catchCif(() => parseCif(cart));
    expect(e2.reason).toBe('unsupported');
    expect(e2.message).toMatch(/Cartesian coordinates/);
    const e3 = catchCif(() => parseCif(P1.replace('Na1 0 0 0', 'Na1 0 ? 0')));
    expect([e3.reason, e3.line]).toEqual(['unparseable', 14]);
    expect(e3.message).toMatch(/_atom_site_fract_y '\?' of atom Na1 is not a number/);
  });

  it('partial occupancy, and a mixed site', () => {
    const head = [
      'loop_',
      '_atom_site_label',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      '_atom_site_occupancy',
    ];
    const e = catchCif(() => parseCif(cif(...head, 'Fe1 0 0 0 0.5', 'Co1 0 0 0 0.5')));
    expect(e.reason).toBe('partial-occupancy');
    expect(e.line).toBe(14);
    expect(e.message).toBe(
      'line 14: _atom_site_occupancy 0.5 for Fe1 (sharing its position with Co1): partial occupancy is not supported by CGCNN (each site must hold one element)',
    );
    const e2 = catchCif(() => parseCif(cif(...head, 'Fe1 0 0 0 1', 'Co1 0.5 0 0 0.75(2)')));
    expect([e2.reason, e2.line]).toEqual(['partial-occupancy', 15]);
    expect(e2.message).toMatch(/_atom_site_occupancy 0.75\(2\) for Co1: partial occupancy/);
    const e3 = catchCif(() =>
      parseCif(
        cif(
          'loop_',
          '_atom_site_label',
          '_atom_site_type_symbol',
          '_atom_site_fract_x',
          '_atom_site_fract_y',
          '_atom_site_fract_z',
          "Nb1 '0.8Nb + 0.2Zr' 0 0 0",
        ),
      ),
    );
    expect(e3.reason).toBe('partial-occupancy');
  });

  it('two atoms on one site (directly or by symmetry)', () => {
    const e = catchCif(() =>
      parseCif(
        cif(
          'loop_',
          '_symmetry_equiv_pos_as_xyz',
          'x,y,z',
          '-x,-y,-z',
          'loop_',
          '_atom_site_label',
          '_atom_site_fract_x',
          '_atom_site_fract_y',
          '_atom_site_fract_z',
          'Na1 0.1 0.2 0.3',
          'Na2 0.9 0.8 0.70001',
        ),
      ),
    );
    expect([e.reason, e.line]).toEqual(['overlapping-atoms', 18]);
    expect(e.message).toMatch(/atom Na2 \(Na\) sits on the position of atom Na1/);
  });

  it('unknown element', () => {
    const e = catchCif(() => parseCif(P1.replace('Na1 0 0 0', 'Xx1 0 0 0')));
    expect([e.reason, e.line]).toEqual(['unknown-element', 14]);
    expect(e.message).toMatch(/line 14: atom Xx1: 'Xx1' does not start with a chemical element symbol/);
  });

  it('no atoms', () => {
    let e = catchCif(() => parseCif(cif('_chemical_name_common salt')));
    expect(e.reason).toBe('no-atoms');
    expect(e.message).toMatch(/no data block has an _atom_site loop/);
    e = catchCif(() =>
      parseCif(
        cif(
          'loop_',
          '_atom_site_label',
          '_atom_site_fract_x',
          '_atom_site_fract_y',
          '_atom_site_fract_z',
          '_atom_site_occupancy',
          'Na1 0 0 0 0',
        ),
      ),
    );
    expect(e.reason).toBe('no-atoms');
    expect(e.message).toMatch(/every atom site has occupancy 0/);
  });

  it('too many atoms: listed rows, or after symmetry expansion', () => {
    const e = catchCif(() => parseCif(P1, { maxAtoms: 1, fileName: 'nacl.cif' }));
    expect([e.reason, e.line]).toEqual(['too-many-atoms', 14]);
    expect(e.message).toMatch(/^nacl\.cif, line 14: the structure has more than 1 atoms/);
    const bcc = cif(
      'loop_',
      '_symmetry_equiv_pos_as_xyz',
      'x,y,z',
      '-x,-y,-z',
      'x+1/2,y+1/2,z+1/2',
      'loop_',
      '_atom_site_label',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      'C1 0.1 0.2 0.3',
    );
    expect(parseCif(bcc, { maxAtoms: 3 }).structure.numbers.length).toBe(3);
    const e2 = catchCif(() => parseCif(bcc, { maxAtoms: 2 }));
    expect([e2.reason, e2.line]).toEqual(['too-many-atoms', 1]);
    expect(e2.message).toMatch(
      /^line 1: data_t: the structure has more than 2 atoms in its cell after applying the 3 symmetry operations/,
    );
  });

  it('space group by symbol only; unreadable symmetry operation', () => {
    const sites = [
      'loop_',
      '_atom_site_label',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      'Na1 0 0 0',
    ];
    const e = catchCif(() => parseCif(cif("_symmetry_space_group_name_H-M 'F m -3 m'", ...sites)));
    expect([e.reason, e.line]).toEqual(['unsupported', 8]);
    expect(e.message).toMatch(/space group is given only as .*'F m -3 m'.*explicit operations only/);
    const e2 = catchCif(() =>
      parseCif(cif('loop_', '_symmetry_equiv_pos_as_xyz', "'x,y,z'", "'-x,-y,q'", ...sites)),
    );
    expect([e2.reason, e2.line]).toEqual(['unparseable', 11]);
    expect(e2.message).toMatch(/symmetry operation '-x,-y,q'/);
  });
});
