/**
 * JSON datasets of pymatgen structures: a list of `Structure.as_dict()` dicts (targets from each dict's
 * `properties`), a list of records holding one (`[{material_id, structure, band_gap}, …]`, pandas
 * "records"), or a pandas DataFrame in "split" ({index, columns, data}: matminer's files), "columns" or
 * "index" orientation. Column rules: see structureTable.ts.
 */
import type { VirtualFile } from '../archive.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import { decodeText, DatasetInputError } from './common.ts';
import { isPymatgenStructure } from './pymatgen.ts';
import { loadStructureTables, type StructureRow, type StructureTable } from './structureTable.ts';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const holdsStructure = (v: unknown) =>
  isRecord(v) &&
  Object.values(v).some(
    (x) => isPymatgenStructure(x) || (typeof x === 'string' && x.includes('_cell_length_')),
  );

function fromRecords(
  file: string,
  records: readonly Record<string, unknown>[],
  ids?: readonly string[],
): StructureTable {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const rows: StructureRow[] = records.map((r, k) => ({
    cells: columns.map((c) => r[c]),
    row: k + 1,
    ...(ids?.[k] !== undefined ? { indexId: ids[k] } : {}),
  }));
  return { file, columns, rows };
}

/**
 * Turns parsed JSON into a structure table, or null when it holds no pymatgen structures. Throws
 * DatasetInputError for a single Structure dict (nothing to train on).
 */
export function jsonToTable(data: unknown, file: string): StructureTable | null {
  if (Array.isArray(data)) {
    if (data.length > 0 && data.every(isPymatgenStructure)) {
      // Bare structures: targets from each dict's `properties` (pymatgen ≥ 2023 keeps them there).
      const records = data.filter(isRecord).map((s) => {
        const props = isRecord(s['properties']) ? s['properties'] : {};
        return { structure: s, ...props };
      });
      return fromRecords(file, records);
    }
    if (data.length > 0 && data.every(isRecord) && data.some(holdsStructure)) return fromRecords(file, data);
    return null;
  }
  if (!isRecord(data)) return null;
  if (isPymatgenStructure(data)) {
    throw new DatasetInputError(
      `${file} holds a single pymatgen structure and no targets. Drop a list of structures with their properties (e.g. a DataFrame saved with to_json(orient='split')).`,
      file,
    );
  }
  const { columns, data: rows, index } = data;
  if (Array.isArray(columns) && Array.isArray(rows)) {
    const names = columns.map((c) => String(c));
    const ids = Array.isArray(index) ? index.map((x) => String(x)) : undefined;
    const out: StructureRow[] = rows.map((r, k) => ({
      cells: Array.isArray(r) ? r : [],
      row: k + 1,
      ...(ids?.[k] !== undefined ? { indexId: ids[k] } : {}),
    }));
    return { file, columns: names, rows: out };
  }
  const values = Object.values(data);
  if (values.length > 0 && values.every(isRecord)) {
    const inner = values;
    // "columns" orientation: {column: {rowKey: value}}, one column holding only structures.
    const allStructures = (col: Record<string, unknown>) => {
      const vs = Object.values(col);
      return vs.length > 0 && vs.every(isPymatgenStructure);
    };
    if (inner.some(allStructures)) {
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const col of inner) {
        for (const k of Object.keys(col)) {
          if (!seen.has(k)) {
            seen.add(k);
            keys.push(k);
          }
        }
      }
      const names = Object.keys(data);
      const out: StructureRow[] = keys.map((key, k) => ({
        cells: inner.map((col) => col[key]),
        row: k + 1,
        indexId: key,
      }));
      return { file, columns: names, rows: out };
    }
    // "index" orientation: {rowKey: record}.
    if (inner.some(holdsStructure)) return fromRecords(file, inner, Object.keys(data));
  }
  // A wrapper such as {"data": [records]} or {"structures": [...]}: one array-valued key.
  const arrays = Object.entries(data).filter(([, v]) => Array.isArray(v));
  if (arrays.length === 1) return jsonToTable(arrays[0]?.[1], file);
  return null;
}

/**
 * Parses JSON text; Python's bare NaN/Infinity tokens (json.dump writes them) are read as null, with a
 * warning; JSON Lines (one record per line) are read as a list. Throws DatasetInputError when the text is not JSON.
 */
export function parseJsonText(text: string, file: string): { data: unknown; warnings: string[] } {
  try {
    return { data: JSON.parse(text), warnings: [] };
  } catch (err) {
    try {
      const data: unknown = JSON.parse(text.replace(/\bNaN\b|-?\bInfinity\b/g, 'null'));
      return {
        data,
        warnings: [`${file} has NaN/Infinity values (not standard JSON); they were read as missing.`],
      };
    } catch {
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
      if (lines.length > 1) {
        // JSON Lines: one record per line.
        try {
          return { data: lines.map((l): unknown => JSON.parse(l)), warnings: [] };
        } catch {
          // not JSON Lines either: report the original error
        }
      }
      throw new DatasetInputError(
        `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}).`,
        file,
      );
    }
  }
}

/** The message for JSON that holds no structures. */
export function noStructuresInJson(file: string): string {
  return `${file} is JSON but holds no pymatgen structures. The lab reads a list of Structure.as_dict() dicts, a list of records with a 'structure' field, or a pandas DataFrame saved with to_json (e.g. orient='split') that has a 'structure' column.`;
}

/** JSON files of a drop: the tables with structures, and the files without. */
export interface JsonTables {
  tables: StructureTable[];
  /** Files that are JSON without structures, or not JSON, with the reason. */
  skipped: { file: string; message: string }[];
  warnings: string[];
}

/** Parses JSON files into structure tables; files that are not JSON or hold no structures are listed. */
export function readJsonTables(files: readonly VirtualFile[]): JsonTables {
  const out: JsonTables = { tables: [], skipped: [], warnings: [] };
  for (const f of files) {
    try {
      const { data, warnings } = parseJsonText(decodeText(f.bytes), f.path);
      const table = jsonToTable(data, f.path);
      if (table === null) out.skipped.push({ file: f.path, message: noStructuresInJson(f.path) });
      else {
        out.tables.push(table);
        out.warnings.push(...warnings);
      }
    } catch (err) {
      if (!(err instanceof DatasetInputError)) throw err;
      out.skipped.push({ file: f.path, message: err.message });
    }
  }
  return out;
}

/**
 * Loads JSON files of pymatgen structures (several with the same columns are concatenated; files
 * without structures are skipped with a warning). Throws DatasetInputError when none holds structures.
 */
export function loadPymatgenJson(files: readonly VirtualFile[], opts: FormatOptions): FormatResult {
  const read = readJsonTables(files);
  if (read.tables.length === 0) {
    const first = read.skipped[0];
    throw new DatasetInputError(first?.message ?? 'No JSON file to load.', first?.file);
  }
  const result = loadStructureTables(read.tables, opts);
  const skipped = read.skipped.map((s) => `Ignored: ${s.message}`);
  return { ...result, warnings: [...read.warnings, ...skipped, ...result.warnings] };
}
