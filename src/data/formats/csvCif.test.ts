import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { p1Cif } from '../testing/fixtures.ts';
import { DEFAULT_LIMITS, type Limits } from '../validate.ts';
import { Progress, type FormatOptions } from './common.ts';
import { loadCsvCif, readCsvTables, smilesMessage } from './csvCif.ts';
import { findStructureColumn, isIndexColumn } from './structureTable.ts';
import { guessDelimiter, readTable } from './table.ts';

const vf = (path: string, text: string) => ({ path, bytes: strToU8(text) });
const opts = (over: Partial<FormatOptions> = {}, limits: Partial<Limits> = {}): FormatOptions => ({
  limits: { ...DEFAULT_LIMITS, ...limits },
  progress: new Progress(undefined),
  ...over,
});
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A P1 CIF of CsCl (cubic, a = 4.115 Å), written like pymatgen does. */
const cif = (name: string, a = 4.115) =>
  p1Cif(name, a, [
    ['Cs', 0, 0, 0],
    ['Cl', 0.5, 0.5, 0.5],
  ]);

describe('readTable', () => {
  it('gives each row the line it starts on, across multi-line quoted fields and CRLF', () => {
    const text = 'a,b\r\n1,"x\ny\nz"\r\n\r\n2,w\n3,"q"\n';
    const t = readTable(text);
    expect(t.rows.map((r) => [r.cells, r.line])).toEqual([
      [['a', 'b'], 1],
      [['1', 'x\ny\nz'], 2],
      [['2', 'w'], 6],
      [['3', 'q'], 7],
    ]);
    expect(t.problems).toEqual([]);
  });

  it('guesses the delimiter from the first line outside quotes', () => {
    expect(guessDelimiter('a\tb\tc\n1,2\t3')).toBe('\t');
    expect(guessDelimiter('a;b;c\n')).toBe(';');
    expect(guessDelimiter('"x;y;z",b\n')).toBe(',');
    expect(guessDelimiter('single\n')).toBe(',');
  });

  it('reports an unclosed quote with its line', () => {
    const t = readTable('a,b\n1,"open\n2,3\n');
    expect(t.problems.length).toBeGreaterThan(0);
    expect(t.problems[0]!.line).toBe(2);
  });
});

describe('structure column detection', () => {
  it('prefers Structure JSON over CIF over POSCAR text, and knows index columns', () => {
    const rows = [{ cells: ['x', cif('a'), '{"lattice": {}, "sites": []}'], row: 1 }];
    expect(findStructureColumn(['name', 'cif', 'structure'], rows)).toEqual({ index: 2, kind: 'pymatgen' });
    expect(findStructureColumn(['name', 'cif'], [{ cells: ['x', cif('a')], row: 1 }])).toEqual({
      index: 1,
      kind: 'cif',
    });
    expect(findStructureColumn(['name', 'text'], [{ cells: ['x', 'hello'], row: 1 }])).toBeNull();
    expect(isIndexColumn('')).toBe(true);
    expect(isIndexColumn('Unnamed: 0')).toBe(true);
    expect(isIndexColumn('index')).toBe(true);
    expect(isIndexColumn('material_id')).toBe(false);
  });
});

