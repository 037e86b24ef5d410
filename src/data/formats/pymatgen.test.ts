import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../validate.ts';
import { Progress, type FormatOptions } from './common.ts';
import { isPymatgenStructure, structureFromPymatgen } from './pymatgen.ts';
import { jsonToTable, loadPymatgenJson, parseJsonText, readJsonTables } from './pymatgenJson.ts';

const opts = (target?: string): FormatOptions => ({
  limits: DEFAULT_LIMITS,
  progress: new Progress(undefined),
  ...(target !== undefined ? { target } : {}),
});
const vf = (path: string, data: unknown) => ({
  path,
  bytes: strToU8(typeof data === 'string' ? data : JSON.stringify(data)),
});

type Sp = { element: string; occu?: number; oxidation_state?: number };
/** A pymatgen Structure.as_dict() with a given lattice and sites. */
function structure(
  matrix: number[][],
  sites: { species: Sp[]; abc?: number[]; xyz?: number[] }[],
  props?: object,
) {
  return {
    '@module': 'pymatgen.core.structure',
    '@class': 'Structure',
    charge: null,
    lattice: { matrix, a: 1, b: 1, c: 1, alpha: 90, beta: 90, gamma: 90, volume: 1 },
    sites: sites.map((s) => ({ ...s, label: s.species[0]?.element ?? '?', properties: {} })),
    ...(props ? { properties: props } : {}),
  };
}
const CUBIC = [
  [4, 0, 0],
  [0, 4, 0],
  [0, 0, 4],
];
const cscl = (props?: object) =>
  structure(
    CUBIC,
    [
      { species: [{ element: 'Cs', occu: 1 }], abc: [0, 0, 0] },
      { species: [{ element: 'Cl', occu: 1 }], abc: [0.5, 0.5, 0.5] },
    ],
    props,
  );

describe('structureFromPymatgen', () => {
  it('reads lattice rows, species with oxidation states and abc', () => {
    const r = structureFromPymatgen(
      structure(
        [
          [5.27, 0, 3.04],
          [1.76, 4.97, 3.04],
          [0, 0, 6.09],
        ],
        [
          { species: [{ element: 'Fe2+', occu: 1, oxidation_state: 2 }], abc: [0.25, 0.25, 0.25] },
          { species: [{ element: 'O2-', occu: 1 }], abc: [0, 0, 0] },
        ],
      ),
    );
    if (!('structure' in r)) throw new Error(r.message);
    expect(Array.from(r.structure.lattice)).toEqual([5.27, 0, 3.04, 1.76, 4.97, 3.04, 0, 0, 6.09]);
    expect(Array.from(r.structure.numbers)).toEqual([26, 8]);
    expect(Array.from(r.structure.frac)).toEqual([0.25, 0.25, 0.25, 0, 0, 0]);
  });

  it('falls back to xyz (Cartesian) when abc is missing', () => {
    const r = structureFromPymatgen(
      structure(
        [
          [4, 0, 0],
          [2, 4, 0],
          [0, 0, 5],
        ],
        [{ species: [{ element: 'Na' }], xyz: [3, 2, 2.5] }],
      ),
    );
    if (!('structure' in r)) throw new Error(r.message);
    const f = Array.from(r.structure.frac);
    // frac · L = cart: f0·(4,0,0) + f1·(2,4,0) + f2·(0,0,5) = (3, 2, 2.5) → f = (0.5, 0.5, 0.5)
    expect(f.map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.5, 0.5, 0.5]);
  });

  it('rejects partial occupancy: mixed sites and vacancies', () => {
    const mixed = structureFromPymatgen(
      structure(CUBIC, [
        { species: [{ element: 'Cs', occu: 1 }], abc: [0, 0, 0] },
        {
          species: [
            { element: 'Br', occu: 0.5 },
            { element: 'Cl', occu: 0.5 },
          ],
          abc: [0.5, 0.5, 0.5],
        },
      ]),
    );
    expect(mixed).toMatchObject({ reason: 'partial-occupancy' });
    expect('message' in mixed && mixed.message).toContain('site 2 is disordered (Br:0.5, Cl:0.5)');
    const vacancy = structureFromPymatgen(
      structure(CUBIC, [{ species: [{ element: 'Cs', occu: 0.9 }], abc: [0, 0, 0] }]),
    );
    expect(vacancy).toMatchObject({ reason: 'partial-occupancy' });
  });

  it('rejects unknown species, molecules and malformed dicts', () => {
    expect(
      structureFromPymatgen(structure(CUBIC, [{ species: [{ element: 'X', occu: 1 }], abc: [0, 0, 0] }])),
    ).toEqual({
      reason: 'unknown-element',
      message: "site 1 has species 'X', which is not a chemical element.",
    });
    expect(structureFromPymatgen({ '@class': 'Molecule', sites: [] })).toMatchObject({
      reason: 'unsupported',
    });
    expect(structureFromPymatgen({ lattice: { matrix: [[1, 0]] }, sites: [] })).toMatchObject({
      reason: 'unparseable',
      message: "the structure's lattice.matrix is not a 3×3 array of finite numbers.",
    });
    expect(structureFromPymatgen(structure(CUBIC, [{ species: [{ element: 'Na' }] }]))).toMatchObject({
      message: "site 1 has neither 'abc' nor 'xyz' coordinates.",
    });
    expect(structureFromPymatgen('nope')).toMatchObject({ reason: 'unparseable' });
    expect(isPymatgenStructure(cscl())).toBe(true);
    expect(isPymatgenStructure({ lattice: {} })).toBe(false);
  });
});

