/**
 * CIF 1.1 reader: a single-pass tokenizer (`parseCifBlocks`) and a structure builder
 * (`structureFromCifBlock`, `parseCif`) that reproduces what CGCNN's loader gets from pymatgen 2022.11
 * (`Structure.from_file(cif)` → `CifParser(...).get_structures(primitive=False)[0]`): the same lattice
 * matrix, the same sites in the same order, the same fractional coordinates.
 *
 * What pymatgen 2022.11 does, and this module reproduces (pymatgen/io/cif.py, core/lattice.py):
 * 1. `_sanitize_data`: a fractional coordinate f with |1 − f/(1/3)| < 1e-4 or |1 − f/(2/3)| < 1e-4 is
 *    replaced by 1/3 or 2/3 (warning "Some fractional coordinates rounded to ideal values …").
 * 2. `get_lattice` → `Lattice.from_parameters(a, b, c, α, β, γ)` (vesta=False), see `latticeFromParameters`.
 * 3. `get_symops`: the operations of `_symmetry_equiv_pos_as_xyz`, else `_space_group_symop_operation_xyz`
 *    (`SymmOp.from_xyz_string`).
 *    Applying an operation sums its terms in the order OpenBLAS's dgemv does (see `applyRow`).
 * 4. `_get_structure`: each `_atom_site` row in file order; a row whose position is a symmetry image of an
 *    earlier row's (|Δf − round(Δf)| < 1e-4 on all three axes) is merged into it; rows with occupancy ≤ 0
 *    are dropped; rows are sorted by composition and grouped; each group is expanded by every operation
 *    in order, each image wrapped with `f − floor(f)` and kept unless it is within 1e-4 (periodic) of an
 *    image already kept for that group (`_unique_coords`, `in_coord_list_pbc`).
 * 5. `get_sorted_structure()` (always, `primitive=False` is the default of `Structure.from_file`/`from_str`
 *    in 2022.11): a stable sort of the sites by electronegativity (pymatgen's Pauling X), then by species
 *    string ("Na+", "Fe2+", "O2-" when `_atom_type_oxidation_number` is given, else the bare symbol).
 *
 * Deliberate divergences (a CGCNN structure is one element per fully occupied site, so pymatgen's
 * disordered sites, which CGCNN's `site.specie` cannot read anyway, become errors here):
 * - partial occupancy → `CifError('partial-occupancy')`; occupancy within `occupancyTolerance` (0.01) of 1
 *   is read as 1 with a warning (pymatgen keeps e.g. Fe:0.998 as a disordered site);
 * - two rows on symmetry-equivalent positions (pymatgen merges them into one site holding e.g. Fe:2 or
 *   Fe:1,Co:1) → `CifError('overlapping-atoms')`;
 * - space group given only as a symbol (no explicit operations): pymatgen looks the operations up in its
 *   tables; this lab does not ship them → `CifError('unsupported')`, except P 1 / number 1 (identity);
 * - Cartesian-only atom sites (`_atom_site_Cartn_x`) → `CifError('unsupported')` (pymatgen fails too);
 * - element from a label: `elementOfLabel` ('CO1' → C), where pymatgen title-cases two letters
 *   ('CO1' → Co): we warn when the two readings differ; 'OH1' is O here (pymatgen drops 'OH…' sites),
 *   'Wat'/'wat' water pseudo-atoms are rejected (pymatgen adds implicit H as a disordered site);
 * - a `.` occupancy is read as 1 (pymatgen: 0, dropping the atom); tags and `data_`/`loop_` are matched
 *   case-insensitively as CIF requires (pymatgen is case-sensitive), DDL2 dots (`_atom_site.fract_x`)
 *   are read as underscores; only `_atom_site_label` *or* `_atom_site_type_symbol` is required;
 * - a loop whose value count is not a multiple of its column count is an error when the structure needs
 *   it (pymatgen silently drops the trailing values) and a warning otherwise;
 * - no symmetry information at all (no operations, no space group): pymatgen 2022.11 "defaults to P1"
 *   with operations built from the strings 'x', 'y', 'z' *separately* (a bug: they map a position to
 *   (x,0,0), (y,0,0), (z,0,0), merging unrelated atoms); here the identity is used, with the same warning;
 * - the final electronegativity sort reproduces CPython's `list.sort` exactly for < 64 sites even when an
 *   element without electronegativity (He, Ne, Ar, Z ≥ 104; pymatgen: NaN, an inconsistent order) is
 *   present; with ≥ 64 sites and such an element the order may differ from pymatgen's.
 */
import type { RejectReason, Structure } from './types.ts';
import { ELEMENT_SYMBOLS, atomicNumber, elementOfLabel } from './elements.ts';

// ---------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------

/** A CIF that cannot become a CGCNN structure. `line` is the 1-based line of the problem, when known. */
export class CifError extends Error {
  readonly reason: RejectReason;
  readonly line: number | undefined;

  constructor(reason: RejectReason, message: string, line?: number) {
    super(message);
    this.name = 'CifError';
    this.reason = reason;
    this.line = line;
  }
}

export interface CifOptions {
  /** More sites than this after symmetry expansion → `CifError('too-many-atoms')`. Default 500. */
  maxAtoms?: number;
  /** |occupancy − 1| ≤ this is read as a full site (with a warning). Default 0.01. */
  occupancyTolerance?: number;
  /** Fractional distance under which two positions are the same site (pymatgen `site_tolerance`). 1e-4. */
  siteTolerance?: number;
  /** Prefixed to error messages ("x.cif, line 37: …"). */
  fileName?: string;
}

/** A parsed structure and what is worth telling the user about it. */
export interface CifResult {
  structure: Structure;
  /** The name after `data_`. */
  blockName: string;
  /** pymatgen's `composition.reduced_formula` (e.g. "NaCl", "TiOsNOF", "Ni(HO)2"). */
  formula: string;
  /** Non-fatal remarks (rounded coordinates, assumed P1, occupancies read as 1, …). */
  warnings: string[];
}

/** A loop_: its (normalised) tags and its values, row-major, with the 1-based line of each value. */
export interface CifLoop {
  tags: string[];
  values: string[];
  lines: number[];
  /** Line of the `loop_` keyword. */
  line: number;
}

/** One data item of a block: a single value, or a column of a loop. */
export type CifItem =
  { kind: 'value'; value: string; line: number } | { kind: 'loop'; loop: CifLoop; column: number };

/** A `data_` block as written: items by normalised tag (lower case, '.' → '_'), loops in file order. */
export interface CifBlock {
  name: string;
  /** Line of the `data_` header. */
  line: number;
  items: Map<string, CifItem>;
  loops: CifLoop[];
  /** Syntax remarks that did not stop the reading (stray values, tags without values, …). */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------------

const T_EOF = 0;
const T_TAG = 1;
const T_VALUE = 2;
const T_LOOP = 3;
const T_DATA = 4;
const T_SAVE = 5;
const T_OTHER_RESERVED = 6; // global_, stop_

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_SQUOTE = 39;
const CH_SEMI = 59;
const CH_UNDERSCORE = 95;

function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR;
}

