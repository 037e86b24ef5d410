/**
 * The "id,target[,more targets]" tables that go with structure files: cgcnn's `id_prop.csv` (no header)
 * and the targets CSV beside a set of POSCARs (header optional).
 */
import { DatasetInputError, parseNumber } from './common.ts';
import { readTable } from './table.ts';

/** One row of an id table. */
export interface IdRow {
  id: string;
  /** Target cells (column 2 onwards), raw. */
  values: string[];
  /** 1-based data row (header not counted) and 1-based line. */
  row: number;
  line: number;
}

/** An id table: target column names (column 2 onwards) and rows. */
export interface IdTable {
  file: string;
  header: boolean;
  columns: string[];
  rows: IdRow[];
  /** Target columns that hold numbers (column 2 always; later ones when at least half their cells are). */
  numericColumns: string[];
}

const VALUE_LIKE = /^(?:[+-]?(?:nan|inf|infinity)|)$/i;

/**
 * Reads an id table. The first row is a header when its second field is neither a number nor
 * number-like ('', 'NaN', 'inf'): cgcnn's id_prop.csv has no header, but one written by pandas does.
 * Without a header the target columns are named 'target', 'target_2', …; with one, by the header.
 * Throws DatasetInputError when the file has no rows or only one column.
 */
export function readIdTable(text: string, file: string): IdTable {
  const raw = readTable(text);
  const first = raw.rows[0];
  if (first === undefined) {
    throw new DatasetInputError(`${file} is empty; it should have one row per structure: id,target.`, file);
  }
  const second = (first.cells[1] ?? '').trim();
  const header = first.cells.length >= 2 && parseNumber(second) === null && !VALUE_LIKE.test(second);
  const width = Math.max(...raw.rows.map((r) => r.cells.length));
  if (width < 2) {
    throw new DatasetInputError(
      `${file} has a single column; each row needs an id and a target, like '1000041,1.0'.`,
      file,
    );
  }
  const columns: string[] = [];
  for (let c = 1; c < width; c++) {
    const h = header ? (first.cells[c] ?? '').trim() : '';
    columns.push(h !== '' ? h : c === 1 ? 'target' : `target_${c}`);
  }
  const body = header ? raw.rows.slice(1) : raw.rows;
  const rows: IdRow[] = body.map((r, k) => ({
    id: (r.cells[0] ?? '').trim(),
    values: r.cells.slice(1).map((s) => s.trim()),
    row: k + 1,
    line: r.line,
  }));
  const numericColumns = columns.filter((_, c) => {
    if (c === 0) return true;
    let filled = 0;
    let numeric = 0;
    for (const r of rows) {
      const v = r.values[c] ?? '';
      if (v !== '') filled++;
      if (parseNumber(v) !== null) numeric++;
    }
    return numeric > 0 && numeric * 2 >= filled;
  });
  return { file, header, columns, rows, numericColumns };
}
