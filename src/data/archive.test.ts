import { gzipSync } from 'node:zlib';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { gunzipFile, isGzip, isJunkPath, isZip, unzipArchive, type InflateBudget } from './archive.ts';

const budget = (limit = 1e9): InflateBudget => ({ limit, used: 0 });

/** Offset of the first central-directory header of a zip (fflate writes no archive comment). */
function centralDirectory(zip: Uint8Array): number {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  return dv.getUint32(zip.length - 22 + 16, true);
}

describe('magic numbers and junk', () => {
  it('recognises zip and gzip by their first bytes', () => {
    expect(isZip(zipSync({ a: strToU8('x') }))).toBe(true);
    expect(isZip(zipSync({}))).toBe(true); // an empty archive starts with its end record
    expect(isZip(strToU8('PK but not a zip'))).toBe(false);
    expect(isGzip(new Uint8Array(gzipSync('x')))).toBe(true);
    expect(isGzip(strToU8('x'))).toBe(false);
  });

  it('knows desktop junk', () => {
    expect(isJunkPath('__MACOSX/set/._a.cif')).toBe(true);
    expect(isJunkPath('set/._a.cif')).toBe(true);
    expect(isJunkPath('set/.DS_Store')).toBe(true);
    expect(isJunkPath('set/Thumbs.db')).toBe(true);
    expect(isJunkPath('set/a.cif')).toBe(false);
  });
});

describe('unzipArchive', () => {
  it('unpacks stored and deflated members with their paths, skipping folders and junk', () => {
    const zip = zipSync(
      {
        'set/id_prop.csv': [strToU8('a,1\n'), { level: 0 }],
        'set/a.cif': strToU8('data_a\n'.repeat(100)),
        'set/sub/': new Uint8Array(0),
        '__MACOSX/set/._a.cif': strToU8('junk'),
      },
      { level: 6 },
    );
    const b = budget();
    const res = unzipArchive(zip, 'set.zip', b, 100);
    if (!res.ok) throw new Error(res.message);
    expect(res.files.map((f) => f.path)).toEqual(['set/id_prop.csv', 'set/a.cif']);
    expect(strFromU8(res.files[0]!.bytes)).toBe('a,1\n');
    expect(strFromU8(res.files[1]!.bytes)).toBe('data_a\n'.repeat(100));
    expect(b.used).toBe(4 + 700);
  });

  it('normalises member paths (no leading slash, no ..)', () => {
    const res = unzipArchive(zipSync({ '/x/../y/./a.txt': strToU8('1') }), 'z.zip', budget(), 10);
    expect(res.ok && res.files.map((f) => f.path)).toEqual(['x/y/a.txt']);
  });

  it('refuses a bomb by its declared sizes without inflating anything', () => {
    const zip = zipSync(
      { 'a.bin': new Uint8Array(3_000_000), 'b.bin': new Uint8Array(2_000_000) },
      { level: 9 },
    );
    const b = budget(4_000_000);
    const res = unzipArchive(zip, 'bomb.zip', b, 100);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.message).toBe(
      "bomb.zip would unpack to 5.0 MB (member 'a.bin' alone declares 3.0 MB), over the 4.0 MB limit on unpacked data (maxDecompressedBytes). Nothing was unpacked. Drop a smaller selection, or raise the limit if you trust this archive.",
    );
    expect(b.used).toBe(0);
  });

  it('stops a member that inflates past the budget although it declared less', () => {
    const zip = zipSync({ 'z.bin': new Uint8Array(20_000_000) }, { level: 9 });
    const cd = centralDirectory(zip);
    new DataView(zip.buffer, zip.byteOffset).setUint32(cd + 24, 10, true); // declare 10 bytes
    const b = budget(1_000_000);
    const t0 = performance.now();
    const res = unzipArchive(zip, 'liar.zip', b, 100);
    const ms = performance.now() - t0;
    expect(res.ok).toBe(false);
    expect(!res.ok && res.message).toContain("liar.zip: member 'z.bin' inflates past the 1.0 MB limit");
    expect(!res.ok && res.message).toContain('declared 10 bytes');
    expect(b.used).toBe(0); // the partial output is not counted as kept
    expect(ms).toBeLessThan(500);
  });

  it('shares one budget across archives', () => {
    const zip = zipSync({ 'a.txt': new Uint8Array(600) });
    const b = budget(1000);
    expect(unzipArchive(zip, 'one.zip', b, 10).ok).toBe(true);
    const second = unzipArchive(zip, 'two.zip', b, 10);
    expect(!second.ok && second.message).toContain('two.zip would unpack to 600 bytes');
  });

  it('refuses more members than maxEntries', () => {
    const zip = zipSync({ a: strToU8('1'), b: strToU8('2'), c: strToU8('3') });
    const res = unzipArchive(zip, 'many.zip', budget(), 2);
    expect(!res.ok && res.message).toBe(
      'many.zip holds 3 files, more than the limit of 2 (maxEntries). Split the dataset or raise the limit.',
    );
  });

  it('explains encrypted, unsupported, truncated and corrupt archives', () => {
    const zip = zipSync({ 'a.txt': strToU8('hello hello hello') }, { level: 6 });
    const cd = centralDirectory(zip);

    const enc = zip.slice();
    new DataView(enc.buffer).setUint16(cd + 8, 1, true);
    const r1 = unzipArchive(enc, 'e.zip', budget(), 10);
    expect(!r1.ok && r1.message).toContain("e.zip is encrypted (member 'a.txt')");

    const bz = zip.slice();
    new DataView(bz.buffer).setUint16(cd + 10, 12, true);
    const r2 = unzipArchive(bz, 'b.zip', budget(), 10);
    expect(!r2.ok && r2.message).toContain("member 'a.txt' uses compression method 12");

    const r3 = unzipArchive(zip.slice(0, zip.length - 30), 't.zip', budget(), 10);
    expect(!r3.ok && r3.message).toContain('t.zip is not a readable zip archive');

    const bad = zip.slice();
    bad.fill(0xff, 30 + 5, 30 + 5 + 8); // scramble the deflate stream after the 5-byte name
    const r4 = unzipArchive(bad, 'c.zip', budget(), 10);
    expect(r4.ok).toBe(false);
    expect(!r4.ok && r4.message).toMatch(/c\.zip: member 'a\.txt' (is corrupt|inflates past)/);
  });
});

