import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../validate.ts';
import { parseAtomInit } from './atomInit.ts';
import { loadCgcnnFolder, structureFromCif } from './cgcnn.ts';
import { Progress, type FormatOptions } from './common.ts';
import { readIdTable } from './idTable.ts';
import { describeShared, readSharedText } from '../testing/shared.ts';

const vf = (path: string, text: string) => ({ path, bytes: strToU8(text) });
const opts = (target?: string): FormatOptions => ({
  limits: DEFAULT_LIMITS,
  progress: new Progress(undefined),
  ...(target !== undefined ? { target } : {}),
});

const cif = (name: string) =>
  `data_${name}
_cell_length_a 4.115
_cell_length_b 4.115
_cell_length_c 4.115
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Cs1 Cs+ 0 0 0
Cl1 Cl- 0.5 0.5 0.5
`;

describe('readIdTable', () => {
  it("reads cgcnn's header-less id_prop.csv", () => {
    const t = readIdTable('1000041,1.0\n1000050,2.0\n', 'id_prop.csv');
    expect(t.header).toBe(false);
    expect(t.columns).toEqual(['target']);
    expect(t.rows).toEqual([
      { id: '1000041', values: ['1.0'], row: 1, line: 1 },
      { id: '1000050', values: ['2.0'], row: 2, line: 2 },
    ]);
  });

  it('detects a header by a non-numeric second field, but not for NaN/empty/inf values', () => {
    const h = readIdTable('material_id,band_gap,e_form\na,1,2\nb,3,x\nc,5,\n', 't.csv');
    expect(h.header).toBe(true);
    expect(h.columns).toEqual(['band_gap', 'e_form']);
    expect(h.rows.map((r) => [r.id, r.row, r.line])).toEqual([
      ['a', 1, 2],
      ['b', 2, 3],
      ['c', 3, 4],
    ]);
    expect(h.numericColumns).toEqual(['band_gap', 'e_form']); // 1 number of 2 non-empty cells
    for (const first of ['a,NaN', 'a,', 'a,inf'])
      expect(readIdTable(`${first}\nb,1\n`, 'x').header).toBe(false);
    const wide = readIdTable('a,1,2,x\nb,3,4,y\n', 'w.csv');
    expect(wide.columns).toEqual(['target', 'target_2', 'target_3']);
    expect(wide.numericColumns).toEqual(['target', 'target_2']);
  });

  it('refuses an empty file and a single column', () => {
    expect(() => readIdTable('\n\n', 'id_prop.csv')).toThrow('id_prop.csv is empty');
    expect(() => readIdTable('a\nb\n', 'id_prop.csv')).toThrow('id_prop.csv has a single column');
  });
});

describe('parseAtomInit', () => {
  it('builds a NaN-padded table of the most common length', () => {
    const r = parseAtomInit(
      JSON.stringify({ '1': [1, 0, 0], '3': [0, 1, 0], '5': [0, 0], '0': [1, 1, 1], h: [1] }),
      'ai.json',
    );
    expect(r.atomInit?.dim).toBe(3);
    expect(r.atomInit?.maxZ).toBe(3);
    expect(Array.from(r.atomInit!.table.slice(3, 6))).toEqual([1, 0, 0]);
    expect(Array.from(r.atomInit!.table.slice(6, 9)).every(Number.isNaN)).toBe(true); // Z = 2 absent
    expect(r.problems).toEqual([
      "ai.json: key '0' is not an atomic number 1…118; ignored.",
      "ai.json: key 'h' is not an atomic number 1…118; ignored.",
      'ai.json: the vector of element 5 has length 2, not 3 like the others; ignored.',
    ]);
  });

  it('gives null with a reason for unusable files', () => {
    expect(parseAtomInit('{bad', 'a.json').problems[0]).toMatch(/^a\.json is not valid JSON/);
    expect(parseAtomInit('[1, 2]', 'a.json').atomInit).toBeNull();
    const none = parseAtomInit('{"1": ["x"]}', 'a.json');
    expect(none.atomInit).toBeNull();
    expect(none.problems).toContain(
      "a.json has no usable feature vectors; the lab's built-in atom features are used instead.",
    );
  });
});

describeShared('data/cgcnn-sample-regression/atom_init.json', 'cgcnn atom_init.json', () => {
  it('reads cgcnn default embedding: Z 1…100, 92 dims, 0/1 values', () => {
    const text = readSharedText('data/cgcnn-sample-regression/atom_init.json');
    const r = parseAtomInit(text, 'atom_init.json');
    expect(r.problems).toEqual([]);
    expect(r.atomInit?.dim).toBe(92);
    expect(r.atomInit?.maxZ).toBe(100);
    const raw = JSON.parse(text) as Record<string, number[]>;
    expect(Array.from(r.atomInit!.table.slice(8 * 92, 9 * 92))).toEqual(raw['8']);
  });
});

describe('loadCgcnnFolder', () => {
  it('prefers the CIF beside id_prop.csv when several share a stem', () => {
    const r = loadCgcnnFolder(
      vf('set/id_prop.csv', 'a,1\n'),
      [vf('other/a.cif', cif('x')), vf('set/a.cif', cif('a'))],
      opts(),
    );
    expect(r.entries.map((e) => [e.id, e.source.file])).toEqual([['a', 'set/a.cif']]);
    expect(r.warnings[0]).toContain("Several files answer to id 'a'");
  });

  it('passes CIF problems on with the reason and line, without repeating the line', () => {
    const broken = cif('b').replace('Cl1 Cl- 0.5 0.5 0.5', 'Cl1 Cl- 0.5 0.5');
    const r = structureFromCif(broken, 200);
    expect('reason' in r).toBe(true);
    if ('reason' in r) {
      expect(r.line).toBeGreaterThan(0);
      expect(r.message).not.toMatch(/^line \d+: /);
    }
    const folder = loadCgcnnFolder(vf('id_prop.csv', 'b,1\n'), [vf('b.cif', broken)], opts());
    expect(folder.rejected).toHaveLength(1);
    expect(folder.rejected[0]!.message).toMatch(/^b\.cif, line \d+ \(id 'b'\): /);
  });

  it('matches ids to file names case-insensitively when there is no exact match', () => {
    const r = loadCgcnnFolder(
      vf('id_prop.csv', 'mp-1,1\nmp-2,2\n'),
      [vf('MP-1.cif', cif('a')), vf('mp-2.cif', cif('b'))],
      opts(),
    );
    expect(r.entries.map((e) => [e.id, e.source.file])).toEqual([
      ['mp-1', 'MP-1.cif'],
      ['mp-2', 'mp-2.cif'],
    ]);
    expect(r.rejected).toEqual([]);
  });

  it('lets the user pick another target column', () => {
    const r = loadCgcnnFolder(vf('id_prop.csv', 'a,1,10\n'), [vf('a.cif', cif('a'))], opts('target_2'));
    expect(r.target).toBe('target_2');
    expect(r.entries[0]!.target).toBe(10);
    expect(() =>
      loadCgcnnFolder(vf('id_prop.csv', 'a,1\n'), [vf('a.cif', cif('a'))], opts('band_gap')),
    ).toThrow(
      "The requested target 'band_gap' is not a numeric column of id_prop.csv. Choose one of: target.",
    );
  });
});
