/**
 * What every format loader shares: the result shape, whole-input failures, text decoding, strict number
 * parsing, the entry/rejection collector (which validates every structure), the target-choice rule and
 * a little 3×3 algebra.
 *
 * Source references in messages: `row` is the 1-based DATA row of a table (the header is not counted:
 * row 1 is the first row under the header) and `line` the 1-based line of the file where that row or
 * item starts. Messages say "data row 37 (line 1204)".
 */
import { det3, inverse3 } from '../../core/mat3.ts';
import type { Entry, Rejection, RejectReason, SourceRef, Structure } from '../types.ts';
import { validateStructure, type Limits } from '../validate.ts';

/** The whole input is unusable: thrown inside loaders, turned into `{ ok: false, error }` by loadDataset. */
export class DatasetInputError extends Error {
  readonly file: string | undefined;
  /** @param message for people: what is wrong and what to do. @param file the file at fault, if one. */
  constructor(message: string, file?: string) {
    super(message);
    this.name = 'DatasetInputError';
    this.file = file;
  }
}

/** What one format loader produces (load.ts adds the name, format and atom features). */
export interface FormatResult {
  entries: Entry[];
  rejected: Rejection[];
  target: string;
  targetChoices: string[];
  warnings: string[];
}

/** Options every format loader receives. */
export interface FormatOptions {
  /** Requested target column/property; absent → the format's default rule. */
  target?: string;
  limits: Limits;
  progress: Progress;
}

// ---------------------------------------------------------------------------------------------------
// Text and numbers

/**
 * Decodes file bytes as text: UTF-8 (a BOM is dropped), or UTF-16 LE/BE when the file starts with that
 * BOM (Excel's "Unicode text" export). Invalid bytes become U+FFFD rather than throwing.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A plain decimal number ('1', '-0.5', '2.3e-4', ' 7 '), or null for anything else: empty, 'abc',
 * 'NaN', 'inf', hex, '1,5'. JSON numbers pass through when finite; booleans and null are not numbers.
 */
export function parseNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (!DECIMAL.test(s)) return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

/** How a cell value reads in a message: quoted, shortened, 'empty' for empty. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return 'empty';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return `'${s.length > 40 ? `${s.slice(0, 37)}…` : s}'`;
}

// ---------------------------------------------------------------------------------------------------
// Paths

/** The last path segment: 'a/b/1000041.cif' → '1000041.cif'. */
export function baseName(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] ?? path;
}

/** The folder part of a path ('' at top level): 'a/b/x.cif' → 'a/b'. */
export function dirName(path: string): string {
  const k = path.lastIndexOf('/');
  return k < 0 ? '' : path.slice(0, k);
}

/** The base name without its last extension: 'a/1000041.cif' → '1000041', 'x.tar.gz' → 'x.tar'. */
export function stemOf(path: string): string {
  const b = baseName(path);
  const k = b.lastIndexOf('.');
  return k > 0 ? b.slice(0, k) : b;
}

/** The lower-case last extension without the dot ('' when none). */
export function extOf(path: string): string {
  const b = baseName(path);
  const k = b.lastIndexOf('.');
  return k > 0 ? b.slice(k + 1).toLowerCase() : '';
}

/** "file, data row 37 (line 1204)" / "file, line 12" / "file" for messages. */
export function where(source: SourceRef): string {
  if (source.row !== undefined) {
    return `${source.file}, data row ${source.row}${source.line !== undefined ? ` (line ${source.line})` : ''}`;
  }
  return source.line !== undefined ? `${source.file}, line ${source.line}` : source.file;
}

// ---------------------------------------------------------------------------------------------------
// Progress

/** Throttled progress: at most about 100 calls per load, plus the final one. */
export class Progress {
  private done = 0;
  private total = 0;
  private lastReported = 0;
  private finished = false;
  /** @param report the caller's callback (done, total), or undefined for none. */
  constructor(private readonly report: ((done: number, total: number) => void) | undefined) {}
  /** Adds `n` items to the expected total. */
  expect(n: number): void {
    this.total += n;
  }
  /** Marks one item done. */
  tick(): void {
    this.done++;
    if (this.report === undefined) return;
    const step = Math.max(1, Math.ceil(this.total / 100));
    if (this.done === this.total || this.done - this.lastReported >= step) {
      this.lastReported = this.done;
      this.report(this.done, Math.max(this.total, this.done));
    }
  }
  /** Reports completion (done = total) once, if not reported yet. */
  finish(): void {
    if (this.report === undefined || this.finished) return;
    this.finished = true;
    if (this.lastReported !== this.done || this.done === 0) this.report(this.done, this.done);
  }
}

// ---------------------------------------------------------------------------------------------------
// Collecting entries

/** A capped list of warnings: the first `max` in full, then a count of the rest. */
export class Warnings {
  private readonly list: string[] = [];
  private extra = 0;
  /** @param max how many to keep in full. */
  constructor(private readonly max = 20) {}
  /** Adds one warning. */
  add(w: string): void {
    if (this.list.length < this.max) this.list.push(w);
    else this.extra++;
  }
  /** The warnings, with "…and N more" when some were dropped. */
  toArray(): string[] {
    return this.extra > 0 ? [...this.list, `…and ${this.extra} more warnings like these.`] : [...this.list];
  }
}

/**
 * Gathers entries and rejections for one load: enforces unique ids, validates every structure with
 * `validateStructure`, turns per-item exceptions into rejections, and counts progress.
 */
export class Collector {
  readonly entries: Entry[] = [];
  readonly rejected: Rejection[] = [];
  private readonly seen = new Map<string, SourceRef>();

  /** @param limits the load's limits (structure checks). @param progress ticked once per item. */
  constructor(
    private readonly limits: Limits,
    private readonly progress: Progress,
  ) {}

