/**
 * VASP POSCAR/CONTCAR files (VASP 5: with a species line) and a set of them keyed by a targets CSV.
 *
 * Layout: comment; scale (one number, negative = target cell volume in Å³, or three per-axis factors);
 * three lattice-vector lines; species line ('Fe O', POTCAR suffixes like 'Fe_pv' allowed); counts line;
 * optional 'Selective dynamics'; 'Direct' or 'Cartesian' (first letter C/K = Cartesian); one coordinate
 * line per atom (extra columns such as T/F flags or a species label ignored).
 */
import type { VirtualFile } from '../archive.ts';
import { elementOfLabel } from '../elements.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import { det3 } from '../../core/mat3.ts';
import { baseName, cartesianToFractional, decodeText, dirName, parseNumber } from './common.ts';
import { readIdTable } from './idTable.ts';
import { loadKeyedSet, type KeyedFile } from './keyedSet.ts';
import type { StructureOrProblem } from './pymatgen.ts';

function numbersOf(line: string | undefined, min: number): number[] | null {
  if (line === undefined) return null;
  const toks = line.trim().split(/\s+/);
  if (toks.length < min) return null;
  const out: number[] = [];
  for (let k = 0; k < min; k++) {
    const x = parseNumber(toks[k]);
    if (x === null) return null;
    out.push(x);
  }
  return out;
}

/**
 * True when the text is shaped like a POSCAR: line 2 holds one or three numbers and lines 3–5 hold
 * three numbers each, and line 6 is not empty.
 */
export function looksLikePoscar(text: string): boolean {
  const lines = text.split(/\r?\n/, 7);
  const scale = lines[1]?.trim().split(/\s+/) ?? [];
  if (!(scale.length === 1 || scale.length === 3) || scale.some((t) => parseNumber(t) === null)) return false;
  for (let k = 2; k < 5; k++) if (numbersOf(lines[k], 3) === null) return false;
  return (lines[5] ?? '').trim() !== '';
}

/**
 * Parses a VASP 5 POSCAR/CONTCAR. Problems come back with the 1-based line: a VASP 4 file (no species
 * line) is 'unsupported' with a message asking for VASP 5; more atoms than `maxAtoms` is
 * 'too-many-atoms' (before reading coordinates). Never throws.
 */
