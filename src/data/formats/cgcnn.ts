/**
 * cgcnn's dataset folder (txie-93/cgcnn `data/sample-regression`): `id_prop.csv` (rows `id,target`, no
 * header), one `<id>.cif` per row, and optionally `atom_init.json`.
 */
import type { VirtualFile } from '../archive.ts';
import { CifError, parseCif } from '../cif.ts';
import type { FormatOptions, FormatResult } from './common.ts';
import { decodeText, stemOf } from './common.ts';
import { readIdTable } from './idTable.ts';
import { loadKeyedSet, type KeyedFile } from './keyedSet.ts';
import type { StructureOrProblem } from './pymatgen.ts';

/**
 * Parses one CIF text into a structure or a problem: CifError → its reason, message and line;
 * `maxAtoms` stops symmetry expansion early. Warnings from the parser go to `warn`.
 */
export function structureFromCif(
  text: string,
  maxAtoms: number,
  warn: (w: string) => void = () => undefined,
): StructureOrProblem {
  try {
    const parsed = parseCif(text, { maxAtoms });
    for (const w of parsed.warnings) warn(w);
    return { structure: parsed.structure };
  } catch (err) {
    const problem = cifProblem(err);
    if (problem === null) throw err;
    return problem;
  }
}

/**
 * A CifError as a problem: its reason, its line, and its message without the parser's own
 * 'line N: ' prefix (callers say where). Null for any other exception.
 */
export function cifProblem(err: unknown): StructureOrProblem | null {
  if (!(err instanceof CifError)) return null;
  const message = err.line !== undefined ? err.message.replace(/^line \d+: /, '') : err.message;
  return { reason: err.reason, message, ...(err.line !== undefined ? { line: err.line } : {}) };
}

/**
 * Loads a cgcnn folder: `idProp` is the id_prop.csv file, `cifs` every CIF dropped with it (matched to
 * rows by file stem: row '1000041' ↔ '1000041.cif', preferring the id_prop.csv folder). Rejections:
 * 'id-without-structure', 'structure-without-id', 'duplicate-id', 'bad-target', and the CIF parser's
 * reasons with the CIF's file name and line.
 */
export function loadCgcnnFolder(
  idProp: VirtualFile,
  cifs: readonly VirtualFile[],
  opts: FormatOptions,
): FormatResult {
  const table = readIdTable(decodeText(idProp.bytes), idProp.path);
  const files: KeyedFile[] = cifs.map((f) => ({
    path: f.path,
    keys: [stemOf(f.path)],
    parse: (warn) => structureFromCif(decodeText(f.bytes), opts.limits.maxAtomsPerStructure, warn),
  }));
  return loadKeyedSet(table, files, opts, { expected: (id) => `a file '${id}.cif'` });
}
