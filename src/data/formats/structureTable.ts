/**
 * Tables whose rows each hold a structure and some numbers: CSV/TSV with a CIF column (perov5) and the
 * JSON tables pymatgen/matminer/pandas write (mp-dielectric). One loader for both, fed by csvCif.ts and
 * pymatgenJson.ts.
 *
 * Column rules (documented for users):
 * - structure column: the column whose first non-empty values are pymatgen Structure dicts (or their
 *   JSON text), else CIF text ('data_' + '_cell_length_'), else POSCAR text in a column named like
 *   'poscar'; on a tie the preferred kind wins, then the leftmost column;
 * - id column: the first of material_id, mp_id, mpid, task_id, id, cod_id, icsd_id, structure_id, name,
 *   identifier, compound_id (case-blind); else an unnamed/'index' column; else the pandas index; else
 *   'row N'. Duplicate ids are rejected ('duplicate-id'), the first kept;
 * - target choices: every other column with numbers in at least half its non-empty cells (the id,
 *   index and structure columns excluded); default by chooseTarget (first non-structural one).
 */
import { structureFromCif } from './cgcnn.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import { chooseTarget, Collector, DatasetInputError, parseNumber, showValue, Warnings } from './common.ts';
import { looksLikePoscar, parsePoscar } from './poscar.ts';
import { isPymatgenStructure, structureFromPymatgen, type StructureOrProblem } from './pymatgen.ts';

/** One row of a structure table. */
export interface StructureRow {
  cells: unknown[];
  /** 1-based data row (header not counted). */
  row: number;
  /** 1-based line where the row starts (text tables only). */
  line?: number;
  /** The row's key in a pandas/JSON index, if any. */
  indexId?: string;
}

/** A table of rows, one structure per row. */
export interface StructureTable {
  file: string;
  columns: string[];
  rows: StructureRow[];
}

type StructureKind = 'pymatgen' | 'cif' | 'poscar';
const KIND_RANK: Record<StructureKind, number> = { pymatgen: 0, cif: 1, poscar: 2 };

const ID_NAMES = [
  'material_id',
  'mp_id',
  'mpid',
  'task_id',
  'id',
  'cod_id',
  'icsd_id',
  'structure_id',
  'name',
  'identifier',
  'compound_id',
];

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** True for a pandas-style unnamed index column header ('', 'Unnamed: 0', 'index'). */
export function isIndexColumn(name: string): boolean {
  const n = norm(name);
  return n === '' || n === 'index' || /^unnamed:_?\d+$/.test(n);
}

function looksLikeCif(s: string): boolean {
  return s.includes('data_') && s.includes('_cell_length_');
}

function kindOfValue(v: unknown, columnName: string): StructureKind | null {
  if (isPymatgenStructure(v)) return 'pymatgen';
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s.startsWith('{') && s.includes('"lattice"') && s.includes('"sites"')) return 'pymatgen';
  if (looksLikeCif(s)) return 'cif';
  if (/poscar|contcar/i.test(columnName) && looksLikePoscar(s)) return 'poscar';
  return null;
}

/** The structure column of a table and what it holds, or null when no column holds structures. */
export function findStructureColumn(
  columns: readonly string[],
  rows: readonly StructureRow[],
): { index: number; kind: StructureKind } | null {
  let best: { index: number; kind: StructureKind } | null = null;
  for (let c = 0; c < columns.length; c++) {
    let kind: StructureKind | null = null;
    let seen = 0;
    for (const r of rows) {
      const v = r.cells[c];
      if (v === undefined || v === null || v === '') continue;
      kind = kindOfValue(v, columns[c] ?? '');
      if (kind !== null || ++seen >= 5) break;
    }
    if (kind !== null && (best === null || KIND_RANK[kind] < KIND_RANK[best.kind])) best = { index: c, kind };
  }
  return best;
}

/** Numeric-looking columns: at least one number and numbers in at least half the non-empty cells. */
function numericColumns(tables: readonly StructureTable[], exclude: ReadonlySet<string>): string[] {
  const first = tables[0];
  if (first === undefined) return [];
  const out: string[] = [];
  for (const name of first.columns) {
    if (exclude.has(name) || out.includes(name)) continue;
    let filled = 0;
    let numeric = 0;
    for (const t of tables) {
      const c = t.columns.indexOf(name);
      if (c < 0) continue;
      for (const r of t.rows) {
        const v = r.cells[c];
        if (v === undefined || v === null || v === '') continue;
        filled++;
        if (parseNumber(v) !== null) numeric++;
      }
    }
    if (numeric > 0 && numeric * 2 >= filled) out.push(name);
  }
  return out;
}

