import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits } from '../validate.ts';
import { Progress, type FormatOptions } from './common.ts';
import { frameStructure, loadExtxyz, parseCommentLine, splitXyzFrames } from './extxyz.ts';

const vf = (path: string, text: string) => ({ path, bytes: strToU8(text) });
const opts = (target?: string, limits: Partial<Limits> = {}): FormatOptions => ({
  limits: { ...DEFAULT_LIMITS, ...limits },
  progress: new Progress(undefined),
  ...(target !== undefined ? { target } : {}),
});

/** Two frames as ASE's write('x.extxyz', [a, b]) writes them (NaCl rock salt, primitive fcc cell). */
const ASE = `2
Lattice="0.0 2.82 2.82 2.82 0.0 2.82 2.82 2.82 0.0" Properties=species:S:1:pos:R:3:forces:R:3 energy=-6.5 free_energy=-6.5 stress="0.1 0 0 0 0.1 0 0 0 0.1" config_type=bulk pbc="T T T"
Na       0.00000000       0.00000000       0.00000000       0.0 0.0 0.0
Cl       2.82000000       2.82000000       2.82000000       0.0 0.0 0.1
2
Lattice="0.0 2.9 2.9 2.9 0.0 2.9 2.9 2.9 0.0" Properties=species:S:1:pos:R:3:forces:R:3 energy=-6.2 free_energy=-6.25 stress="0.2 0 0 0 0.2 0 0 0 0.2" config_type=strained pbc="T T T"
Na       0.00000000       0.00000000       0.00000000       0.0 0.0 0.0
Cl       2.90000000       2.90000000       2.90000000       0.0 0.0 0.1
`;

describe('parseCommentLine', () => {
  it('reads quoted, braced, bare and flag values', () => {
    const m = parseCommentLine(
      'Lattice="1 0 0 0 1 0 0 0 1" energy=-1.5 name="a \\"b\\"" tags={1,2} pbc=[T, T, F] is_relaxed "key with space"=3',
    );
    expect(m.get('Lattice')).toBe('1 0 0 0 1 0 0 0 1');
    expect(m.get('energy')).toBe('-1.5');
    expect(m.get('name')).toBe('a "b"');
    expect(m.get('tags')).toBe('1 2');
    expect(m.get('pbc')).toBe('T  T  F');
    expect(m.get('is_relaxed')).toBe('T');
    expect(m.get('key with space')).toBe('3');
  });
});

describe('loadExtxyz', () => {
  it('loads ASE frames: targets are the scalar per-frame values, ids from the file stem', () => {
    const r = loadExtxyz([vf('data/train.extxyz', ASE)], opts());
    expect(r.targetChoices).toEqual(['energy', 'free_energy']); // stress is 9 numbers, config_type text
    expect(r.target).toBe('energy');
    expect(r.entries.map((e) => [e.id, e.target, e.source.line])).toEqual([
      ['train#1', -6.5, 1],
      ['train#2', -6.2, 5],
    ]);
    const s = r.entries[0]!.structure;
    expect(Array.from(s.numbers)).toEqual([11, 17]);
    // Cl at (2.82, 2.82, 2.82) = ½(a + b + c) of this fcc cell.
    expect(Array.from(s.frac, (x) => Math.round(x * 1e12) / 1e12)).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    expect(r.rejected).toEqual([]);
    const free = loadExtxyz([vf('train.extxyz', ASE)], opts('free_energy'));
    expect(free.entries.map((e) => e.target)).toEqual([-6.5, -6.25]);
  });

  it('handles other column orders, a Z column, and ids from the comment', () => {
    const text = `1\nLattice="3 0 0 0 3 0 0 0 3" Properties=pos:R:3:Z:I:1 id=mp-7 gap=1.5\n1.5 1.5 1.5 26\n`;
    const r = loadExtxyz([vf('z.xyz', text)], opts());
    expect(
      r.entries.map((e) => [e.id, e.target, Array.from(e.structure.numbers), Array.from(e.structure.frac)]),
    ).toEqual([['mp-7', 1.5, [26], [0.5, 0.5, 0.5]]]);
  });

  it('rejects molecules (no Lattice), missing targets and big frames; warns for pbc with F', () => {
    const text = [
      '2',
      'Properties=species:S:1:pos:R:3 energy=-1',
      'H 0 0 0',
      'H 0 0 0.74',
      '1',
      'Lattice="3 0 0 0 3 0 0 0 3" pbc="T T F"',
      'Na 0 0 0',
      '3',
      'Lattice="9 0 0 0 9 0 0 0 9" energy=-3',
      'Na 0 0 0',
      'Na 3 0 0',
      'Na 6 0 0',
      '1',
      'Lattice="3 0 0 0 3 0 0 0 3" energy=-4 pbc="T T F"',
      'Na 0 0 0',
    ].join('\n');
    const r = loadExtxyz([vf('m.xyz', text)], opts(undefined, { maxAtomsPerStructure: 2 }));
    expect(r.entries.map((e) => e.id)).toEqual(['m#4']);
    expect(r.rejected.map((x) => [x.id, x.reason, x.source.line])).toEqual([
      ['m#1', 'unsupported', 1],
      ['m#2', 'bad-target', 5],
      ['m#3', 'too-many-atoms', 8],
    ]);
    expect(r.rejected[0]!.message).toContain('no Lattice="…"');
    expect(r.rejected[1]!.message).toContain("frame 2 has no 'energy' in its comment line.");
    expect(r.warnings[0]).toContain('pbc="T T F"');
  });

  it('keeps the frames before a truncation and reports the break', () => {
    const text = ASE + '2\nLattice="3 0 0 0 3 0 0 0 3" energy=-1\nNa 0 0 0\n';
    const r = loadExtxyz([vf('t.xyz', text)], opts());
    expect(r.entries).toHaveLength(2);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ reason: 'unparseable', source: { file: 't.xyz', line: 9 } });
    expect(r.rejected[0]!.message).toContain('announces 2 atoms but the file ends after 1 atom lines');
  });

  it('reports a bad count line and a bad atom line with their lines', () => {
    const split = splitXyzFrames('two\ncomment\n');
    expect(split.frames).toEqual([]);
    expect(split.stop?.line).toBe(1);
    const bad = splitXyzFrames('1\nLattice="3 0 0 0 3 0 0 0 3" e=1\nNa 0 zero 0\n');
    expect(frameStructure(bad.frames[0]!, bad.lines)).toMatchObject({ reason: 'unparseable', line: 3 });
    const unknown = splitXyzFrames('1\nLattice="3 0 0 0 3 0 0 0 3" e=1\nQq 0 0 0\n');
    expect(frameStructure(unknown.frames[0]!, unknown.lines)).toMatchObject({
      reason: 'unknown-element',
      line: 3,
    });
  });

  it('errors when no frame has a numeric property', () => {
    expect(() => loadExtxyz([vf('n.xyz', '1\nLattice="3 0 0 0 3 0 0 0 3"\nNa 0 0 0\n')], opts())).toThrow(
      /n\.xyz \(per-frame properties in the comment lines\) has no numeric column/,
    );
  });
});