describe('gunzipFile', () => {
  it('gunzips, including multi-member files', () => {
    const one = new Uint8Array(gzipSync('hello '));
    const two = new Uint8Array(gzipSync('world'));
    const both = new Uint8Array(one.length + two.length);
    both.set(one);
    both.set(two, one.length);
    const b = budget();
    const res = gunzipFile(both, 'x.gz', b);
    expect(res.ok && strFromU8(res.bytes)).toBe('hello world');
    expect(b.used).toBe(11);
  });

  it('refuses by the declared size, then by counted output', () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(3_000_000)));
    const r1 = gunzipFile(gz, 'big.gz', budget(1_000_000));
    expect(!r1.ok && r1.message).toBe(
      'big.gz would unpack to at least 3.0 MB, over the 1.0 MB limit on unpacked data (maxDecompressedBytes). Nothing was unpacked.',
    );
    const liar = gz.slice();
    new DataView(liar.buffer).setUint32(liar.length - 4, 5, true); // trailer says 5 bytes
    const r2 = gunzipFile(liar, 'liar.gz', budget(1_000_000));
    expect(!r2.ok && r2.message).toContain('liar.gz inflates past the 1.0 MB limit');
  });

  it('explains a damaged gzip', () => {
    const gz = new Uint8Array(gzipSync('some text that is long enough to matter'));
    const res = gunzipFile(gz.slice(0, 12), 'cut.gz', budget());
    expect(!res.ok && res.message).toMatch(/^cut\.gz is not a readable gzip file/);
  });
});