export function parsePoscar(text: string, maxAtoms = Infinity): StructureOrProblem {
  const lines = text.split(/\r?\n/);
  const bad = (line: number, message: string): StructureOrProblem => ({
    reason: 'unparseable',
    message,
    line,
  });
  const scaleToks = (lines[1] ?? '').trim().split(/\s+/);
  const scales = scaleToks.map((t) => parseNumber(t));
  if (!(scales.length === 1 || scales.length === 3) || scales.some((s) => s === null || s === 0)) {
    return bad(
      2,
      `line 2 should be the scale factor (one non-zero number, or three), found '${(lines[1] ?? '').trim()}'.`,
    );
  }
  const lattice = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    const v = numbersOf(lines[2 + r], 3);
    if (v === null) {
      return bad(
        3 + r,
        `line ${3 + r} should be lattice vector ${'abc'[r]} (three numbers), found '${(lines[2 + r] ?? '').trim()}'.`,
      );
    }
    lattice.set(v, 3 * r);
  }
  const axisScale = [1, 1, 1];
  if (scales.length === 3) {
    for (let k = 0; k < 3; k++) axisScale[k] = scales[k] as number;
    if (axisScale.some((s) => s < 0)) return bad(2, 'three scale factors must all be positive.');
  } else {
    const s = scales[0] as number;
    const factor = s > 0 ? s : Math.cbrt(-s / Math.abs(det3(lattice)));
    if (!Number.isFinite(factor))
      return bad(2, `the volume scale ${s} cannot be applied: the lattice is singular.`);
    axisScale.fill(factor);
  }
  for (let r = 0; r < 3; r++)
    for (let k = 0; k < 3; k++) lattice[3 * r + k] = (lattice[3 * r + k] ?? 0) * (axisScale[k] ?? 1);

  const speciesToks = (lines[5] ?? '')
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (speciesToks.length === 0)
    return bad(6, 'line 6 should list the element symbols (VASP 5 format) but is empty.');
  if (speciesToks.every((t) => /^\d+$/.test(t))) {
    return {
      reason: 'unsupported',
      line: 6,
      message:
        "this is a VASP 4 POSCAR: line 6 holds atom counts, with no line naming the elements. Save it in VASP 5 format (add a line of element symbols such as 'Fe O' above the counts; pymatgen and ASE write it) and drop it again.",
    };
  }
  const species: number[] = [];
  for (const t of speciesToks) {
    const z = elementOfLabel(t.split('/')[0] ?? t);
    if (z === null) {
      return { reason: 'unknown-element', line: 6, message: `line 6: '${t}' is not an element symbol.` };
    }
    species.push(z);
  }
  const countToks = (lines[6] ?? '')
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  const counts = countToks.map((t) => (/^\d+$/.test(t) ? Number(t) : NaN));
  if (counts.length !== species.length || counts.some((x) => !Number.isFinite(x))) {
    return bad(
      7,
      `line 7 should give one atom count per element of line 6 (${speciesToks.join(' ')}), found '${(lines[6] ?? '').trim()}'.`,
    );
  }
  const n = counts.reduce((a, b) => a + b, 0);
  if (n > maxAtoms) {
    return {
      reason: 'too-many-atoms',
      line: 7,
      message: `the structure has ${n} atoms, more than the limit of ${maxAtoms} per structure (maxAtomsPerStructure).`,
    };
  }
  let k = 7;
  if (/^\s*s/i.test(lines[k] ?? '')) k++; // Selective dynamics
  const mode = (lines[k] ?? '').trim();
  if (mode === '') return bad(k + 1, `line ${k + 1} should say 'Direct' or 'Cartesian', but is empty.`);
  const cartesian = /^[ck]/i.test(mode);
  k++;
  const numbers = new Uint8Array(n);
  const coords = new Float64Array(3 * n);
  let s = 0;
  for (let e = 0; e < species.length; e++)
    for (let m = 0; m < (counts[e] ?? 0); m++) numbers[s++] = species[e] ?? 0;
  for (let a = 0; a < n; a++) {
    const v = numbersOf(lines[k + a], 3);
    if (v === null) {
      return bad(
        k + a + 1,
        k + a >= lines.length || (lines[k + a] ?? '').trim() === ''
          ? `the file ends after ${a} of ${n} coordinate lines (line ${k + a + 1}): it is truncated.`
          : `line ${k + a + 1} should hold three coordinates of atom ${a + 1}, found '${(lines[k + a] ?? '').trim()}'.`,
      );
    }
    coords.set(v, 3 * a);
  }
  let frac: Float64Array = coords;
  if (cartesian) {
    for (let a = 0; a < n; a++)
      for (let j = 0; j < 3; j++) coords[3 * a + j] = (coords[3 * a + j] ?? 0) * (axisScale[j] ?? 1);
    const converted = cartesianToFractional(coords, lattice);
    if (converted === null) return bad(3, 'the lattice is singular (zero volume).');
    frac = converted;
  }
  return { structure: { lattice, numbers, frac } };
}

/** True for names VASP users give structure files: POSCAR*, CONTCAR*, *POSCAR, *.vasp, *.poscar. */
export function isPoscarName(path: string): boolean {
  const b = baseName(path);
  return /^(poscar|contcar)/i.test(b) || /(poscar|contcar)$/i.test(b) || /\.(vasp|poscar|contcar)$/i.test(b);
}

/**
 * The ids a POSCAR file may answer to, best first: 'mp-1.vasp' → mp-1; 'POSCAR_mp-1' → POSCAR_mp-1,
 * mp-1; 'mp-1_POSCAR' → mp-1_POSCAR, mp-1; 'mp-1/POSCAR' (one folder per structure) → mp-1.
 */
export function poscarKeys(path: string): string[] {
  const b = baseName(path);
  if (/^(poscar|contcar)(\.vasp)?$/i.test(b)) {
    const parent = baseName(dirName(path));
    return parent !== '' ? [parent] : [b];
  }
  const stem = b.replace(/\.(vasp|poscar|contcar)$/i, '');
  const keys = [stem];
  const stripped = stem.replace(/^(poscar|contcar)[_\-.]?/i, '').replace(/[_\-.]?(poscar|contcar)$/i, '');
  if (stripped !== '' && stripped !== stem) keys.push(stripped);
  return keys;
}

/**
 * Loads POSCAR/CONTCAR files with a targets CSV (rows id,target[,…]; header optional) matched by file
 * stem (see poscarKeys). Same rejections as a cgcnn folder, with POSCAR problems at their line.
 */
export function loadPoscarSet(
  poscars: readonly VirtualFile[],
  targets: VirtualFile,
  opts: FormatOptions,
): FormatResult {
  const table = readIdTable(decodeText(targets.bytes), targets.path);
  const files: KeyedFile[] = poscars.map((f) => ({
    path: f.path,
    keys: poscarKeys(f.path),
    parse: () => parsePoscar(decodeText(f.bytes), opts.limits.maxAtomsPerStructure),
  }));
  return loadKeyedSet(table, files, opts, {
    expected: (id) => `a POSCAR file named '${id}.vasp', '${id}' or '${id}/POSCAR'`,
  });
}
