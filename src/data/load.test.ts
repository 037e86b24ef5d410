import { readdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { p1Cif } from './testing/fixtures.ts';
import { sharedPath } from '../../test/oracle.ts';
import { DEFAULT_LIMITS, loadDataset, sniffFile, type LoadResult, type VirtualFile } from './load.ts';
import { describeShared, readShared, readSharedText } from './testing/shared.ts';
import type { ParsedDataset } from './types.ts';

// ---------------------------------------------------------------------------------------------------
// Helpers

const enc = (s: string) => strToU8(s);
const vf = (path: string, text: string | Uint8Array): VirtualFile => ({
  path,
  bytes: typeof text === 'string' ? enc(text) : text,
});

/** Every file of ../shared/data/<dir>, with paths '<dir>/<name>' as a dropped folder gives them. */
function sharedFolder(dir: string): VirtualFile[] {
  return readdirSync(sharedPath('data', dir))
    .sort()
    .map((name) => ({ path: `${dir}/${name}`, bytes: new Uint8Array(readShared(`data/${dir}/${name}`)) }));
}

function ok(r: LoadResult): ParsedDataset {
  if (!r.ok) throw new Error(`expected a dataset, got error: ${r.error.message}`);
  return r.dataset;
}

function fail(r: LoadResult): { message: string; file?: string } {
  if (r.ok) throw new Error(`expected an error, got a dataset of ${r.dataset.entries.length} entries`);
  return r.error;
}

const timings: Record<string, number> = {};
function timed<T>(name: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  timings[name] = performance.now() - t0;
  console.log(`[load time] ${name}: ${timings[name].toFixed(0)} ms`);
  return out;
}

const CSCL = (name: string) =>
  p1Cif(name, 4.115, [
    ['Cs', 0, 0, 0],
    ['Cl', 0.5, 0.5, 0.5],
  ]);

const limits = (over: Partial<typeof DEFAULT_LIMITS> = {}) => ({ ...DEFAULT_LIMITS, ...over });

const REG_IDS = [
  '1000041',
  '1000050',
  '1101051',
  '1507756',
  '7206075',
  '9000046',
  '9009743',
  '9011050',
  '9011998',
  '9012304',
];

// ---------------------------------------------------------------------------------------------------
// The real datasets in ../shared/data

describeShared('data/cgcnn-sample-regression', 'cgcnn sample-regression folder', () => {
  const idProp = readSharedText('data/cgcnn-sample-regression/id_prop.csv')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

  it('loads 10 entries with the targets of id_prop.csv (1.0 … 10.0) and atom_init.json', () => {
    const ds = ok(
      timed('cgcnn-sample-regression (folder)', () =>
        loadDataset(sharedFolder('cgcnn-sample-regression'), { limits: DEFAULT_LIMITS }),
      ),
    );
    expect(ds.format).toBe('cgcnn-folder');
    expect(ds.name).toBe('cgcnn-sample-regression');
    expect(ds.entries).toHaveLength(10);
    expect(ds.rejected).toEqual([]);
    expect(ds.entries.map((e) => e.id)).toEqual(idProp.map((r) => r[0]));
    expect(ds.entries.map((e) => e.id)).toEqual(REG_IDS);
    expect(ds.entries.map((e) => e.target)).toEqual(idProp.map((r) => Number(r[1])));
    expect(ds.entries.map((e) => e.target)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ds.target).toBe('target');
    expect(ds.targetChoices).toEqual(['target']);
    expect(ds.atomInit?.dim).toBe(92);
    expect(ds.atomInit?.maxZ).toBe(100);
    expect(ds.atomInit?.source).toBe('cgcnn-sample-regression/atom_init.json');
    // NaCl (1000041): conventional rock-salt cell, 4 Na + 4 Cl; CsCl (9009743): 2 atoms.
    const nacl = ds.entries[0]!;
    expect(nacl.source.file).toBe('cgcnn-sample-regression/1000041.cif');
    expect([...nacl.structure.numbers].sort()).toEqual([11, 11, 11, 11, 17, 17, 17, 17]);
    expect([...ds.entries[6]!.structure.numbers].sort()).toEqual([17, 55]);
    expect(ds.warnings.some((w) => w.includes('PROVENANCE.md'))).toBe(true);
  });

  it('loads the same 10 entries from a zip of the folder (cgcnn-zip)', () => {
    const folder = sharedFolder('cgcnn-sample-regression');
    const zip = zipSync(Object.fromEntries(folder.map((f) => [f.path, f.bytes])));
    const ds = ok(
      timed('cgcnn-sample-regression (zip)', () =>
        loadDataset([vf('sample-regression.zip', zip)], { limits: DEFAULT_LIMITS }),
      ),
    );
    const direct = ok(loadDataset(folder, { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('cgcnn-zip');
    expect(ds.name).toBe('sample-regression.zip');
    expect(ds.entries.map((e) => [e.id, e.target])).toEqual(direct.entries.map((e) => [e.id, e.target]));
    for (let k = 0; k < 10; k++) {
      expect(Array.from(ds.entries[k]!.structure.frac)).toEqual(
        Array.from(direct.entries[k]!.structure.frac),
      );
    }
    expect(ds.atomInit?.dim).toBe(92);
  });

  it('rejects a truncated CIF (cut in half) with its reason and line; the other 9 load', () => {
    const text = readSharedText('data/cgcnn-sample-regression/1000041.cif');
    const files = sharedFolder('cgcnn-sample-regression').map((f) =>
      f.path.endsWith('/1000041.cif') ? vf(f.path, text.slice(0, text.length >> 1)) : f,
    );
    const ds = ok(loadDataset(files, { limits: DEFAULT_LIMITS }));
    expect(ds.entries).toHaveLength(9);
    expect(ds.entries.map((e) => e.id)).toEqual(REG_IDS.slice(1));
    expect(ds.rejected).toHaveLength(1);
    const r = ds.rejected[0]!;
    expect(r.id).toBe('1000041');
    expect(r.reason).toBe('no-atoms'); // the half still has data_1000041 but no _atom_site loop
    expect(r.source.file).toBe('cgcnn-sample-regression/1000041.cif');
    const dataLine = text.split('\n').findIndex((l) => l.startsWith('data_1000041')) + 1;
    expect(r.source.line).toBe(dataLine);
    expect(r.message).toContain(`cgcnn-sample-regression/1000041.cif, line ${dataLine} (id '1000041')`);
    expect(r.message).toMatch(/no atoms/i);
  });

  it('rejects structures over maxAtomsPerStructure (NaCl has 8 atoms, limit 4)', () => {
    const ds = ok(
      loadDataset(sharedFolder('cgcnn-sample-regression'), { limits: limits({ maxAtomsPerStructure: 4 }) }),
    );
    const big = ds.rejected.filter((r) => r.reason === 'too-many-atoms').map((r) => r.id);
    expect(big).toContain('1000041');
    expect(ds.entries.every((e) => e.structure.numbers.length <= 4)).toBe(true);
    expect(ds.entries.length + ds.rejected.length).toBe(10);
    expect(ds.rejected.find((r) => r.id === '1000041')?.message).toMatch(/limit (of )?4/);
  });
});

describeShared('data/cgcnn-sample-classification', 'cgcnn sample-classification folder', () => {
  it('loads 10 entries with 0/1 labels alternating (5 of each)', () => {
    const ds = ok(
      timed('cgcnn-sample-classification', () =>
        loadDataset(sharedFolder('cgcnn-sample-classification'), { limits: DEFAULT_LIMITS }),
      ),
    );
    expect(ds.format).toBe('cgcnn-folder');
    expect(ds.entries).toHaveLength(10);
    expect(ds.rejected).toEqual([]);
    expect(ds.entries.map((e) => e.id)).toEqual(REG_IDS);
    expect(ds.entries.map((e) => e.target)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
});

describeShared('data/perov5-castelli', 'perov5 CSV with CIF column (slow: ~7.3 MB of CIF text)', () => {
  const file = (name: string) => vf(name, new Uint8Array(readShared(`data/perov5-castelli/${name}`)));
  const CHOICES = ['heat_all', 'heat_ref', 'dir_gap', 'ind_gap'];

  it('test.csv: 3,785 rows, none rejected, heat_all by default, 5 atoms each', () => {
    const ds = ok(
      timed('perov5 test.csv', () => loadDataset([file('test.csv')], { limits: DEFAULT_LIMITS })),
    );
    expect(ds.format).toBe('csv-cif');
    expect(ds.entries).toHaveLength(3785);
    expect(ds.rejected).toEqual([]);
    expect(ds.target).toBe('heat_all');
    expect(ds.targetChoices).toEqual(CHOICES);
    const first = ds.entries[0]!;
    expect(first.id).toBe('3961'); // material_id, not the unnamed index (996)
    expect(first.target).toBe(1.16);
    expect(first.source).toEqual({ file: 'test.csv', row: 1, line: 2 });
    expect(first.structure.numbers.length).toBe(5);
    expect(ds.entries.every((e) => e.structure.numbers.length === 5)).toBe(true);
    expect(new Set(ds.entries.map((e) => e.id)).size).toBe(3785);
  });

  it('val.csv: 3,787 rows; both files together: 7,572 with unique ids; ind_gap on request', () => {
    const val = ok(timed('perov5 val.csv', () => loadDataset([file('val.csv')], { limits: DEFAULT_LIMITS })));
    expect(val.entries).toHaveLength(3787);
    expect(val.rejected).toEqual([]);
    const both = ok(
      timed('perov5 test.csv + val.csv, target ind_gap', () =>
        loadDataset([file('test.csv'), file('val.csv')], { limits: DEFAULT_LIMITS, target: 'ind_gap' }),
      ),
    );
    expect(both.entries).toHaveLength(7572);
    expect(both.rejected).toEqual([]);
    expect(both.target).toBe('ind_gap');
    expect(new Set(both.entries.map((e) => e.id)).size).toBe(7572);
    // PROVENANCE: 7,278 of the 7,572 gaps are zero.
    expect(both.entries.filter((e) => e.target === 0).length).toBe(7278);
  });

  it('reports progress up to (n, n)', () => {
    const calls: [number, number][] = [];
    ok(loadDataset([file('test.csv')], { limits: DEFAULT_LIMITS, onProgress: (d, t) => calls.push([d, t]) }));
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.length).toBeLessThanOrEqual(102);
    expect(calls[calls.length - 1]).toEqual([3785, 3785]);
  });
});

describeShared(
  'data/mp-dielectric/dielectric_constant.json.gz',
  'mp-dielectric gzipped pandas-split JSON',
  () => {
    const bytes = () => new Uint8Array(readShared('data/mp-dielectric/dielectric_constant.json.gz'));

    it('loads 1,056 entries; band_gap is the default and works when asked; sites match nsites', () => {
      const ds = ok(
        timed('mp-dielectric json.gz (target band_gap)', () =>
          loadDataset([vf('dielectric_constant.json.gz', bytes())], {
            limits: DEFAULT_LIMITS,
            target: 'band_gap',
          }),
        ),
      );
      expect(ds.format).toBe('pymatgen-json');
      expect(ds.entries).toHaveLength(1056);
      expect(ds.rejected).toEqual([]);
      expect(ds.target).toBe('band_gap');
      expect(ds.targetChoices).toEqual([
        'nsites',
        'space_group',
        'volume',
        'band_gap',
        'n',
        'poly_electronic',
        'poly_total',
      ]);
      expect(ds.entries[0]!.id).toBe('mp-441');
      expect(ds.entries[0]!.target).toBe(1.88);
      // Cross-check against the raw JSON.
      const raw = JSON.parse(
        gunzipSync(readShared('data/mp-dielectric/dielectric_constant.json.gz')).toString('utf8'),
      ) as {
        columns: string[];
        data: unknown[][];
      };
      const col = (name: string) => raw.columns.indexOf(name);
      expect(ds.entries.map((e) => e.id)).toEqual(raw.data.map((r) => r[col('material_id')]));
      expect(ds.entries.map((e) => e.target)).toEqual(raw.data.map((r) => r[col('band_gap')]));
      expect(ds.entries.map((e) => e.structure.numbers.length)).toEqual(
        raw.data.map((r) => r[col('nsites')]),
      );
      const byDefault = ok(
        timed('mp-dielectric json.gz (default target)', () =>
          loadDataset([vf('dielectric_constant.json.gz', bytes())], { limits: DEFAULT_LIMITS }),
        ),
      );
      expect(byDefault.target).toBe('band_gap'); // nsites/space_group/volume are structural metadata
      const n = ok(
        loadDataset([vf('dielectric_constant.json.gz', bytes())], { limits: DEFAULT_LIMITS, target: 'n' }),
      );
      expect(n.entries[0]!.target).toBe(1.86);
    });

    it('names the choices when the requested target does not exist', () => {
      const err = fail(
        loadDataset([vf('d.json.gz', bytes())], { limits: DEFAULT_LIMITS, target: 'e_total' }),
      );
      expect(err.message).toContain("The requested target 'e_total' is not a numeric column");
      expect(err.message).toContain('band_gap, n, poly_electronic');
    });

    it('refuses to gunzip past maxDecompressedBytes (the JSON is ~10 MB unpacked)', () => {
      const err = fail(
        loadDataset([vf('d.json.gz', bytes())], { limits: limits({ maxDecompressedBytes: 1_000_000 }) }),
      );
      expect(err.message).toContain('maxDecompressedBytes');
      expect(err.message).toContain('1.0 MB');
      expect(err.file).toBe('d.json.gz');
    });
  },
);

describeShared('data/esol/delaney-processed.csv', 'esol SMILES CSV', () => {
  it('is a whole-input error saying molecules are not supported', () => {
    const bytes = new Uint8Array(readShared('data/esol/delaney-processed.csv'));
    const err = fail(
      timed('esol (SMILES, refused)', () =>
        loadDataset([vf('esol/delaney-processed.csv', bytes)], { limits: DEFAULT_LIMITS }),
      ),
    );
    expect(err.message).toBe(
      "esol/delaney-processed.csv contains SMILES molecules (column 'smiles'); the lab trains CGCNN on crystal structures (CIF, POSCAR, pymatgen JSON, extended XYZ). Molecules are not supported.",
    );
    expect(err.file).toBe('esol/delaney-processed.csv');
  });
});

// ---------------------------------------------------------------------------------------------------
// Malformed and edge inputs (inline fixtures)

describe('loadDataset: cgcnn folders', () => {
  const folder = (idProp: string, ids: string[], extra: VirtualFile[] = []) => [
    vf('set/id_prop.csv', idProp),
    ...ids.map((id) => vf(`set/${id}.cif`, CSCL(id))),
    ...extra,
  ];

  it('rejects empty, NaN, inf and non-numeric targets as bad-target with their rows', () => {
    const ds = ok(
      loadDataset(folder('a,1.5\nb,\nc,NaN\nd,abc\ne,inf\nf,-2e-1\n', ['a', 'b', 'c', 'd', 'e', 'f']), {
        limits: DEFAULT_LIMITS,
      }),
    );
    expect(ds.entries.map((e) => [e.id, e.target])).toEqual([
      ['a', 1.5],
      ['f', -0.2],
    ]);
    expect(ds.rejected.map((r) => [r.id, r.reason, r.source.row])).toEqual([
      ['b', 'bad-target', 2],
      ['c', 'bad-target', 3],
      ['d', 'bad-target', 4],
      ['e', 'bad-target', 5],
    ]);
    expect(ds.rejected[2]!.message).toBe(
      "set/id_prop.csv, data row 4 (line 4) (id 'd'): target 'target' is 'abc', not a finite number. Fix the value or remove the row.",
    );
    expect(ds.rejected[0]!.message).toContain('is empty');
  });

  it('rejects rows without a CIF, CIFs without a row, and duplicate ids', () => {
    const ds = ok(
      loadDataset(folder('a,1\nb,2\na,3\nghost,4\n', ['a', 'b', 'orphan']), { limits: DEFAULT_LIMITS }),
    );
    expect(ds.entries.map((e) => e.id)).toEqual(['a', 'b']);
    expect(ds.entries[0]!.target).toBe(1); // the first 'a' wins
    expect(ds.rejected.map((r) => [r.id, r.reason])).toEqual([
      ['a', 'duplicate-id'],
      ['ghost', 'id-without-structure'],
      ['orphan', 'structure-without-id'],
    ]);
    expect(ds.rejected[0]!.message).toContain('first at set/id_prop.csv, data row 1 (line 1)');
    expect(ds.rejected[1]!.message).toContain("expected a file 'ghost.cif'");
    expect(ds.rejected[2]!.source.file).toBe('set/orphan.cif');
    expect(ds.rejected[2]!.message).toContain("no row of set/id_prop.csv has id 'orphan'");
  });

  it('accepts a header row in id_prop.csv and offers every numeric column', () => {
    const ds = ok(
      loadDataset(folder('id,gap,energy\na,1,-3\nb,2,-4\n', ['a', 'b']), { limits: DEFAULT_LIMITS }),
    );
    expect(ds.targetChoices).toEqual(['gap', 'energy']);
    expect(ds.target).toBe('gap');
    expect(ds.entries.map((e) => e.target)).toEqual([1, 2]);
    const energy = ok(
      loadDataset(folder('id,gap,energy\na,1,-3\nb,2,-4\n', ['a', 'b']), {
        limits: DEFAULT_LIMITS,
        target: 'energy',
      }),
    );
    expect(energy.entries.map((e) => e.target)).toEqual([-3, -4]);
    expect(energy.entries[1]!.source).toEqual({ file: 'set/b.cif' });
  });

  it('rejects overlapping atoms naming both sites and the distance', () => {
    const bad = p1Cif('x', 4, [
      ['Na', 0, 0, 0],
      ['Cl', 0.02, 0, 0],
    ]);
    const ds = ok(
      loadDataset(folder('a,1\nx,2\n', ['a'], [vf('set/x.cif', bad)]), { limits: DEFAULT_LIMITS }),
    );
    expect(ds.entries.map((e) => e.id)).toEqual(['a']);
    const r = ds.rejected[0]!;
    expect(r.reason).toBe('overlapping-atoms');
    expect(r.message).toContain('site 1 (Na) and site 2 (Cl) are 0.080 Å apart');
    expect(r.message).toContain('minimum 0.5 Å');
  });

  it('warns about a bad atom_init.json but keeps its good rows', () => {
    const init = JSON.stringify({ '1': [0, 1], '8': [1, 0], '9': [1], x: [1, 1] });
    const ds = ok(
      loadDataset(folder('a,1\n', ['a'], [vf('set/atom_init.json', init)]), { limits: DEFAULT_LIMITS }),
    );
    expect(ds.atomInit?.dim).toBe(2);
    expect(ds.atomInit?.maxZ).toBe(8);
    expect(ds.warnings.some((w) => w.includes('element 9 has length 1, not 2'))).toBe(true);
    expect(ds.warnings.some((w) => w.includes("key 'x' is not an atomic number"))).toBe(true);
  });

  it('errors when id_prop.csv comes without CIFs, or CIFs without id_prop.csv', () => {
    const e1 = fail(loadDataset([vf('set/id_prop.csv', 'a,1\n')], { limits: DEFAULT_LIMITS }));
    expect(e1.message).toContain('was dropped without any .cif files');
    expect(e1.file).toBe('set/id_prop.csv');
    const e2 = fail(
      loadDataset([vf('a.cif', CSCL('a')), vf('b.cif', CSCL('b'))], { limits: DEFAULT_LIMITS }),
    );
    expect(e2.message).toContain('Found 2 CIF file(s) (a.cif, b.cif) but no id_prop.csv');
  });

  it('returns zero entries (not an error) when every row is rejected', () => {
    const ds = ok(loadDataset(folder('a,x\nb,y\n', ['a', 'b']), { limits: DEFAULT_LIMITS }));
    // Row 1 'a,x' looks like a header (non-numeric 2nd field): its names become the columns.
    expect(ds.targetChoices).toEqual(['x']);
    expect(ds.entries).toEqual([]);
    expect(ds.rejected.map((r) => [r.id, r.reason])).toEqual([
      ['b', 'bad-target'],
      ['a', 'structure-without-id'],
    ]);
  });
});

describe('loadDataset: archives and limits', () => {
  it('rejects a zip bomb by its declared size, naming the member and the limit, quickly', () => {
    const zeros = new Uint8Array(10_000_000);
    const zip = zipSync({ 'bomb/zeros.cif': zeros }, { level: 9 });
    expect(zip.length).toBeLessThan(100_000);
    const t0 = performance.now();
    const err = fail(
      loadDataset([vf('bomb.zip', zip)], { limits: limits({ maxDecompressedBytes: 1_000_000 }) }),
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err.message).toContain("member 'bomb/zeros.cif' alone declares 10.0 MB");
    expect(err.message).toContain('over the 1.0 MB limit on unpacked data (maxDecompressedBytes)');
    expect(err.file).toBe('bomb.zip');
  });

  it('stops a zip bomb that lies about its size while inflating', () => {
    const zip = zipSync({ 'zeros.cif': new Uint8Array(10_000_000) }, { level: 9 });
    // Patch the declared uncompressed size (local header offset 22, central directory offset 24) to 100.
    const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    dv.setUint32(22, 100, true);
    const cd = zip.length - 22 - dv.getUint32(zip.length - 22 + 12, true);
    expect(dv.getUint32(cd, true)).toBe(0x02014b50);
    dv.setUint32(cd + 24, 100, true);
    const err = fail(
      loadDataset([vf('liar.zip', zip)], { limits: limits({ maxDecompressedBytes: 1_000_000 }) }),
    );
    expect(err.message).toContain("member 'zeros.cif' inflates past the 1.0 MB limit");
    expect(err.message).toContain('declared 100 bytes');
  });

  it('rejects a gzip bomb', () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(5_000_000)));
    const err = fail(
      loadDataset([vf('x.json.gz', gz)], { limits: limits({ maxDecompressedBytes: 1_000_000 }) }),
    );
    expect(err.message).toContain('x.json.gz would unpack to at least 5.0 MB');
    expect(err.message).toContain('maxDecompressedBytes');
  });

  it('explains that tar archives are not unpacked', () => {
    const tar = new Uint8Array(1024);
    tar.set(enc('set/id_prop.csv'), 0);
    tar.set(enc('ustar'), 257);
    const err = fail(
      loadDataset([vf('set.tar.gz', new Uint8Array(gzipSync(tar)))], { limits: DEFAULT_LIMITS }),
    );
    expect(err.message).toContain(
      'set.tar.gz is a tar archive; the lab unpacks zip and gzip files, not tar.',
    );
  });

  it('reads a gzipped CSV inside a zip', () => {
    const csv = `id,cif,y\na,"${CSCL('a')}",1\n`;
    const zip = zipSync({ 'd/x.csv.gz': new Uint8Array(gzipSync(csv)) });
    const ds = ok(loadDataset([vf('d.zip', zip)], { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('csv-cif');
    expect(ds.entries.map((e) => [e.id, e.source.file])).toEqual([['a', 'd/x.csv']]);
  });

  it('rejects random binary bytes with the list of readable formats', () => {
    const bytes = new Uint8Array(4096);
    let s = 12345;
    for (let k = 0; k < bytes.length; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      bytes[k] = s >>> 24;
    }
    bytes[0] = 0; // make sure it is not mistaken for a zip/gzip header
    const err = fail(loadDataset([vf('mystery.dat', bytes)], { limits: DEFAULT_LIMITS }));
    expect(err.message).toContain('mystery.dat (binary data (not text))');
    expect(err.message).toContain('The lab reads: a CGCNN folder or zip');
    expect(err.file).toBe('mystery.dat');
  });

  it('rejects a corrupt zip with a message', () => {
    const zip = zipSync({ 'a.cif': enc(CSCL('a')) });
    const err = fail(loadDataset([vf('broken.zip', zip.slice(0, 40))], { limits: DEFAULT_LIMITS }));
    expect(err.message).toContain('broken.zip is not a readable zip archive');
  });

  it('refuses files over maxTotalBytes before reading them', () => {
    const err = fail(
      loadDataset([vf('big.csv', new Uint8Array(2_000_000)), vf('small.csv', 'a,b\n')], {
        limits: limits({ maxTotalBytes: 1_000_000 }),
      }),
    );
    expect(err.message).toBe(
      'The dropped files total 2.0 MB, over the 1.0 MB limit (maxTotalBytes); the largest is big.csv (2.0 MB). Drop fewer or smaller files, or raise the limit.',
    );
    expect(err.file).toBe('big.csv');
  });

  it('refuses more files than maxEntries', () => {
    const files = Array.from({ length: 6 }, (_, k) => vf(`s/${k}.cif`, CSCL(String(k))));
    const err = fail(loadDataset(files, { limits: limits({ maxEntries: 5 }) }));
    expect(err.message).toContain('6 files were dropped, more than the limit of 5 (maxEntries)');
  });

  it('refuses an empty drop and a drop of unknown text', () => {
    expect(fail(loadDataset([], { limits: DEFAULT_LIMITS })).message).toContain('Nothing to load');
    const err = fail(loadDataset([vf('notes.md', '# hello\n')], { limits: DEFAULT_LIMITS }));
    expect(err.message).toContain('notes.md (text in no format the lab reads)');
  });

  it('ignores __MACOSX and .DS_Store entries in a zip', () => {
    const zip = zipSync({
      'set/id_prop.csv': enc('a,1\n'),
      'set/a.cif': enc(CSCL('a')),
      '__MACOSX/set/._a.cif': new Uint8Array([0, 5, 22, 7]),
      'set/.DS_Store': new Uint8Array([0, 0, 0, 1]),
    });
    const ds = ok(loadDataset([vf('set.zip', zip)], { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('cgcnn-zip');
    expect(ds.entries.map((e) => e.id)).toEqual(['a']);
    expect(ds.warnings).toEqual([]);
  });
});

describe('loadDataset: other formats end to end', () => {
  it('csv-cif: one garbage CIF is rejected with row and line, the rest load', () => {
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const csv = [
      ',material_id,cif,energy',
      `0,m1,${quote(CSCL('m1'))},-1.5`,
      `1,m2,${quote('data_m2\n_cell_length_a 4\nthis is not a cif at all\n')},-2.5`,
      `2,m3,${quote(CSCL('m3'))},-3.5`,
      '',
    ].join('\n');
    const ds = ok(loadDataset([vf('x.csv', csv)], { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('csv-cif');
    expect(ds.entries.map((e) => [e.id, e.target])).toEqual([
      ['m1', -1.5],
      ['m3', -3.5],
    ]);
    expect(ds.rejected).toHaveLength(1);
    const r = ds.rejected[0]!;
    expect(r.id).toBe('m2');
    expect(r.source).toEqual({ file: 'x.csv', row: 2, line: 2 + CSCL('m1').split('\n').length });
    expect(r.message).toMatch(/^x\.csv, data row 2 \(line \d+\) \(id 'm2'\): /);
    expect(['unparseable', 'no-atoms']).toContain(r.reason);
    expect(ds.targetChoices).toEqual(['energy']);
  });

  it('pymatgen JSON: partial occupancy is rejected, the ordered structure loads', () => {
    const structure = (species: { element: string; occu: number }[][]) => ({
      '@module': 'pymatgen.core.structure',
      '@class': 'Structure',
      lattice: {
        matrix: [
          [4, 0, 0],
          [0, 4, 0],
          [0, 0, 4],
        ],
      },
      sites: species.map((sp, k) => ({
        species: sp,
        abc: [k * 0.5, k * 0.5, k * 0.5],
        label: sp[0]!.element,
      })),
    });
    const records = [
      {
        material_id: 'mp-1',
        structure: structure([[{ element: 'Cs', occu: 1 }], [{ element: 'Cl', occu: 1 }]]),
        band_gap: 5,
      },
      {
        material_id: 'mp-2',
        structure: structure([
          [
            { element: 'Fe2+', occu: 0.5 },
            { element: 'Ni2+', occu: 0.5 },
          ],
          [{ element: 'O2-', occu: 1 }],
        ]),
        band_gap: 2,
      },
    ];
    const ds = ok(loadDataset([vf('set.json', JSON.stringify(records))], { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('pymatgen-json');
    expect(ds.entries.map((e) => e.id)).toEqual(['mp-1']);
    expect(Array.from(ds.entries[0]!.structure.numbers)).toEqual([55, 17]);
    expect(ds.rejected.map((r) => [r.id, r.reason])).toEqual([['mp-2', 'partial-occupancy']]);
    expect(ds.rejected[0]!.message).toContain('site 1 is disordered (Fe2+:0.5, Ni2+:0.5)');
  });

  it('POSCAR files with a targets CSV, a VASP 4 file rejected', () => {
    const poscar = (species: string | null) =>
      [
        'CsCl',
        '1.0',
        '4.1 0 0',
        '0 4.1 0',
        '0 0 4.1',
        ...(species ? [species] : []),
        '1 1',
        'Direct',
        '0 0 0',
        '0.5 0.5 0.5',
        '',
      ].join('\n');
    const ds = ok(
      loadDataset(
        [
          vf('p/mp-1.vasp', poscar('Cs Cl')),
          vf('p/mp-2/POSCAR', poscar('Cs Cl')),
          vf('p/old.vasp', poscar(null)),
          vf('p/targets.csv', 'id,gap\nmp-1,1\nmp-2,2\nold,3\n'),
        ],
        { limits: DEFAULT_LIMITS },
      ),
    );
    expect(ds.format).toBe('poscar');
    expect(ds.entries.map((e) => [e.id, e.target])).toEqual([
      ['mp-1', 1],
      ['mp-2', 2],
    ]);
    expect(ds.rejected.map((r) => [r.id, r.reason, r.source.line])).toEqual([['old', 'unsupported', 6]]);
    expect(ds.rejected[0]!.message).toContain('VASP 4');
    expect(ds.rejected[0]!.message).toContain('VASP 5 format');
  });

  it('POSCAR files without a targets CSV are a whole-input error', () => {
    const err = fail(
      loadDataset([vf('POSCAR', 'x\n1\n4 0 0\n0 4 0\n0 0 4\nNa\n1\nDirect\n0 0 0\n')], {
        limits: DEFAULT_LIMITS,
      }),
    );
    expect(err.message).toContain('Found 1 POSCAR file(s) but no targets CSV');
  });

  it('extended XYZ: frames with energy load; a frame without Lattice is rejected', () => {
    const xyz = [
      '2',
      'Lattice="4.1 0 0 0 4.1 0 0 0 4.1" Properties=species:S:1:pos:R:3 energy=-12.5 pbc="T T T"',
      'Cs 0 0 0',
      'Cl 2.05 2.05 2.05',
      '2',
      'Properties=species:S:1:pos:R:3 energy=-3.0',
      'H 0 0 0',
      'H 0 0 0.74',
      '',
    ].join('\n');
    const ds = ok(loadDataset([vf('traj.extxyz', xyz)], { limits: DEFAULT_LIMITS }));
    expect(ds.format).toBe('extxyz');
    expect(ds.target).toBe('energy');
    expect(ds.entries.map((e) => [e.id, e.target])).toEqual([['traj#1', -12.5]]);
    expect(Array.from(ds.entries[0]!.structure.frac)).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    expect(ds.rejected.map((r) => [r.id, r.reason, r.source.line])).toEqual([['traj#2', 'unsupported', 5]]);
  });
});

describe('sniffFile', () => {
  it('classifies by content, not by extension alone', () => {
    expect(sniffFile(vf('weird.txt', CSCL('a')))).toBe('cif');
    expect(sniffFile(vf('data.cif', 'not a cif'))).toBe('cif'); // named .cif: parsed, so the error is specific
    expect(sniffFile(vf('x.csv', '{"a": 1}'))).toBe('json');
    expect(sniffFile(vf('frames.txt', '2\nLattice="1 0 0 0 1 0 0 0 1"\nH 0 0 0\nH 0 0 1\n'))).toBe('xyz');
    expect(sniffFile(vf('Fe2O3', 'c\n1\n5 0 0\n0 5 0\n0 0 5\nFe O\n2 3\n'))).toBe('poscar');
    expect(sniffFile(vf('poscar_targets.csv', 'id,y\n'))).toBe('table');
    expect(sniffFile(vf('a/ID_PROP.CSV', '1,2\n'))).toBe('id_prop');
    expect(sniffFile(vf('x.csv', new Uint8Array([1, 2, 0, 4])))).toBe('binary');
    expect(sniffFile(vf('README.md', '# readme\n'))).toBe('other');
  });
});