function cellToStructure(
  v: unknown,
  kind: StructureKind,
  maxAtoms: number,
  warn: (w: string) => void,
): StructureOrProblem {
  if (typeof v === 'object' && v !== null) return structureFromPymatgen(v);
  if (typeof v !== 'string')
    return { reason: 'unparseable', message: `the structure cell holds ${showValue(v)}, not a structure.` };
  const s = v.trim();
  if (s.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (err) {
      return {
        reason: 'unparseable',
        message: `the structure cell is not valid JSON (${err instanceof Error ? err.message : String(err)}).`,
      };
    }
    return structureFromPymatgen(obj);
  }
  if (kind === 'poscar') return parsePoscar(v, maxAtoms);
  return structureFromCif(v, maxAtoms, warn);
}

/** A cell as text: strings as they are, numbers/booleans printed, objects as JSON, missing as ''. */
function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function countNewlines(v: unknown): number {
  if (typeof v !== 'string') return 0;
  let n = 0;
  for (let k = 0; k < v.length; k++) if (v.charCodeAt(k) === 10) n++;
  return n;
}

/**
 * Loads one or more structure tables with the same columns (e.g. perov5's test.csv and val.csv dropped
 * together). Per row: 'duplicate-id', 'bad-target', 'id-without-structure' (empty structure cell), or the
 * structure's own reason; structure-text errors name the text's line and, for CSV, the file line.
 * Throws DatasetInputError when no column holds structures, a file lacks the structure or target
 * column, or the requested target is not a numeric column.
 */
export function loadStructureTables(tables: readonly StructureTable[], opts: FormatOptions): FormatResult {
  const first = tables[0];
  if (first === undefined) throw new DatasetInputError('No table to load.');
  const found = findStructureColumn(first.columns, first.rows);
  if (found === null) {
    throw new DatasetInputError(
      `${first.file} has no column of crystal structures (CIF text or pymatgen Structure dicts); its columns are: ${first.columns.map((c) => `'${c}'`).join(', ')}.`,
      first.file,
    );
  }
  const structureName = first.columns[found.index] ?? '';
  const idName = first.columns.find((c) => ID_NAMES.includes(norm(c)) && c !== structureName);
  const indexName = first.columns.find((c) => isIndexColumn(c) && c !== structureName);
  const idColumn = idName ?? indexName;
  const exclude = new Set<string>([structureName]);
  if (idColumn !== undefined) exclude.add(idColumn);
  for (const c of first.columns) if (isIndexColumn(c)) exclude.add(c);
  const choices = numericColumns(tables, exclude);
  const what = tables.length === 1 ? first.file : `${first.file} (and ${tables.length - 1} more files)`;
  const target = chooseTarget(choices, opts.target, what);
  for (const t of tables) {
    for (const need of [structureName, target]) {
      if (!t.columns.includes(need)) {
        throw new DatasetInputError(
          `${t.file} has no column '${need}', which ${first.file} has. Drop files with the same columns together, or one at a time.`,
          t.file,
        );
      }
    }
  }

  const warnings = new Warnings();
  let total = tables.reduce((s, t) => s + t.rows.length, 0);
  if (total > opts.limits.maxEntries) {
    warnings.add(
      `The tables hold ${total} rows; only the first ${opts.limits.maxEntries} were loaded (maxEntries).`,
    );
    total = opts.limits.maxEntries;
  }
  opts.progress.expect(total);
  const c = new Collector(opts.limits, opts.progress);
  const maxAtoms = opts.limits.maxAtomsPerStructure;
  for (const t of tables) {
    const sc = t.columns.indexOf(structureName);
    const tc = t.columns.indexOf(target);
    const ic = idColumn !== undefined ? t.columns.indexOf(idColumn) : -1;
    for (const r of t.rows) {
      if (c.count >= total) break;
      const source = { file: t.file, row: r.row, ...(r.line !== undefined ? { line: r.line } : {}) };
      const rawId = ic >= 0 ? r.cells[ic] : undefined;
      const idText = cellText(rawId).trim();
      const id = idText !== '' ? idText : (r.indexId ?? `row ${r.row}`);
      if (!c.claimId(id, source)) continue;
      const rawY = r.cells[tc];
      const y = parseNumber(rawY);
      if (y === null) {
        c.reject(source, id, 'bad-target', `target '${target}' is ${showValue(rawY)}, not a finite number.`);
        continue;
      }
      const cell = r.cells[sc];
      if (cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '')) {
        c.reject(
          source,
          id,
          'id-without-structure',
          `the '${structureName}' cell is empty: no structure for this row.`,
        );
        continue;
      }
      c.add(id, source, y, () => {
        const res = cellToStructure(cell, found.kind, maxAtoms, (w) =>
          warnings.add(`${t.file}, data row ${r.row}: ${w}`),
        );
        if ('structure' in res || res.line === undefined) return res;
        let fileLine = '';
        if (r.line !== undefined) {
          let before = 0;
          for (let k = 0; k < sc; k++) before += countNewlines(r.cells[k]);
          fileLine = ` (file line ${r.line + before + res.line - 1})`;
        }
        return {
          reason: res.reason,
          message: `'${structureName}' text, line ${res.line}${fileLine}: ${res.message}`,
        };
      });
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