  /** Number of items handled so far (entries + rejections). */
  get count(): number {
    return this.entries.length + this.rejected.length;
  }

  /** Records a rejection; `message` should not repeat the location (it is prefixed here). */
  reject(source: SourceRef, id: string | undefined, reason: RejectReason, message: string): void {
    const who = id !== undefined ? ` (id '${id}')` : '';
    this.rejected.push({
      source,
      ...(id !== undefined ? { id } : {}),
      reason,
      message: `${where(source)}${who}: ${message}`,
    });
    this.progress.tick();
  }

  /**
   * Claims an id; false (and a 'duplicate-id' rejection) when it was already claimed in this load.
   * Call before parsing the item's structure.
   */
  claimId(id: string, source: SourceRef): boolean {
    const first = this.seen.get(id);
    if (first !== undefined) {
      this.reject(
        source,
        id,
        'duplicate-id',
        `id '${id}' appears again (first at ${where(first)}); only the first is used. Make ids unique.`,
      );
      return false;
    }
    this.seen.set(id, source);
    return true;
  }

  /**
   * Turns one item into an entry or a rejection. `build` parses the structure (it may throw, or return a
   * problem) — exceptions become 'unparseable' rejections naming the item. The target must already be a
   * finite number (check with `parseNumber` and reject 'bad-target' before calling).
   */
  add(
    id: string,
    source: SourceRef,
    target: number,
    build: () => { structure: Structure } | { reason: RejectReason; message: string; line?: number },
  ): void {
    let built: ReturnType<typeof build>;
    try {
      built = build();
    } catch (err) {
      this.reject(
        source,
        id,
        'unparseable',
        `could not be read: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    if (!('structure' in built)) {
      const src =
        built.line !== undefined && source.row === undefined ? { ...source, line: built.line } : source;
      this.reject(src, id, built.reason, built.message);
      return;
    }
    let problem;
    try {
      problem = validateStructure(built.structure, this.limits);
    } catch (err) {
      problem = {
        reason: 'unparseable' as const,
        message: `could not be checked: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (problem !== null) {
      this.reject(source, id, problem.reason, problem.message);
      return;
    }
    this.entries.push({ id, structure: built.structure, target, source });
    this.progress.tick();
  }
}

// ---------------------------------------------------------------------------------------------------
// Targets

/**
 * Column/property names that describe the structure itself rather than a property to learn; they stay
 * selectable but are never the default target.
 */
const STRUCTURAL = new Set([
  'nsites',
  'natoms',
  'n_atoms',
  'num_atoms',
  'numatoms',
  'nelements',
  'n_elements',
  'space_group',
  'spacegroup',
  'spacegroup_number',
  'space_group_number',
  'sg',
  'spg',
  'volume',
  'density',
  'a',
  'b',
  'c',
  'alpha',
  'beta',
  'gamma',
  'z',
  'formula_units',
  'index',
  'id',
  'frame',
  'step',
  'time',
]);

/** True for a column/property name that is structural metadata (see STRUCTURAL), compared case-blind. */
export function isStructuralName(name: string): boolean {
  return STRUCTURAL.has(
    name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
}

/**
 * The target to use. With `requested`: that choice (exact, else case-insensitive), or a
 * DatasetInputError listing the choices. Without: the default rule shared by every format — the first
 * numeric column/property, in file order, that is not an id/index and not structural metadata
 * (nsites, space_group, volume, density, lattice parameters…); if every choice is metadata, the first.
 * So perov5 defaults to `heat_all`, mp-dielectric to `band_gap`, an `id_prop.csv` to its 2nd column.
 */
export function chooseTarget(
  choices: readonly string[],
  requested: string | undefined,
  what: string,
): string {
  if (choices.length === 0) {
    throw new DatasetInputError(
      `${what} has no numeric column or property to train on. Add a column of numbers (the target), e.g. a band gap or formation energy.`,
    );
  }
  if (requested !== undefined) {
    const exact = choices.find((c) => c === requested);
    if (exact !== undefined) return exact;
    const loose = choices.find((c) => c.trim().toLowerCase() === requested.trim().toLowerCase());
    if (loose !== undefined) return loose;
    throw new DatasetInputError(
      `The requested target '${requested}' is not a numeric column of ${what}. Choose one of: ${choices.join(', ')}.`,
    );
  }
  return choices.find((c) => !isStructuralName(c)) ?? (choices[0] as string);
}

// ---------------------------------------------------------------------------------------------------
// 3×3 algebra (row-major, rows = lattice vectors)

/** Inverse of a row-major 3×3 matrix, or null when (nearly) singular. */
export function invert3(m: ArrayLike<number>): Float64Array | null {
  const det = det3(m);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return inverse3(m);
}

/**
 * Cartesian coordinates (3 per site, Å) to fractional ones for `lattice` (rows = vectors):
 * frac = cart · L⁻¹. Null when the lattice is singular.
 */
export function cartesianToFractional(
  cart: ArrayLike<number>,
  lattice: ArrayLike<number>,
): Float64Array | null {
  const inv = invert3(lattice);
  if (inv === null) return null;
  const n = Math.floor(cart.length / 3);
  const out = new Float64Array(3 * n);
  for (let s = 0; s < n; s++) {
    const x = cart[3 * s] ?? NaN;
    const y = cart[3 * s + 1] ?? NaN;
    const z = cart[3 * s + 2] ?? NaN;
    for (let k = 0; k < 3; k++) {
      out[3 * s + k] = x * (inv[k] ?? 0) + y * (inv[3 + k] ?? 0) + z * (inv[6 + k] ?? 0);
    }
  }
  return out;
}
