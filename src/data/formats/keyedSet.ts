/**
 * A set of structure files keyed by an id table (cgcnn folders: `<id>.cif` + id_prop.csv; POSCAR sets:
 * `<id>.vasp` + targets CSV): pairs rows with files, rejects what does not pair, parses the rest.
 */
import type { FormatOptions, FormatResult } from './common.ts';
import { chooseTarget, Collector, dirName, parseNumber, showValue, Warnings } from './common.ts';
import type { IdTable } from './idTable.ts';
import type { StructureOrProblem } from './pymatgen.ts';

/** One structure file of a keyed set. */
export interface KeyedFile {
  path: string;
  /** The ids this file answers to, best first (e.g. ['mp-1'] for 'mp-1.vasp'). */
  keys: string[];
  /** Parses the file; `warn` records non-fatal remarks. May throw (becomes 'unparseable'). */
  parse: (warn: (w: string) => void) => StructureOrProblem;
}

/** How the set's files are named, for messages. */
export interface KeyedSetNaming {
  /** "a file 'X.cif'" for id X, for the id-without-structure message. */
  expected: (id: string) => string;
}

/**
 * Loads a keyed set: each table row (in file order) becomes an entry or a rejection
 * ('duplicate-id', 'bad-target', 'id-without-structure', or the structure's own reason); then each
 * file no row claimed becomes a 'structure-without-id' rejection. When several files answer to one id,
 * the one in the table's folder wins (a warning says so). Ids match file names exactly, else
 * case-insensitively.
 */
export function loadKeyedSet(
  table: IdTable,
  files: readonly KeyedFile[],
  opts: FormatOptions,
  naming: KeyedSetNaming,
): FormatResult {
  const warnings = new Warnings();
  const target = chooseTarget(table.numericColumns, opts.target, table.file);
  const col = table.columns.indexOf(target);
  const tableDir = dirName(table.file);

  const byKey = new Map<string, KeyedFile[]>();
  const byKeyLower = new Map<string, KeyedFile[]>(); // fallback: 'MP-1.cif' for row 'mp-1'
  for (const f of files) {
    for (const k of f.keys) {
      for (const [map, key] of [
        [byKey, k],
        [byKeyLower, k.toLowerCase()],
      ] as const) {
        const list = map.get(key) ?? [];
        if (!list.includes(f)) list.push(f);
        map.set(key, list);
      }
    }
  }

  let rows = table.rows;
  if (rows.length > opts.limits.maxEntries) {
    warnings.add(
      `${table.file} has ${rows.length} rows; only the first ${opts.limits.maxEntries} were loaded (maxEntries).`,
    );
    rows = rows.slice(0, opts.limits.maxEntries);
  }
  const rowIds = new Set(rows.map((r) => r.id));
  const used = new Set<KeyedFile>();
  opts.progress.expect(rows.length);
  const c = new Collector(opts.limits, opts.progress);

  for (const r of rows) {
    const source = { file: table.file, row: r.row, line: r.line };
    if (r.id === '') {
      c.reject(source, undefined, 'id-without-structure', 'the id (first column) is empty.');
      continue;
    }
    if (!c.claimId(r.id, source)) continue;
    const raw = r.values[col] ?? '';
    const y = parseNumber(raw);
    if (y === null) {
      c.reject(
        source,
        r.id,
        'bad-target',
        `target '${target}' is ${showValue(raw)}, not a finite number. Fix the value or remove the row.`,
      );
      continue;
    }
    const candidates = byKey.get(r.id) ?? byKeyLower.get(r.id.toLowerCase()) ?? [];
    const file = candidates.find((f) => dirName(f.path) === tableDir) ?? candidates[0];
    if (file === undefined) {
      c.reject(
        source,
        r.id,
        'id-without-structure',
        `no structure for this id: expected ${naming.expected(r.id)} in the same folder. Add the file or remove the row.`,
      );
      continue;
    }
    if (candidates.length > 1) {
      warnings.add(
        `Several files answer to id '${r.id}' (${candidates.map((f) => f.path).join(', ')}); used ${file.path}.`,
      );
    }
    used.add(file);
    c.add(r.id, { file: file.path }, y, () => file.parse((w) => warnings.add(`${file.path}: ${w}`)));
  }
  // Files no row used: those whose id has no row at all (files that lost to a better candidate for
  // their id were mentioned in a warning).
  const orphans = files.filter((f) => !used.has(f) && !f.keys.some((k) => rowIds.has(k)));
  opts.progress.expect(orphans.length);
  for (const f of orphans) {
    c.reject(
      { file: f.path },
      f.keys[0],
      'structure-without-id',
      `no row of ${table.file} has id '${f.keys[0] ?? ''}', so this structure has no target. Add a row '${f.keys[0] ?? ''},<target>' or remove the file.`,
    );
  }
  return {
    entries: c.entries,
    rejected: c.rejected,
    target,
    targetChoices: table.numericColumns,
    warnings: warnings.toArray(),
  };
}