describe('jsonToTable: the orientations', () => {
  it('list of Structure dicts: targets from properties', () => {
    const t = jsonToTable([cscl({ energy: -1 }), cscl({ energy: -2 })], 'a.json')!;
    expect(t.columns).toEqual(['structure', 'energy']);
    expect(t.rows.map((r) => r.cells[1])).toEqual([-1, -2]);
  });

  it('records, split, columns and index orientations, and a wrapper', () => {
    const records = [
      { material_id: 'mp-1', structure: cscl(), band_gap: 1 },
      { material_id: 'mp-2', structure: cscl(), band_gap: 2 },
    ];
    const asRecords = jsonToTable(records, 'r.json')!;
    expect(asRecords.columns).toEqual(['material_id', 'structure', 'band_gap']);
    const split = jsonToTable(
      {
        index: [10, 11],
        columns: ['material_id', 'structure', 'band_gap'],
        data: records.map((r) => Object.values(r)),
      },
      's.json',
    )!;
    expect(split.rows.map((r) => [r.indexId, r.cells[0], r.cells[2]])).toEqual([
      ['10', 'mp-1', 1],
      ['11', 'mp-2', 2],
    ]);
    const columns = jsonToTable({ structure: { a: cscl(), b: cscl() }, band_gap: { a: 1, b: 2 } }, 'c.json')!;
    expect(columns.columns).toEqual(['structure', 'band_gap']);
    expect(columns.rows.map((r) => [r.indexId, r.cells[1]])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const index = jsonToTable({ 'mp-1': { structure: cscl(), y: 3 } }, 'i.json')!;
    expect(index.rows.map((r) => [r.indexId, r.cells[1]])).toEqual([['mp-1', 3]]);
    const wrapped = jsonToTable({ data: records }, 'w.json')!;
    expect(wrapped.rows).toHaveLength(2);
    expect(jsonToTable({ hello: 'world' }, 'h.json')).toBeNull();
    expect(jsonToTable([1, 2, 3], 'n.json')).toBeNull();
  });

  it('refuses a single structure (no targets)', () => {
    expect(() => jsonToTable(cscl(), 'one.json')).toThrow(
      'one.json holds a single pymatgen structure and no targets',
    );
  });

  it("reads Python's NaN tokens as missing, with a warning", () => {
    const r = parseJsonText('[{"y": NaN, "z": -Infinity}]', 'p.json');
    expect(r.data).toEqual([{ y: null, z: null }]);
    expect(r.warnings).toEqual([
      'p.json has NaN/Infinity values (not standard JSON); they were read as missing.',
    ]);
    expect(() => parseJsonText('{oops', 'bad.json')).toThrow(/^bad\.json is not valid JSON/);
    expect(parseJsonText('{"a": 1}\n\n{"a": 2}\n', 'l.jsonl').data).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

describe('loadPymatgenJson', () => {
  it('loads records with ids, targets and rejections', () => {
    const data = {
      index: [0, 1, 2, 3],
      columns: ['material_id', 'nsites', 'structure', 'band_gap', 'n'],
      data: [
        ['mp-1', 2, cscl(), 1.5, 2.1],
        ['mp-2', 2, cscl(), null, 2.2],
        ['mp-1', 2, cscl(), 3, 2.3],
        [
          'mp-4',
          1,
          structure(CUBIC, [
            {
              species: [
                { element: 'Fe', occu: 0.5 },
                { element: 'Co', occu: 0.5 },
              ],
              abc: [0, 0, 0],
            },
          ]),
          4,
          2.4,
        ],
      ],
    };
    const r = loadPymatgenJson([vf('m.json', data)], opts());
    expect(r.target).toBe('band_gap');
    expect(r.targetChoices).toEqual(['nsites', 'band_gap', 'n']);
    expect(r.entries.map((e) => [e.id, e.target, e.source.row])).toEqual([['mp-1', 1.5, 1]]);
    expect(r.rejected.map((x) => [x.id, x.reason])).toEqual([
      ['mp-2', 'bad-target'],
      ['mp-1', 'duplicate-id'],
      ['mp-4', 'partial-occupancy'],
    ]);
    expect(r.rejected[0]!.message).toBe(
      "m.json, data row 2 (id 'mp-2'): target 'band_gap' is empty, not a finite number.",
    );
    // With target n, mp-2 (band_gap null, n 2.2) is fine.
    expect(loadPymatgenJson([vf('m.json', data)], opts('n')).entries.map((e) => [e.id, e.target])).toEqual([
      ['mp-1', 2.1],
      ['mp-2', 2.2],
    ]);
  });

  it('skips JSON files without structures when another has them; errors when none has', () => {
    const good = vf('good.json', [{ id: 'a', structure: cscl(), y: 1 }]);
    const meta = vf('meta.json', { version: 3 });
    const read = readJsonTables([good, meta]);
    expect(read.tables.map((t) => t.file)).toEqual(['good.json']);
    expect(read.skipped.map((s) => s.file)).toEqual(['meta.json']);
    const r = loadPymatgenJson([good, meta], opts());
    expect(r.entries.map((e) => e.id)).toEqual(['a']);
    expect(r.warnings[0]).toMatch(/^Ignored: meta\.json is JSON but holds no pymatgen structures/);
    expect(() => loadPymatgenJson([meta], opts())).toThrow(
      /^meta\.json is JSON but holds no pymatgen structures/,
    );
  });
});