describe('loadCsvCif', () => {
  it('reads a perov5-style CSV: unnamed index, material_id, multi-line CIFs, default target', () => {
    const csv = [
      ',material_id,cif,formula,heat_all,heat_ref',
      `7,101,${q(cif('a'))},CsCl,1.5,0.2`,
      `8,102,${q(cif('b', 4.2))},CsCl,-0.5,0.1`,
    ].join('\n');
    const r = loadCsvCif([vf('p.csv', csv)], opts());
    expect(r.entries.map((e) => [e.id, e.target, e.source.row, e.source.line])).toEqual([
      ['101', 1.5, 1, 2],
      ['102', -0.5, 2, 2 + cif('a').split('\n').length],
    ]);
    expect(r.target).toBe('heat_all');
    expect(r.targetChoices).toEqual(['heat_all', 'heat_ref']);
    expect(Array.from(r.entries[1]!.structure.lattice)).toEqual(
      [4.2, 0, 0, 0, 4.2, 0, 0, 0, 4.2].map((x) => expect.closeTo(x, 10) as number),
    );
    expect(loadCsvCif([vf('p.csv', csv)], opts({ target: 'heat_ref' })).entries.map((e) => e.target)).toEqual(
      [0.2, 0.1],
    );
  });

  it('reads TSV, uses the index column or row numbers when there is no id column', () => {
    const tsv = `cif\ty\n${q(cif('a'))}\t1\n${q(cif('b'))}\t2\n`;
    const r = loadCsvCif([vf('t.tsv', tsv)], opts());
    expect(r.entries.map((e) => e.id)).toEqual(['row 1', 'row 2']);
    const withIndex = `index,cif,y\n5,${q(cif('a'))},1\n`;
    expect(loadCsvCif([vf('i.csv', withIndex)], opts()).entries.map((e) => e.id)).toEqual(['5']);
  });

  it('rejects duplicate ids, bad targets, empty and garbage structure cells with data row and line', () => {
    const csv = [
      'id,cif,y',
      `a,${q(cif('a'))},1`,
      `a,${q(cif('a'))},2`,
      `b,${q(cif('b'))},abc`,
      'c,,3',
      `d,${q('data_d\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c\n')},4`,
    ].join('\n');
    const r = loadCsvCif([vf('x.csv', csv)], opts());
    expect(r.entries.map((e) => e.id)).toEqual(['a']);
    expect(r.rejected.map((x) => [x.id, x.reason, x.source.row])).toEqual([
      ['a', 'duplicate-id', 2],
      ['b', 'bad-target', 3],
      ['c', 'id-without-structure', 4],
      ['d', expect.stringMatching(/unparseable|no-atoms/) as string, 5],
    ]);
    expect(r.rejected[1]!.message).toBe(
      'x.csv, data row 3 (line ' +
        String(r.rejected[1]!.source.line) +
        ") (id 'b'): target 'y' is 'abc', not a finite number.",
    );
    expect(r.rejected[2]!.message).toContain("the 'cif' cell is empty");
  });

  it('points a CIF error at the CIF line and the file line', () => {
    const broken =
      "data_z\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 'open\n";
    const r = loadCsvCif([vf('z.csv', `id,cif,y\nz,${q(broken)},1\n`)], opts());
    expect(r.entries).toEqual([]);
    const m = r.rejected[0]!.message;
    expect(m).toMatch(
      /^z\.csv, data row 1 \(line 2\) \(id 'z'\): 'cif' text, line (\d+) \(file line (\d+)\): /,
    );
    const [, cifLine, fileLine] = /'cif' text, line (\d+) \(file line (\d+)\)/.exec(m)!;
    expect(Number(fileLine)).toBe(2 + Number(cifLine) - 1);
  });

  it('reads pymatgen Structure JSON in a CSV column', () => {
    const s = JSON.stringify({
      lattice: {
        matrix: [
          [4, 0, 0],
          [0, 4, 0],
          [0, 0, 4],
        ],
      },
      sites: [{ species: [{ element: 'Na', occu: 1 }], abc: [0, 0, 0] }],
    });
    const r = loadCsvCif([vf('j.csv', `material_id,structure,e\nm1,${q(s)},-1\n`)], opts());
    expect(r.entries.map((e) => [e.id, Array.from(e.structure.numbers)])).toEqual([['m1', [11]]]);
  });

  it('concatenates files with the same columns and requires the target in each', () => {
    const a = `id,cif,y\na,${q(cif('a'))},1\n`;
    const b = `id,cif,y\nb,${q(cif('b'))},2\n`;
    const r = loadCsvCif([vf('a.csv', a), vf('b.csv', b)], opts());
    expect(r.entries.map((e) => [e.id, e.source.file])).toEqual([
      ['a', 'a.csv'],
      ['b', 'b.csv'],
    ]);
    const c = `id,cif,z\nc,${q(cif('c'))},3\n`;
    expect(() => loadCsvCif([vf('a.csv', a), vf('c.csv', c)], opts())).toThrow(
      "c.csv has no column 'y', which a.csv has. Drop files with the same columns together, or one at a time.",
    );
  });

  it('loads only maxEntries rows, with a warning', () => {
    const rows = ['a', 'b', 'c'].map((id, k) => `${id},${q(cif(id))},${k}`);
    const r = loadCsvCif([vf('m.csv', ['id,cif,y', ...rows].join('\n'))], opts({}, { maxEntries: 2 }));
    expect(r.entries.map((e) => e.id)).toEqual(['a', 'b']);
    expect(r.warnings).toContain('The tables hold 3 rows; only the first 2 were loaded (maxEntries).');
  });

  it('refuses a SMILES table and a table without structures', () => {
    const smiles = 'name,SMILES,logS\nwater,O,0\n';
    expect(() => loadCsvCif([vf('m.csv', smiles)], opts())).toThrow(smilesMessage('m.csv', 'SMILES'));
    expect(readCsvTables([vf('m.csv', smiles)]).smiles).toEqual({ file: 'm.csv', column: 'SMILES' });
    expect(() => loadCsvCif([vf('n.csv', 'a,b\n1,2\n')], opts())).toThrow(
      "n.csv has no column of crystal structures (CIF text or pymatgen Structure dicts); its columns are: 'a', 'b'.",
    );
  });
});
