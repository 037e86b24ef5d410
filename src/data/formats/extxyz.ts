/**
 * Extended XYZ (ASE, `.xyz`/`.extxyz`): frames of `natoms` line, comment line of key=value pairs, then
 * one line per atom. The comment gives `Lattice="ax ay az bx by bz cx cy cz"` (rows = vectors, Å),
 * `Properties=species:S:1:pos:R:3[:name:T:n…]` (default species then pos) and per-frame values such as
 * `energy=-12.3`, which are the targets. Positions are Cartesian (Å) and converted to fractional.
 */
import type { VirtualFile } from '../archive.ts';
import { atomicNumber, elementOfLabel } from '../elements.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import {
  cartesianToFractional,
  chooseTarget,
  Collector,
  decodeText,
  parseNumber,
  showValue,
  stemOf,
  Warnings,
} from './common.ts';
import type { StructureOrProblem } from './pymatgen.ts';

/**
 * Splits an extxyz comment line into key → raw value. Values may be "double-quoted" (backslash
 * escapes), {braced} or [bracketed]; a key without '=' gets 'T' (ASE's convention). Keys keep their case.
 */
export function parseCommentLine(line: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = line.length;
  const ws = () => {
    while (i < n && /\s/.test(line[i] ?? '')) i++;
  };
  const readToken = (stopAtEquals: boolean): string => {
    const open = line[i];
    if (open === '"' || open === "'") {
      let s = '';
      i++;
      while (i < n && line[i] !== open) {
        if (line[i] === '\\' && i + 1 < n) i++;
        s += line[i];
        i++;
      }
      i++;
      return s;
    }
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      const end = line.indexOf(close, i);
      const s = line.slice(i + 1, end < 0 ? n : end);
      i = end < 0 ? n : end + 1;
      return s.replace(/,/g, ' ');
    }
    const start = i;
    while (i < n && !/\s/.test(line[i] ?? '') && !(stopAtEquals && line[i] === '=')) i++;
    return line.slice(start, i);
  };
  while (i < n) {
    ws();
    if (i >= n) break;
    const key = readToken(true);
    ws();
    if (line[i] === '=') {
      i++;
      ws();
      out.set(key, readToken(false));
    } else if (key !== '') out.set(key, 'T');
  }
  return out;
}

/** One frame of an extxyz file, atoms not yet parsed. */
export interface XyzFrame {
  /** 1-based frame number within its file. */
  index: number;
  /** 1-based line of the atom-count line. */
  line: number;
  natoms: number;
  info: Map<string, string>;
  /** 0-based index of the first atom line in the file's lines. */
  firstAtomLine: number;
}

/** The frames of one file, and the problem that stopped reading (truncation, a bad count line), if any. */
export interface XyzFrames {
  frames: XyzFrame[];
  lines: string[];
  stop: { line: number; message: string } | null;
}

/** Splits an (extended) XYZ text into frames without parsing atom lines. Never throws. */
export function splitXyzFrames(text: string): XyzFrames {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') lines.pop(); // trailing blank lines
  const frames: XyzFrame[] = [];
  let i = 0;
  while (i < lines.length) {
    if ((lines[i] ?? '').trim() === '') {
      i++;
      continue;
    }
    const countText = (lines[i] ?? '').trim();
    if (!/^\d+$/.test(countText)) {
      return {
        frames,
        lines,
        stop: {
          line: i + 1,
          message: `line ${i + 1} should be the atom count of frame ${frames.length + 1} (a whole number), found ${showValue(countText)}; reading stopped here.`,
        },
      };
    }
    const natoms = Number(countText);
    if (i + 2 + natoms > lines.length) {
      return {
        frames,
        lines,
        stop: {
          line: i + 1,
          message: `frame ${frames.length + 1} (line ${i + 1}) announces ${natoms} atoms but the file ends after ${Math.max(0, lines.length - i - 2)} atom lines: it is truncated.`,
        },
      };
    }
    frames.push({
      index: frames.length + 1,
      line: i + 1,
      natoms,
      info: parseCommentLine(lines[i + 1] ?? ''),
      firstAtomLine: i + 2,
    });
    i += 2 + natoms;
  }
  return { frames, lines, stop: null };
}

const ID_KEYS = ['id', 'material_id', 'mp_id', 'name', 'structure_id', 'config_name'];
const NOT_TARGETS = new Set(['lattice', 'properties', 'pbc', ...ID_KEYS]);

interface Column {
  name: string;
  type: string;
  start: number;
  width: number;
}

function parseProperties(spec: string): Column[] | null {
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) return null;
  const cols: Column[] = [];
  let start = 0;
  for (let k = 0; k < parts.length; k += 3) {
    const width = Number(parts[k + 2]);
    if (!Number.isInteger(width) || width < 1) return null;
    cols.push({ name: parts[k] ?? '', type: (parts[k + 1] ?? '').toUpperCase(), start, width });
    start += width;
  }
  return cols;
}

