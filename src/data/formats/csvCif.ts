/**
 * CSV/TSV files with a column of CIF text (CDVAE's perov_5 `test.csv`: a leading unnamed index column,
 * material_id, multi-line quoted CIFs, numeric targets). Also reads a column of pymatgen Structure JSON
 * or POSCAR text. Column rules: see structureTable.ts.
 */
import type { VirtualFile } from '../archive.ts';
import { decodeText, DatasetInputError } from './common.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import { findStructureColumn, loadStructureTables, type StructureTable } from './structureTable.ts';
import { readTable } from './table.ts';

/** The lab's message for a table of SMILES molecules. */
export function smilesMessage(file: string, column: string): string {
  return `${file} contains SMILES molecules (column '${column}'); the lab trains CGCNN on crystal structures (CIF, POSCAR, pymatgen JSON, extended XYZ). Molecules are not supported.`;
}

/**
 * Reads a CSV/TSV into a structure table: header = first row (blank names kept as ''), rows numbered
 * from 1 under the header, each with the line it starts on. Short rows are padded with ''. A row with
 * malformed quoting is still returned; papaparse's complaint becomes a warning.
 */
export function readCsvTable(file: VirtualFile): { table: StructureTable; warnings: string[] } {
  const raw = readTable(decodeText(file.bytes));
  const header = raw.rows[0];
  if (header === undefined) throw new DatasetInputError(`${file.path} is empty.`, file.path);
  const columns = header.cells.map((h) => h.trim());
  const rows = raw.rows.slice(1).map((r, k) => ({ cells: r.cells, row: k + 1, line: r.line }));
  const warnings = raw.problems
    .slice(0, 5)
    .map((p) => `${file.path}, line ${p.line}: ${p.message} (check the quoting of that row).`);
  return { table: { file: file.path, columns, rows }, warnings };
}

/** The CSV/TSV files of a drop, split into tables with structures and the rest. */
export interface CsvTables {
  /** Tables that have a structure column. */
  tables: StructureTable[];
  /** The first table without structures that has a SMILES column, if any. */
  smiles: { file: string; column: string } | null;
  /** Files without a structure column. */
  skipped: string[];
  warnings: string[];
}

/** Reads CSV/TSV files and sorts them into tables with a structure column and the rest. */
export function readCsvTables(files: readonly VirtualFile[]): CsvTables {
  const out: CsvTables = { tables: [], smiles: null, skipped: [], warnings: [] };
  for (const f of files) {
    const { table, warnings } = readCsvTable(f);
    if (findStructureColumn(table.columns, table.rows) !== null) {
      out.tables.push(table);
      out.warnings.push(...warnings);
      continue;
    }
    out.skipped.push(f.path);
    const col = table.columns.find((c) => /smiles/i.test(c));
    if (col !== undefined && out.smiles === null) out.smiles = { file: f.path, column: col };
  }
  return out;
}

/**
 * Loads CSV/TSV files with a structure column (files without one are skipped with a warning). Throws
 * DatasetInputError when no file has a structure column: the SMILES message (smilesMessage) for a table
 * of molecules, else one listing the columns found.
 */
export function loadCsvCif(files: readonly VirtualFile[], opts: FormatOptions): FormatResult {
  const read = readCsvTables(files);
  if (read.tables.length === 0) {
    if (read.smiles !== null) {
      throw new DatasetInputError(smilesMessage(read.smiles.file, read.smiles.column), read.smiles.file);
    }
    const first = files[0];
    if (first === undefined) throw new DatasetInputError('No CSV file to load.');
    return loadStructureTables([readCsvTable(first).table], opts); // throws: no structure column
  }
  const result = loadStructureTables(read.tables, opts);
  const skipped =
    read.skipped.length > 0
      ? [`Ignored ${read.skipped.length} CSV file(s) without a structure column: ${read.skipped.join(', ')}.`]
      : [];
  return { ...result, warnings: [...read.warnings, ...skipped, ...result.warnings] };
}