/**
 * CIF 1.1 token scanner. One pass over the char codes; the current token is in the public fields.
 * Whitespace: space, tab, LF, CR, CRLF (a line break in any of the three conventions counts one line).
 * A leading BOM is skipped. Comments start at an unquoted '#' that begins a token. Quoted values end at
 * the matching quote followed by whitespace (so `'O'Neil'` is one value), and may not cross a line.
 * Text fields run from a ';' in column 1 to the next line starting with ';'.
 */
class Scanner {
  private readonly s: string;
  private readonly n: number;
  private pos: number;
  private line = 1;
  kind = T_EOF;
  text = '';
  tokLine = 1;

  constructor(
    s: string,
    private readonly where: (line: number) => string,
  ) {
    this.s = s;
    this.n = s.length;
    this.pos = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  private fail(message: string, line: number): never {
    throw new CifError('unparseable', `${this.where(line)}${message}`, line);
  }

  next(): void {
    const s = this.s;
    const n = this.n;
    let p = this.pos;
    for (;;) {
      if (p >= n) {
        this.pos = p;
        this.kind = T_EOF;
        this.tokLine = this.line;
        return;
      }
      const c = s.charCodeAt(p);
      if (c === CH_LF) {
        this.line++;
        p++;
        continue;
      }
      if (c === CH_CR) {
        this.line++;
        p++;
        if (p < n && s.charCodeAt(p) === CH_LF) p++;
        continue;
      }
      if (c === CH_SPACE || c === CH_TAB) {
        p++;
        continue;
      }
      if (c < 32 || c === 0x7f) {
        if (c === 11 || c === 12) {
          // vertical tab, form feed: treat as blanks (some editors leave them)
          p++;
          continue;
        }
        this.fail(
          `control character U+${c.toString(16).padStart(4, '0').toUpperCase()} is not allowed in a CIF ` +
            '(is this a binary file or a CIF in another encoding?)',
          this.line,
        );
      }
      if (c === CH_HASH) {
        while (p < n) {
          const d = s.charCodeAt(p);
          if (d === CH_LF || d === CH_CR) break;
          p++;
        }
        continue;
      }
      this.tokLine = this.line;
      if (c === CH_SEMI && (p === 0 || s.charCodeAt(p - 1) === CH_LF || s.charCodeAt(p - 1) === CH_CR)) {
        // Text field: ';' in column 1 … a line starting with ';'.
        const start = p + 1;
        let q = start;
        for (;;) {
          if (q >= n) {
            this.fail(
              `the text field opened by ';' here is never closed (a line starting with ';' must end it); ` +
                'the file may be truncated',
              this.tokLine,
            );
          }
          const d = s.charCodeAt(q);
          if (d === CH_LF || d === CH_CR) {
            const nl = q;
            this.line++;
            q++;
            if (d === CH_CR && q < n && s.charCodeAt(q) === CH_LF) q++;
            if (q < n && s.charCodeAt(q) === CH_SEMI) {
              this.text = s.slice(start, nl);
              this.pos = q + 1;
              this.kind = T_VALUE;
              return;
            }
            continue;
          }
          q++;
        }
      }
      if (c === CH_SQUOTE || c === CH_DQUOTE) {
        const start = p + 1;
        let q = start;
        for (;;) {
          if (q >= n) {
            this.fail(`the value opened by ${String.fromCharCode(c)} is never closed`, this.tokLine);
          }
          const d = s.charCodeAt(q);
          if (d === c && (q + 1 >= n || isBlank(s.charCodeAt(q + 1)))) break;
          if (d === CH_LF || d === CH_CR) {
            this.fail(
              `the value opened by ${String.fromCharCode(c)} is not closed on its line ` +
                '(quoted values cannot span lines; use a ;-delimited text field)',
              this.tokLine,
            );
          }
          q++;
        }
        this.text = s.slice(start, q);
        this.pos = q + 1;
        this.kind = T_VALUE;
        return;
      }
      // Unquoted token: up to the next blank.
      const start = p;
      p++;
      while (p < n && !isBlank(s.charCodeAt(p))) p++;
      this.pos = p;
      const text = s.slice(start, p);
      this.text = text;
      if (c === CH_UNDERSCORE) {
        this.kind = T_TAG;
        return;
      }
      this.kind = T_VALUE;
      // Reserved words (case-insensitive): data_, loop_, save_, global_, stop_.
      const c0 = c | 0x20;
      if (text.length >= 5 && (c0 === 100 || c0 === 108 || c0 === 115 || c0 === 103)) {
        const head = text.slice(0, 5).toLowerCase();
        if (head === 'data_') this.kind = T_DATA;
        else if (head === 'loop_' && text.length === 5) this.kind = T_LOOP;
        else if (head === 'save_') this.kind = T_SAVE;
        else if (head === 'stop_' && text.length === 5) this.kind = T_OTHER_RESERVED;
        else if (text.length === 7 && text.toLowerCase() === 'global_') this.kind = T_OTHER_RESERVED;
      }
      return;
    }
  }
}

/** Normalised tag: lower case (CIF tags are case-insensitive), DDL2 '.' read as '_'. */
function normTag(tag: string): string {
  const t = tag.toLowerCase();
  return t.indexOf('.') >= 0 ? t.replaceAll('.', '_') : t;
}

function prefixFor(fileName: string | undefined): (line: number) => string {
  return (line) => (fileName ? `${fileName}, line ${line}: ` : `line ${line}: `);
}

/**
 * Reads every `data_` block of a CIF 1.1 text (CIF 2.0 lists/tables are not supported).
 *
 * Syntax handled: blocks, tags, `loop_` with any number of columns in any order, single- and
 * double-quoted values (a quote ends a value only when followed by whitespace, CIF 1.1), `;` text
 * fields, `#` comments, `?`/`.` values (kept as the strings "?" and "."), LF/CRLF/CR line breaks, a BOM.
 * Save frames (`save_…`) are skipped. Tags are normalised (lower case, '.' → '_').
 *
 * Throws `CifError('unparseable')` for what makes the text unreadable: an unclosed quote or text field,
 * control characters (binary data), or no `data_` block at all. Softer problems (a tag without value, a
 * value outside any item, a loop whose value count is not a multiple of its column count, a repeated
 * tag) are reported in the block's `warnings`; the structure builder re-checks the loops it needs.
 */
export function parseCifBlocks(text: string, fileName?: string): CifBlock[] {
  const where = prefixFor(fileName);
  const sc = new Scanner(text, where);
  const blocks: CifBlock[] = [];
  let cur: CifBlock | null = null;
  let preambleTokens = 0;
  let inSave = false;
  let reuse = false;
  const setItem = (block: CifBlock, tag: string, item: CifItem, line: number): void => {
    if (block.items.has(tag))
      block.warnings.push(`${where(line)}${tag} is given twice; the last one is used`);
    block.items.set(tag, item);
  };
  for (;;) {
    if (reuse) reuse = false;
    else sc.next();
    const kind = sc.kind;
    if (kind === T_EOF) break;
    if (kind === T_DATA) {
      cur = { name: sc.text.slice(5), line: sc.tokLine, items: new Map(), loops: [], warnings: [] };
      blocks.push(cur);
      inSave = false;
      continue;
    }
    if (inSave) {
      if (kind === T_SAVE && sc.text.length === 5) inSave = false;
      continue;
    }
    if (cur === null) {
      preambleTokens++;
      continue;
    }
    const block: CifBlock = cur;
    switch (kind) {
      case T_TAG: {
        const tag = normTag(sc.text);
        const tagLine = sc.tokLine;
        sc.next();
        if (sc.kind === T_VALUE) {
          setItem(block, tag, { kind: 'value', value: sc.text, line: sc.tokLine }, tagLine);
        } else {
          block.warnings.push(`${where(tagLine)}${tag} has no value; ignored`);
          reuse = true;
        }
        break;
      }
      case T_LOOP: {
        const loop: CifLoop = { tags: [], values: [], lines: [], line: sc.tokLine };
        sc.next();
        while (sc.kind === T_TAG) {
          loop.tags.push(normTag(sc.text));
          sc.next();
        }
        while (sc.kind === T_VALUE) {
          loop.values.push(sc.text);
          loop.lines.push(sc.tokLine);
          sc.next();
        }
        reuse = true;
        const ncol = loop.tags.length;
        if (ncol === 0) {
          block.warnings.push(`${where(loop.line)}loop_ without tags; its values are ignored`);
          break;
        }
        if (loop.values.length % ncol !== 0) {
          block.warnings.push(
            `${where(loop.line)}loop_ of ${ncol} columns (${loop.tags[0] ?? ''} …) has ${loop.values.length} values, ` +
              'not a whole number of rows',
          );
        }
        block.loops.push(loop);
        loop.tags.forEach((tag, column) => setItem(block, tag, { kind: 'loop', loop, column }, loop.line));
        break;
      }
      case T_VALUE:
        block.warnings.push(`${where(sc.tokLine)}value '${sc.text.slice(0, 40)}' belongs to no tag; ignored`);
        break;
      case T_SAVE:
        inSave = sc.text.length > 5;
        break;
      case T_OTHER_RESERVED:
        block.warnings.push(`${where(sc.tokLine)}reserved word '${sc.text}' ignored`);
        break;
      default:
        break;
    }
  }
  if (blocks.length === 0) {
    throw new CifError(
      'unparseable',
      `${fileName ? `${fileName}: ` : ''}no data_ block found${preambleTokens > 0 ? ' (the text has content, but no "data_" header)' : ''}: ` +
        'this is not a CIF file, or it is empty',
    );
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------------
// Numbers, lattice, symmetry operations
// ---------------------------------------------------------------------------------------------------

/**
 * A CIF number as pymatgen's `str2float` reads it: the standard uncertainty in brackets is dropped
 * ('0.2500(3)' → 0.25, '1.5(12' → 1.5), then [+-]digits[.digits][e[+-]digits] (also '0.', '.5').
 * Returns NaN for anything else, including '?', '.', 'inf', 'nan' (callers decide what those mean).
 */
export function parseCifNumber(text: string): number {
  let end = text.length;
  const br = text.indexOf('(');
  if (br >= 0) {
    if (br === end - 1) return Number.NaN;
    end = br;
  }
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) i++;
  let digits = 0;
  while (i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
    i++;
    digits++;
  }
  if (i < end && text.charCodeAt(i) === 46) {
    i++;
    while (i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return Number.NaN;
  if (i < end && (text.charCodeAt(i) | 0x20) === 101) {
    i++;
    c = text.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    let ed = 0;
    while (i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      ed++;
    }
    if (ed === 0) return Number.NaN;
  }
  if (i !== end) return Number.NaN;
  return Number(br >= 0 ? text.slice(0, end) : text);
}

/**
 * The lattice matrix (rows a, b, c) exactly as pymatgen's `Lattice.from_parameters(a, b, c, α, β, γ)`
 * (vesta=False) builds it:
 *   val = (cos α cos β − cos γ)/(sin α sin β), clamped to [−1, 1] (`abs_cap`); γ* = arccos(val);
 *   a = [a sin β, 0, a cos β];  b = [−b sin α cos γ*, b sin α sin γ*, b cos α];  c = [0, 0, c].
 * So c lies along z and a in the xz plane (not the a-along-x convention); angles in degrees.
 */
export function latticeFromParameters(
  a: number,
  b: number,
  c: number,
  alpha: number,
  beta: number,
  gamma: number,
): Float64Array {
  const r = Math.PI / 180;
  const ar = alpha * r;
  const br = beta * r;
  const gr = gamma * r;
  const cosA = Math.cos(ar);
  const cosB = Math.cos(br);
  const cosG = Math.cos(gr);
  const sinA = Math.sin(ar);
  const sinB = Math.sin(br);
  let val = (cosA * cosB - cosG) / (sinA * sinB);
  val = Math.max(Math.min(val, 1), -1);
  // numpy's arccos returns exactly π/2 − x for |x| < 1e-7 (V8's fdlibm acos can differ by an ulp there,
  // e.g. for the −6.1e-17 of a right-angled cell): reproduce it so near-zero entries match pymatgen.
  const gammaStar = Math.abs(val) < 1e-7 ? Math.PI / 2 - val : Math.acos(val);
  return Float64Array.of(
    a * sinB,
    0,
    a * cosB,
    -b * sinA * Math.cos(gammaStar),
    b * sinA * Math.sin(gammaStar),
    b * cosA,
    0,
    0,
    c,
  );
}

/**
 * A symmetry operation from its xyz form ('-x+1/2, y, -z+0.25', 'x-y,x,z+1/2', '1/2+X,Y,Z'), as
 * pymatgen's `SymmOp.from_xyz_string`: spaces dropped, case ignored, three comma-separated parts; in each
 * part every term [+-][n[/d]]x|y|z sets that rotation entry and every constant term [+-]n[/d] sets the
 * translation. Returns 12 numbers (row i: R[i][0..2], t[i]) or null when the text is not of that form.
 */
export function parseSymop(text: string): Float64Array | null {
  const s = text.toLowerCase();
  const op = new Float64Array(12);
  let row = 0;
  let i = 0;
  const n = s.length;
  let termsInRow = 0;
  while (i <= n) {
    // skip blanks
    while (i < n && isBlank(s.charCodeAt(i))) i++;
    if (i >= n || s.charCodeAt(i) === 44) {
      // end of a part
      if (termsInRow === 0) return null;
      row++;
      termsInRow = 0;
      if (i >= n) break;
      if (row > 2) return null;
      i++;
      continue;
    }
    let sign = 1;
    let c = s.charCodeAt(i);
    if (c === 43 || c === 45) {
      if (c === 45) sign = -1;
      i++;
      while (i < n && isBlank(s.charCodeAt(i))) i++;
    }
    const numStart = i;
    while (i < n && (((c = s.charCodeAt(i)) >= 48 && c <= 57) || c === 46)) i++;
    const numText = s.slice(numStart, i);
    let num = 1;
    if (numText !== '') {
      num = Number(numText);
      if (!Number.isFinite(num) || numText === '.') return null;
      while (i < n && isBlank(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 47) {
        i++;
        while (i < n && isBlank(s.charCodeAt(i))) i++;
        const denStart = i;
        while (i < n && (((c = s.charCodeAt(i)) >= 48 && c <= 57) || c === 46)) i++;
        const den = Number(s.slice(denStart, i));
        if (denStart === i || !Number.isFinite(den) || den === 0) return null;
        num /= den;
      }
      while (i < n && isBlank(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 42) {
        // '2*x'
        i++;
        while (i < n && isBlank(s.charCodeAt(i))) i++;
      }
    }
    c = i < n ? s.charCodeAt(i) : -1;
    if (c >= 120 && c <= 122) {
      op[row * 4 + (c - 120)] = sign * num;
      i++;
    } else {
      if (numText === '') return null;
      op[row * 4 + 3] = sign * num;
    }
    termsInRow++;
  }
  return row === 3 ? op : null;
}

// ---------------------------------------------------------------------------------------------------
// pymatgen's electronegativity order and reduced formula
// ---------------------------------------------------------------------------------------------------

/** pymatgen 2022.11 `Element(Z).X` (Pauling electronegativity), NaN where pymatgen has none. */
const PYMATGEN_X: readonly number[] = (() => {
  const nan = Number.NaN;
  // prettier-ignore
  const x = [nan,
    2.2, nan, 0.98, 1.57, 2.04, 2.55, 3.04, 3.44, 3.98, nan, 0.93, 1.31, 1.61, 1.9, 2.19, 2.58, 3.16, nan,
    0.82, 1.0, 1.36, 1.54, 1.63, 1.66, 1.55, 1.83, 1.88, 1.91, 1.9, 1.65, 1.81, 2.01, 2.18, 2.55, 2.96, 3.0,
    0.82, 0.95, 1.22, 1.33, 1.6, 2.16, 1.9, 2.2, 2.28, 2.2, 1.93, 1.69, 1.78, 1.96, 2.05, 2.1, 2.66, 2.6,
    0.79, 0.89, 1.1, 1.12, 1.13, 1.14, 1.13, 1.17, 1.2, 1.2, 1.1, 1.22, 1.23, 1.24, 1.25, 1.1, 1.27, 1.3,
    1.5, 2.36, 1.9, 2.2, 2.2, 2.28, 2.54, 2.0, 1.62, 2.33, 2.02, 2.0, 2.2, 2.2, 0.7, 0.9, 1.1, 1.3, 1.5,
    1.38, 1.36, 1.28, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3];
  while (x.length <= 118) x.push(nan);
  return x;
})();

/** pymatgen's electronegativity of element Z (NaN where it has none). */
function xOf(z: number): number {
  return PYMATGEN_X[z] ?? Number.NaN;
}

function symbolOf(z: number): string {
  return ELEMENT_SYMBOLS[z] ?? '?';
}

/**
 * Sorts `arr` in place exactly as CPython 3.8–3.12 `list.sort` does with the given `lt` for arrays of
 * fewer than 64 items (one run: `count_run`, reversal of a strictly descending run, then `binarysort`).
 * This matters only when `lt` is not a consistent order (pymatgen compares NaN electronegativities);
 * for ≥ 64 items a stable sort is used, which equals CPython's whenever `lt` is consistent.
 */
function pythonSort<T>(arr: T[], lt: (a: T, b: T) => boolean): void {
  const n = arr.length;
  if (n < 2) return;
  if (n >= 64) {
    arr.sort((a, b) => (lt(a, b) ? -1 : lt(b, a) ? 1 : 0));
    return;
  }
  // count_run
  let run = 2;
  if (lt(arr[1] as T, arr[0] as T)) {
    while (run < n && lt(arr[run] as T, arr[run - 1] as T)) run++;
    for (let i = 0, j = run - 1; i < j; i++, j--) {
      const t = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = t;
    }
  } else {
    while (run < n && !lt(arr[run] as T, arr[run - 1] as T)) run++;
  }
  // binarysort(lo=0, hi=n, start=run)
  for (let start = run; start < n; start++) {
    const pivot = arr[start] as T;
    let l = 0;
    let r = start;
    do {
      const p = l + ((r - l) >> 1);
      if (lt(pivot, arr[p] as T)) r = p;
      else l = p + 1;
    } while (l < r);
    for (let k = start; k > l; k--) arr[k] = arr[k - 1] as T;
    arr[l] = pivot;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** pymatgen `formula_double_format(x, ignore_ones=True)` for the values that occur here. */
function formulaDoubleFormat(x: number, ignoreOnes = true): string {
  if (ignoreOnes && x === 1) return '';
  if (Math.abs(x - Math.trunc(x)) < 1e-8) return String(Math.trunc(x));
  return String(Math.round(x * 1e8) / 1e8);
}

const SPECIAL_FORMULAS: Readonly<Record<string, string>> = {
  LiO: 'Li2O2',
  NaO: 'Na2O2',
  KO: 'K2O2',
  HO: 'H2O2',
  CsO: 'Cs2O2',
  RbO: 'Rb2O2',
  O: 'O2',
  N: 'N2',
  F: 'F2',
  Cl: 'Cl2',
  H: 'H2',
};

function reduceFormula(amounts: Map<number, number>): [string, number] {
  // syms sorted by [X, symbol] (Python list comparison: NaN never equal, never less)
  const zs = [...amounts.keys()];
  pythonSort(zs, (p, q) => {
    const xp = xOf(p);
    const xq = xOf(q);
    if (xp !== xq || Number.isNaN(xp)) return xp < xq;
    return symbolOf(p) < symbolOf(q);
  });
  let factor = 1;
  const vals = [...amounts.values()];
  if (vals.every((v) => Number.isInteger(v))) factor = vals.reduce((g, v) => gcd(g, v), 0);
  let syms = zs.filter((z) => Math.abs(amounts.get(z) ?? 0) > 1e-8);
  let polyanion = '';
  if (syms.length >= 3) {
    const zLast = syms[syms.length - 1] as number;
    const zPrev = syms[syms.length - 2] as number;
    if (xOf(zLast) - xOf(zPrev) < 1.65) {
      const poly = new Map<number, number>([
        [zPrev, (amounts.get(zPrev) ?? 0) / factor],
        [zLast, (amounts.get(zLast) ?? 0) / factor],
      ]);
      const [polyForm, polyFactor] = reduceFormula(poly);
      if (polyFactor !== 1) polyanion = `(${polyForm})${polyFactor}`;
    }
  }
  if (polyanion !== '') syms = syms.slice(0, syms.length - 2);
  let out = '';
  for (const z of syms) out += symbolOf(z) + formulaDoubleFormat((amounts.get(z) ?? 0) / factor);
  return [out + polyanion, factor];
}

/**
 * pymatgen's `Composition.reduced_formula` for a list of atomic numbers: elements ordered by
 * electronegativity (then symbol), counts divided by their gcd, a trailing pair of elements whose
 * electronegativities differ by < 1.65 written as a bracketed polyanion when it reduces further
 * ("Ni(HO)2"), and the special formulas (O → O2, NaO → Na2O2, …). E.g. [11,11,17,17] → "NaCl".
 */
export function reducedFormula(numbers: ArrayLike<number>): string {
  const amounts = new Map<number, number>();
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i] as number;
    amounts.set(z, (amounts.get(z) ?? 0) + 1);
  }
  if (amounts.size === 0) return '';
  const [formula] = reduceFormula(amounts);
  return SPECIAL_FORMULAS[formula] ?? formula;
}

// ---------------------------------------------------------------------------------------------------
// Structure building
// ---------------------------------------------------------------------------------------------------

interface Column {
  values: string[];
  lines: number[];
  loop: CifLoop | null;
}

/** The values of one tag as a column (a single value is a column of one). */
function column(block: CifBlock, tag: string): Column | null {
  const item = block.items.get(tag);
  if (item === undefined) return null;
  if (item.kind === 'value') return { values: [item.value], lines: [item.line], loop: null };
  const { loop, column: col } = item;
  const ncol = loop.tags.length;
  const nrow = Math.floor(loop.values.length / ncol);
  const values = new Array<string>(nrow);
  const lines = new Array<number>(nrow);
  for (let r = 0; r < nrow; r++) {
    values[r] = loop.values[r * ncol + col] as string;
    lines[r] = loop.lines[r * ncol + col] as number;
  }
  return { values, lines, loop };
}

function isNull(v: string): boolean {
  return v === '?' || v === '.';
}

const SYMOP_TAGS = [
  '_symmetry_equiv_pos_as_xyz',
  '_symmetry_equiv_pos_as_xyz_',
  '_space_group_symop_operation_xyz',
  '_space_group_symop_operation_xyz_',
];

const SPACE_GROUP_TAGS = [
  '_symmetry_space_group_name_h-m',
  '_symmetry_space_group_name_h_m',
  '_space_group_name_h-m_alt',
  '_space_group_name_hall',
  '_symmetry_space_group_name_hall',
  '_space_group_it_number',
  '_symmetry_int_tables_number',
];

/** One kept `_atom_site` row. */
interface SiteRow {
  label: string;
  line: number;
  z: number;
  /** pymatgen species string: "Fe", or "Fe2+" / "Fe0+" when the CIF gives oxidation numbers. */
  species: string;
  /** Oxidation state when the CIF gives them (pymatgen Species), else null (pymatgen Element). */
  oxi: number | null;
  x: number;
  y: number;
  z3: number;
}

/** pymatgen's species string for element `symbol` with oxidation state `oxi` (Species.__str__). */
function speciesString(symbol: string, oxi: number | null): string {
  if (oxi === null) return symbol;
  return oxi >= 0 ? `${symbol}${formulaDoubleFormat(oxi)}+` : `${symbol}${formulaDoubleFormat(-oxi)}-`;
}

/** pymatgen Element/Species `__lt__` (NaN electronegativity sorted as +inf). */
function speciesLt(a: SiteRow, b: SiteRow): boolean {
  let x1 = xOf(a.z);
  let x2 = xOf(b.z);
  if (Number.isNaN(x1)) x1 = Number.POSITIVE_INFINITY;
  if (Number.isNaN(x2)) x2 = Number.POSITIVE_INFINITY;
  if (x1 !== x2) return x1 < x2;
  const s1 = symbolOf(a.z);
  const s2 = symbolOf(b.z);
  if (a.oxi === null) return s1 < s2;
  if (s1 !== s2) return s1 < s2;
  if (a.oxi !== 0) return a.oxi < (b.oxi ?? 0);
  return false;
}

/**
 * One coordinate of `SymmOp.operate`: pymatgen computes `np.dot(affine 4×4, [x, y, z, 1])`, which numpy
 * hands to OpenBLAS dgemv; its kernels sum the four products in two lanes, (r0·x + r2·z) + (r1·y + t).
 * That order is reproduced so that positions at the 1e-4 de-duplication boundary (common with CIF
 * coordinates rounded to 4 decimals) are decided as pymatgen decides them. Products are exact here.
 */
function applyRow(op: Float64Array, o: number, x: number, y: number, z: number): number {
  return (
    (op[o] as number) * x + (op[o + 2] as number) * z + ((op[o + 1] as number) * y + (op[o + 3] as number))
  );
}

/** Does some op map (x, y, z) within `tol` (periodic, per axis) of (px, py, pz)? */
function symmetryImageMatches(
  ops: Float64Array[],
  x: number,
  y: number,
  z: number,
  px: number,
  py: number,
  pz: number,
  tol: number,
): boolean {
  for (const op of ops) {
    const cx = applyRow(op, 0, x, y, z);
    const cy = applyRow(op, 4, x, y, z);
    const cz = applyRow(op, 8, x, y, z);
    let d = px - cx;
    d -= Math.round(d);
    if (!(Math.abs(d) < tol)) continue;
    d = py - cy;
    d -= Math.round(d);
    if (!(Math.abs(d) < tol)) continue;
    d = pz - cz;
    d -= Math.round(d);
    if (Math.abs(d) < tol) return true;
  }
  return false;
}

const THIRD = 1 / 3.0;
const TWO_THIRDS = 2 / 3.0;

/** pymatgen `_sanitize_data`: 0.3333 → 1/3, 0.6667 → 2/3 (relative tolerance 1e-4). */
function snapFraction(f: number): number {
  if (Math.abs(1 - f / THIRD) < 1e-4) return THIRD;
  if (Math.abs(1 - f / TWO_THIRDS) < 1e-4) return TWO_THIRDS;
  return f;
}

/** Does this block describe atoms (an `_atom_site` table)? */
function hasAtomSites(block: CifBlock): boolean {
  return (
    block.items.has('_atom_site_fract_x') ||
    block.items.has('_atom_site_label') ||
    block.items.has('_atom_site_type_symbol') ||
    block.items.has('_atom_site_cartn_x')
  );
}

/**
 * Builds the structure of one CIF block the way pymatgen 2022.11 `CifParser._get_structure` +
 * `get_sorted_structure()` does (see the module comment for the steps and the divergences): cell →
 * `latticeFromParameters`; symmetry operations (explicit only; P1 when none and no space group is
 * named); `_atom_site` rows (element from `_atom_site_type_symbol`, else `_atom_site_label`, via
 * `elementOfLabel`: 'Na1+', 'O2-', 'Fe3+', 'Ca1', 'OW1' → Na, O, Fe, Ca, O; uncertainties dropped;
 * 0.3333/0.6667 snapped to 1/3, 2/3); expansion by the operations with `f − floor(f)` wrapping and
 * de-duplication within `siteTolerance` (1e-4, periodic); then pymatgen's electronegativity order.
 *
 * Throws `CifError` with reason 'no-atoms' (no `_atom_site` table, or every row has occupancy 0),
 * 'unparseable' (missing/invalid cell or coordinates, unreadable symmetry operation, truncated loop),
 * 'unknown-element', 'partial-occupancy', 'overlapping-atoms', 'too-many-atoms' or 'unsupported'
 * (space group by symbol only, Cartesian-only sites, water pseudo-atoms), with the 1-based line.
 */
export function structureFromCifBlock(block: CifBlock, opts: CifOptions = {}): CifResult {
  const maxAtoms = opts.maxAtoms ?? 500;
  const occTol = opts.occupancyTolerance ?? 0.01;
  const siteTol = opts.siteTolerance ?? 1e-4;
  const where = prefixFor(opts.fileName);
  const warnings: string[] = [...block.warnings];
  /** Throws; without a line, the problem is the block's (reported at its data_ line). */
  const fail = (reason: RejectReason, message: string, line?: number): never => {
    if (line === undefined) {
      throw new CifError(reason, `${where(block.line)}data_${block.name}: ${message}`, block.line);
    }
    throw new CifError(reason, `${where(line)}${message}`, line);
  };
  const checkLoop = (col: Column, what: string): void => {
    const loop = col.loop;
    if (loop === null) return;
    const ncol = loop.tags.length;
    const extra = loop.values.length % ncol;
    if (extra !== 0) {
      const lastLine = loop.lines[loop.lines.length - 1] ?? loop.line;
      fail(
        'unparseable',
        `the ${what} loop (loop_ at line ${loop.line}, ${ncol} columns) ends with an incomplete row of ` +
          `${extra} value${extra === 1 ? '' : 's'}: the file looks truncated, or a value containing ` +
          'spaces lacks its quotes',
        lastLine,
      );
    }
  };

  // --- atom-site table --------------------------------------------------------------------------------
  if (!hasAtomSites(block)) {
    fail('no-atoms', 'no _atom_site loop: the CIF lists no atoms');
  }
  const colX = column(block, '_atom_site_fract_x');
  const colY = column(block, '_atom_site_fract_y');
  const colZ = column(block, '_atom_site_fract_z');
  if (colX === null || colY === null || colZ === null) {
    const missing = ['x', 'y', 'z'].filter((a) => !block.items.has(`_atom_site_fract_${a}`));
    if (block.items.has('_atom_site_cartn_x')) {
      fail(
        'unsupported',
        'atom positions are given only as Cartesian coordinates (_atom_site_Cartn_x/y/z); ' +
          'this lab reads fractional coordinates (_atom_site_fract_x/y/z). Re-export the CIF with ' +
          'fractional coordinates (e.g. from VESTA, Mercury or pymatgen).',
      );
    }
    fail(
      'unparseable',
      `missing _atom_site_fract_${missing.join(', _atom_site_fract_')}: every atom needs fractional ` +
        'coordinates _atom_site_fract_x/y/z',
    );
  }
  const fx = colX as Column;
  const fy = colY as Column;
  const fz = colZ as Column;
  const colLabel = column(block, '_atom_site_label');
  const colType = column(block, '_atom_site_type_symbol');
  const colOcc = column(block, '_atom_site_occupancy');
  const colH = column(block, '_atom_site_attached_hydrogens');
  for (const c of [fx, fy, fz, colLabel, colType, colOcc]) if (c !== null) checkLoop(c, '_atom_site');
  if (colLabel === null && colType === null) {
    fail(
      'unparseable',
      'the atom sites have neither _atom_site_type_symbol nor _atom_site_label: no elements',
    );
  }
  const nrows = fx.values.length;
  for (const [c, name] of [
    [fy, '_atom_site_fract_y'],
    [fz, '_atom_site_fract_z'],
    [colLabel, '_atom_site_label'],
    [colType, '_atom_site_type_symbol'],
    [colOcc, '_atom_site_occupancy'],
  ] as const) {
    if (c !== null && c.values.length !== nrows) {
      fail(
        'unparseable',
        `${name} has ${c.values.length} values but _atom_site_fract_x has ${nrows}: ` +
          'the atom-site columns must be in one loop_',
        c.lines[0],
      );
    }
  }

  // --- cell -----------------------------------------------------------------------------------------
  const cellTags = ['length_a', 'length_b', 'length_c', 'angle_alpha', 'angle_beta', 'angle_gamma'];
  const cellMissing = cellTags.filter((t) => {
    const item = block.items.get(`_cell_${t}`);
    return item === undefined || item.kind !== 'value' || isNull(item.value);
  });
  if (cellMissing.length > 0) {
    fail(
      'unparseable',
      `missing unit cell: no value for _cell_${cellMissing.join(', _cell_')} ` +
        '(all of _cell_length_a/b/c and _cell_angle_alpha/beta/gamma are needed)',
    );
  }
  const cell = cellTags.map((t) => {
    const item = block.items.get(`_cell_${t}`) as { kind: 'value'; value: string; line: number };
    const v = parseCifNumber(item.value);
    if (!Number.isFinite(v) || v <= 0 || (t.startsWith('angle') && v >= 180)) {
      fail(
        'unparseable',
        `_cell_${t} '${item.value}' is not a valid ${t.startsWith('angle') ? 'angle in degrees (0–180)' : 'length in Å (> 0)'}`,
        item.line,
      );
    }
    return v;
  }) as [number, number, number, number, number, number];
  const lattice = latticeFromParameters(...cell);
  const L = (i: number): number => lattice[i] as number;
  const vol =
    L(0) * (L(4) * L(8) - L(5) * L(7)) -
    L(1) * (L(3) * L(8) - L(5) * L(6)) +
    L(2) * (L(3) * L(7) - L(4) * L(6));
  if (!(vol > 1e-6 * cell[0] * cell[1] * cell[2])) {
    fail(
      'unparseable',
      `the cell angles α=${cell[3]}°, β=${cell[4]}°, γ=${cell[5]}° do not describe a 3-D cell ` +
        '(each angle must be smaller than the sum of the other two, and their sum below 360°)',
      (block.items.get('_cell_angle_alpha') as { line: number }).line,
    );
  }

  // --- symmetry operations ----------------------------------------------------------------------------
  let ops: Float64Array[] | null = null;
  for (const tag of SYMOP_TAGS) {
    const col = column(block, tag);
    if (col === null) continue;
    checkLoop(col, tag);
    if (col.loop === null) warnings.push('A 1-line symmetry op P1 CIF is detected!');
    ops = col.values.map((v, i) => {
      const op = parseSymop(v);
      if (op === null) {
        fail(
          'unparseable',
          `symmetry operation '${v}' (${tag}) is not of the form 'x, y, z' / '-x+1/2, y-x, z+1/4'`,
          col.lines[i],
        );
      }
      return op as Float64Array;
    });
    if (ops.length > 0) break;
    ops = null;
  }
  if (ops === null) {
    let named: { tag: string; value: string; line: number } | null = null;
    for (const tag of SPACE_GROUP_TAGS) {
      const item = block.items.get(tag);
      if (item !== undefined && item.kind === 'value' && !isNull(item.value)) {
        named = { tag, value: item.value, line: item.line };
        break;
      }
    }
    if (named !== null) {
      const compact = named.value.replace(/[\s_]/g, '').toLowerCase();
      const isP1 = named.tag.includes('number') ? parseCifNumber(named.value) === 1 : compact === 'p1';
      if (!isP1) {
        fail(
          'unsupported',
          `the space group is given only as ${named.tag} '${named.value}', without the list of symmetry ` +
            'operations (_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz); this lab ' +
            'expands explicit operations only. Re-export the CIF with its operations listed, or in P1.',
          named.line,
        );
      }
      warnings.push(`No _symmetry_equiv_pos_as_xyz type key found. Spacegroup from ${named.tag} used (P 1).`);
    } else {
      warnings.push('No _symmetry_equiv_pos_as_xyz type key found. Defaulting to P1.');
    }
    ops = [Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0)];
  }
  const symops = ops;

  // --- oxidation states (pymatgen parse_oxi_states) -----------------------------------------------------
  let oxiStates: Map<string, number> | null = null;
  {
    const sym = column(block, '_atom_type_symbol');
    const num = column(block, '_atom_type_oxidation_number');
    if (sym !== null && num !== null && num.values.length >= sym.values.length) {
      const m = new Map<string, number>();
      let ok = true;
      for (let i = 0; i < sym.values.length; i++) {
        const raw = num.values[i] as string;
        const v = raw === '.' ? 0 : parseCifNumber(raw);
        if (Number.isNaN(v)) {
          ok = false;
          break;
        }
        m.set(sym.values[i] as string, v);
      }
      if (ok) {
        for (let i = 0; i < sym.values.length; i++) {
          const s = sym.values[i] as string;
          m.set(s.replace(/\d?[+,-]?$/, ''), m.get(s) as number);
        }
        oxiStates = m;
      }
    }
  }

  // --- rows -----------------------------------------------------------------------------------------
  if (colH !== null && colH.values.some((v) => parseCifNumber(v) !== 0 && !isNull(v))) {
    warnings.push(
      'Structure has implicit hydrogens defined (_atom_site_attached_hydrogens); they are not added, ' +
        'so the structure lacks those H atoms.',
    );
  }
  let rounded = 0;
  let nearFull = 0;
  let nearFullExample = '';
  let zeroOcc = 0;
  const rows: SiteRow[] = [];
  const readCoord = (col: Column, r: number, axis: string, label: string): number => {
    const raw = col.values[r] as string;
    const v = parseCifNumber(raw);
    if (!Number.isFinite(v)) {
      fail('unparseable', `_atom_site_fract_${axis} '${raw}' of atom ${label} is not a number`, col.lines[r]);
    }
    const snapped = snapFraction(v);
    if (snapped !== v) rounded++;
    return snapped;
  };
  for (let r = 0; r < nrows; r++) {
    const line = fx.lines[r] as number;
    const labelText = colLabel?.values[r];
    let symText = colType?.values[r];
    const firstLine = Math.min(line, colLabel?.lines[r] ?? line, colType?.lines[r] ?? line);
    if (symText === undefined || isNull(symText)) {
      if (symText !== undefined && labelText !== undefined && !isNull(labelText)) {
        warnings.push(
          `${where(firstLine)}atom ${labelText} has no _atom_site_type_symbol; element read from its label`,
        );
      }
      symText = labelText ?? '?';
    }
    const label = labelText !== undefined && !isNull(labelText) ? labelText : symText;
    const x = readCoord(fx, r, 'x', label);
    const y = readCoord(fy, r, 'y', label);
    const z3 = readCoord(fz, r, 'z', label);

    let occ = 1;
    if (colOcc !== null) {
      const raw = colOcc.values[r] as string;
      if (!isNull(raw)) {
        occ = parseCifNumber(raw);
        if (Number.isNaN(occ)) {
          fail(
            'unparseable',
            `_atom_site_occupancy '${raw}' of atom ${label} is not a number`,
            colOcc.lines[r],
          );
        }
      }
    }
    if (!(occ > 0)) {
      zeroOcc++;
      continue;
    }
    if (/^[Ww]at/.test(symText)) {
      fail(
        'unsupported',
        `atom ${label}: '${symText}' is a water pseudo-atom (O with implicit hydrogens); list the O and H atoms explicitly`,
        firstLine,
      );
    }
    const z = elementOfLabel(symText);
    if (z === null || symText.includes(' + ')) {
      if (symText.includes(' + ') || symText.includes(',')) {
        fail(
          'partial-occupancy',
          `atom ${label}: type '${symText}' mixes several elements on one site; partial occupancy is not ` +
            'supported by CGCNN (each site must hold one element)',
          firstLine,
        );
      }
      fail(
        'unknown-element',
        `atom ${label}: '${symText}' does not start with a chemical element symbol ` +
          `(from ${colType !== null && symText === colType.values[r] ? '_atom_site_type_symbol' : '_atom_site_label'})`,
        firstLine,
      );
    }
    const zz = z as number;
    const symbol = symbolOf(zz);
    // pymatgen _parse_symbol reads the first two letters title-cased ('CO1' → Co); say when it differs.
    if (symText.length >= 2) {
      const two = (symText[0] ?? '').toUpperCase() + (symText[1] ?? '').toLowerCase();
      const pz = atomicNumber(two);
      if (pz !== null && pz !== zz && !/^(Hw|Ow|OH|NO3)/.test(symText)) {
        warnings.push(
          `${where(firstLine)}atom ${label}: '${symText}' read as ${symbol} (pymatgen would read ${two})`,
        );
      }
    }
    if (Math.abs(occ - 1) > occTol) {
      // Name the other rows on the same position, if any: that is a mixed (disordered) site.
      const sharing: string[] = [];
      for (let k = 0; k < nrows; k++) {
        if (k === r) continue;
        const ok = parseCifNumber(fx.values[k] as string);
        const okY = parseCifNumber(fy.values[k] as string);
        const okZ = parseCifNumber(fz.values[k] as string);
        if (
          symmetryImageMatches(
            symops,
            snapFraction(ok),
            snapFraction(okY),
            snapFraction(okZ),
            x,
            y,
            z3,
            siteTol,
          )
        ) {
          sharing.push(colLabel?.values[k] ?? colType?.values[k] ?? `row ${k + 1}`);
        }
      }
      fail(
        'partial-occupancy',
        `_atom_site_occupancy ${colOcc?.values[r] ?? ''} for ${label}` +
          (sharing.length > 0 ? ` (sharing its position with ${sharing.join(', ')})` : '') +
          ': partial occupancy is not supported by CGCNN (each site must hold one element)',
        colOcc?.lines[r] ?? firstLine,
      );
    }
    if (occ !== 1) {
      nearFull++;
      if (nearFullExample === '') nearFullExample = `${label}: ${colOcc?.values[r] ?? ''}`;
    }
    if (rows.length >= maxAtoms) {
      // every kept row is at least one site (rows on one site are an error below)
      fail(
        'too-many-atoms',
        `the structure has more than ${maxAtoms} atoms (${rows.length + 1} atom sites listed before ` +
          `symmetry; limit ${maxAtoms}); CGCNN graphs this large are not supported here`,
        firstLine,
      );
    }
    // pymatgen get_matching_coord: is this row on a symmetry image of an earlier kept row?
    for (const prev of rows) {
      if (symmetryImageMatches(symops, x, y, z3, prev.x, prev.y, prev.z3, siteTol)) {
        fail(
          'overlapping-atoms',
          `atom ${label} (${symbol}) sits on the position of atom ${prev.label} (${symbolOf(prev.z)}, line ` +
            `${prev.line}) or a symmetry image of it: two atoms on one site` +
            (prev.z === zz ? ' (a duplicated row?)' : ' (a mixed site, which CGCNN does not support)'),
          firstLine,
        );
      }
    }
    let oxi: number | null = null;
    if (oxiStates !== null) {
      oxi = oxiStates.get(symbol) ?? 0;
      if (colType !== null) oxi = oxiStates.get(colType.values[r] as string) ?? oxi;
    }
    rows.push({ label, line: firstLine, z: zz, species: speciesString(symbol, oxi), oxi, x, y, z3 });
  }
  if (rounded > 0) {
    warnings.push(
      'Some fractional coordinates rounded to ideal values to avoid issues with finite precision ' +
        `(${rounded} value${rounded === 1 ? '' : 's'} within 1e-4 relative of 1/3 or 2/3 set to exactly 1/3 or 2/3, as pymatgen does).`,
    );
  }
  if (zeroOcc > 0) {
    warnings.push(`${zeroOcc} atom site${zeroOcc === 1 ? '' : 's'} with occupancy 0 skipped.`);
  }
  if (nearFull > 0) {
    warnings.push(
      `${nearFull} atom site${nearFull === 1 ? '' : 's'} with occupancy within ${occTol} of 1 read as fully ` +
        `occupied (e.g. ${nearFullExample}).`,
    );
  }
  if (rows.length === 0) {
    fail('no-atoms', nrows === 0 ? 'the _atom_site loop has no rows' : 'every atom site has occupancy 0');
  }

  // --- pymatgen: sort rows by composition, group, expand by the operations ----------------------------------
  const sortedRows = rows.slice();
  // Composition {A:1} < {B:1} ⇔ B < A in species order (total_ordering from Composition.__ge__).
  pythonSort(sortedRows, (a, b) => speciesLt(b, a));
  interface Site {
    row: SiteRow;
    x: number;
    y: number;
    z: number;
  }
  const sites: Site[] = [];
  let g = 0;
  while (g < sortedRows.length) {
    const species = (sortedRows[g] as SiteRow).species;
    let end = g + 1;
    while (end < sortedRows.length && (sortedRows[end] as SiteRow).species === species) end++;
    const groupStart = sites.length;
    for (let k = g; k < end; k++) {
      const row = sortedRows[k] as SiteRow;
      for (const op of symops) {
        let cx = applyRow(op, 0, row.x, row.y, row.z3);
        let cy = applyRow(op, 4, row.x, row.y, row.z3);
        let cz = applyRow(op, 8, row.x, row.y, row.z3);
        cx -= Math.floor(cx);
        cy -= Math.floor(cy);
        cz -= Math.floor(cz);
        let dup = false;
        for (let s = groupStart; s < sites.length; s++) {
          const t = sites[s] as Site;
          let d = t.x - cx;
          d -= Math.round(d);
          if (!(Math.abs(d) < siteTol)) continue;
          d = t.y - cy;
          d -= Math.round(d);
          if (!(Math.abs(d) < siteTol)) continue;
          d = t.z - cz;
          d -= Math.round(d);
          if (Math.abs(d) < siteTol) {
            dup = true;
            break;
          }
        }
        if (dup) continue;
        sites.push({ row, x: cx, y: cy, z: cz });
        if (sites.length > maxAtoms) {
          fail(
            'too-many-atoms',
            `the structure has more than ${maxAtoms} atoms in its cell after applying the ` +
              `${symops.length} symmetry operations (limit ${maxAtoms}); CGCNN graphs this large are ` +
              'not supported here',
          );
        }
      }
    }
    g = end;
  }

  // --- get_sorted_structure(): Site.__lt__ (average electronegativity, then species string) ------------
  pythonSort(sites, (a, b) => {
    const x1 = xOf(a.row.z);
    const x2 = xOf(b.row.z);
    if (x1 < x2) return true;
    if (x1 > x2) return false;
    return a.row.species < b.row.species;
  });

  const n = sites.length;
  const numbers = new Uint8Array(n);
  const frac = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const s = sites[i] as Site;
    numbers[i] = s.row.z;
    frac[3 * i] = s.x;
    frac[3 * i + 1] = s.y;
    frac[3 * i + 2] = s.z;
  }
  return {
    structure: { lattice, numbers, frac },
    blockName: block.name,
    formula: reducedFormula(numbers),
    warnings,
  };
}

/**
 * Parses a CIF text and builds the structure of its first data block that has atoms (`_atom_site`), as
 * `pymatgen.Structure.from_str(text, fmt='cif')` / `Structure.from_file` (pymatgen 2022.11) would for a
 * fully ordered structure; see `parseCifBlocks` (syntax) and `structureFromCifBlock` (structure rules,
 * errors). Unlike pymatgen, a failing first block is an error (pymatgen would try the next block). Other
 * blocks with atoms are mentioned in the warnings.
 */
export function parseCif(text: string, opts: CifOptions = {}): CifResult {
  const blocks = parseCifBlocks(text, opts.fileName);
  const withAtoms = blocks.filter(hasAtomSites);
  const first = withAtoms[0];
  if (first === undefined) {
    const names = blocks.map((b) => `data_${b.name}`).join(', ');
    throw new CifError(
      'no-atoms',
      `${opts.fileName ? `${opts.fileName}: ` : ''}no atoms: no data block has an _atom_site loop (blocks: ${names}). Is the file complete? A CIF cut short before its atom list reads like this.`,
      blocks[0]?.line,
    );
  }
  const result = structureFromCifBlock(first, opts);
  if (withAtoms.length > 1) {
    result.warnings.push(
      `The file has ${withAtoms.length} data blocks with atoms; only the first (data_${first.name}) was read.`,
    );
  }
  return result;
}