/** Builds a frame's structure from its lattice and atom lines. Never throws. */
export function frameStructure(frame: XyzFrame, lines: readonly string[]): StructureOrProblem {
  const latticeText = frame.info.get('Lattice') ?? frame.info.get('lattice');
  if (latticeText === undefined) {
    return {
      reason: 'unsupported',
      line: frame.line,
      message:
        'the frame has no Lattice="…" in its comment line: it is a molecule or a non-periodic system, and CGCNN needs periodic crystals.',
    };
  }
  const lat = latticeText.trim().split(/\s+/).map(parseNumber);
  if (lat.length !== 9 || lat.some((x) => x === null)) {
    return {
      reason: 'unparseable',
      line: frame.line + 1,
      message: `Lattice should hold 9 numbers (three vectors), found "${latticeText}".`,
    };
  }
  const cols = parseProperties(
    frame.info.get('Properties') ?? frame.info.get('properties') ?? 'species:S:1:pos:R:3',
  );
  const species = cols?.find((c) => c.name === 'species' || c.name === 'Z');
  const pos = cols?.find((c) => (c.name === 'pos' || c.name === 'positions') && c.width === 3);
  if (cols === null || cols === undefined || species === undefined || pos === undefined) {
    return {
      reason: 'unparseable',
      line: frame.line + 1,
      message: `Properties=${frame.info.get('Properties') ?? ''} should name a species (or Z) column and a 3-wide pos column, e.g. species:S:1:pos:R:3.`,
    };
  }
  const n = frame.natoms;
  const numbers = new Uint8Array(n);
  const cart = new Float64Array(3 * n);
  for (let a = 0; a < n; a++) {
    const lineNo = frame.firstAtomLine + a;
    const toks = (lines[lineNo] ?? '').trim().split(/\s+/);
    const sp = toks[species.start] ?? '';
    const z =
      species.name === 'Z'
        ? /^\d+$/.test(sp)
          ? Number(sp)
          : null
        : (atomicNumber(sp) ?? elementOfLabel(sp));
    if (z === null || z < 1 || z > 255) {
      return {
        reason: 'unknown-element',
        line: lineNo + 1,
        message: `line ${lineNo + 1}: ${showValue(sp)} is not an element.`,
      };
    }
    numbers[a] = z;
    for (let k = 0; k < 3; k++) {
      const x = parseNumber(toks[pos.start + k]);
      if (x === null) {
        return {
          reason: 'unparseable',
          line: lineNo + 1,
          message: `line ${lineNo + 1}: position of atom ${a + 1} should be three numbers, found '${(lines[lineNo] ?? '').trim()}'.`,
        };
      }
      cart[3 * a + k] = x;
    }
  }
  const lattice = Float64Array.from(lat as number[]);
  const frac = cartesianToFractional(cart, lattice);
  if (frac === null)
    return { reason: 'unparseable', line: frame.line + 1, message: 'the lattice is singular (zero volume).' };
  return { structure: { lattice, numbers, frac } };
}

/**
 * Loads extended-XYZ files: every frame is an item with id from its `id`/`name`/`material_id` key,
 * else '<file stem>#<frame number>'. Targets are the per-frame numeric values (energy=…); the default
 * follows chooseTarget. A frame without Lattice is rejected as 'unsupported'; a truncated file keeps
 * the frames before the break and rejects the rest with the line.
 */
export function loadExtxyz(files: readonly VirtualFile[], opts: FormatOptions): FormatResult {
  const warnings = new Warnings();
  const parsed = files.map((f) => ({ file: f, ...splitXyzFrames(decodeText(f.bytes)) }));
  const choices: string[] = [];
  for (const p of parsed) {
    for (const fr of p.frames) {
      for (const [k, v] of fr.info) {
        if (!NOT_TARGETS.has(k.toLowerCase()) && parseNumber(v) !== null && !choices.includes(k))
          choices.push(k);
      }
    }
  }
  const what = files.length === 1 ? (files[0]?.path ?? 'the file') : `${files.length} XYZ files`;
  const target = chooseTarget(choices, opts.target, `${what} (per-frame properties in the comment lines)`);
  let total = parsed.reduce((s, p) => s + p.frames.length + (p.stop !== null ? 1 : 0), 0);
  if (total > opts.limits.maxEntries) {
    warnings.add(
      `The XYZ files hold ${total} frames; only the first ${opts.limits.maxEntries} were loaded (maxEntries).`,
    );
    total = opts.limits.maxEntries;
  }
  opts.progress.expect(total);
  const c = new Collector(opts.limits, opts.progress);
  let periodicWarned = false;
  for (const p of parsed) {
    const stem = stemOf(p.file.path);
    for (const fr of p.frames) {
      if (c.count >= total) break;
      const source = { file: p.file.path, line: fr.line };
      const idKey = ID_KEYS.find((k) => fr.info.has(k));
      const id = idKey !== undefined ? (fr.info.get(idKey) ?? '') : `${stem}#${fr.index}`;
      if (!c.claimId(id, source)) continue;
      const raw = fr.info.get(target);
      const y = parseNumber(raw);
      if (y === null) {
        c.reject(
          source,
          id,
          'bad-target',
          raw === undefined
            ? `frame ${fr.index} has no '${target}' in its comment line.`
            : `frame ${fr.index}: '${target}' is ${showValue(raw)}, not a finite number.`,
        );
        continue;
      }
      if (fr.natoms > opts.limits.maxAtomsPerStructure) {
        c.reject(
          source,
          id,
          'too-many-atoms',
          `frame ${fr.index} has ${fr.natoms} atoms, more than the limit of ${opts.limits.maxAtomsPerStructure} per structure (maxAtomsPerStructure).`,
        );
        continue;
      }
      const pbc = fr.info.get('pbc');
      if (!periodicWarned && pbc !== undefined && /\bF/i.test(pbc)) {
        periodicWarned = true;
        warnings.add(
          `${p.file.path}: frame ${fr.index} has pbc="${pbc}"; the lab treats every frame as periodic in all three directions.`,
        );
      }
      c.add(id, source, y, () => frameStructure(fr, p.lines));
    }
    if (p.stop !== null && c.count < total) {
      c.reject({ file: p.file.path, line: p.stop.line }, undefined, 'unparseable', p.stop.message);
    }
  }
  return {
    entries: c.entries,
    rejected: c.rejected,
    target,
    targetChoices: choices,
    warnings: warnings.toArray(),
  };
}
