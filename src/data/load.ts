/**
 * From what a user drops (files, a folder, a zip) to a ParsedDataset: unpack archives under the limits,
 * recognise the format by content and names, run that format's loader, attach atom_init.json.
 *
 * Formats, in the order they are tried when a drop holds several kinds of file:
 * 1. cgcnn folder/zip: `id_prop.csv` + `<id>.cif` (+ optional `atom_init.json`)      → 'cgcnn-folder' / 'cgcnn-zip'
 * 2. POSCAR/CONTCAR/*.vasp files + a targets CSV (id,target; id = file stem)        → 'poscar'
 * 3. extended XYZ (count line, comment with Lattice=… and per-frame properties)    → 'extxyz'
 * 4. JSON of pymatgen structures (list, records, pandas split/columns/index)      → 'pymatgen-json'
 * 5. CSV/TSV with a column of CIF text (or Structure JSON)                       → 'csv-cif'
 * A CSV of SMILES molecules, CIFs without id_prop.csv, and anything else are whole-input errors.
 *
 * Never throws: bad items become rejections in the dataset, an unusable input `{ ok: false, error }`.
 */
import {
  gunzipFile,
  isGzip,
  isJunkPath,
  isZip,
  unzipArchive,
  type InflateBudget,
  type VirtualFile,
} from './archive.ts';
import { parseAtomInit } from './formats/atomInit.ts';
import { loadCgcnnFolder } from './formats/cgcnn.ts';
import {
  baseName,
  DatasetInputError,
  decodeText,
  dirName,
  extOf,
  Progress,
  type FormatOptions,
  type FormatResult,
} from './formats/common.ts';
import { readCsvTables, smilesMessage } from './formats/csvCif.ts';
import { loadExtxyz } from './formats/extxyz.ts';
import { isPoscarName, loadPoscarSet, looksLikePoscar } from './formats/poscar.ts';
import { readJsonTables } from './formats/pymatgenJson.ts';
import { loadStructureTables } from './formats/structureTable.ts';
import type { AtomInit, DatasetFormat, ParsedDataset } from './types.ts';
import { formatBytes, type Limits } from './validate.ts';

export type { VirtualFile } from './archive.ts';
export { DEFAULT_LIMITS, type Limits } from './validate.ts';

/** Options of one load. */
export interface LoadOptions {
  /** The column/property to train on; absent → each format's default (see chooseTarget). */
  target?: string;
  limits: Limits;
  /** Called about 100 times while items are parsed, then with done = total. */
  onProgress?: (done: number, total: number) => void;
}

/** Why a drop cannot be used at all; `file` is the file at fault when there is one. */
export interface LoadError {
  message: string;
  file?: string;
}

/** The dataset, or the reason there is none. Zero entries is still `ok: true` (every item rejected). */
export type LoadResult = { ok: true; dataset: ParsedDataset } | { ok: false; error: LoadError };

/** What the lab reads, for error messages. */
export const READABLE_FORMATS =
  "The lab reads: a CGCNN folder or zip (id_prop.csv with rows 'id,target' + one <id>.cif per row, optional atom_init.json); " +
  'a CSV/TSV with a column of CIF text (one crystal per row, numeric target columns); ' +
  "pymatgen JSON (.json or .json.gz: a list of Structure.as_dict() dicts or records with a 'structure' field, or a pandas/matminer table saved with to_json(orient='split')); " +
  'extended XYZ (.xyz/.extxyz with Lattice="…" and per-frame properties such as energy=…); ' +
  'POSCAR/CONTCAR/.vasp files (VASP 5) with a targets CSV (id,target; id = file name without extension). ' +
  'Zip and gzip archives of these are unpacked.';

/** What a file looks like, judged from its name and its first bytes. */
export type FileKind =
  'id_prop' | 'atom_init' | 'cif' | 'poscar' | 'xyz' | 'json' | 'table' | 'binary' | 'other';

const SNIFF_BYTES = 64 * 1024;

function isBinary(bytes: Uint8Array): boolean {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return false; // UTF-16 text with a BOM
  }
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let k = 0; k < n; k++) {
    const b = bytes[k] ?? 0;
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return control > n * 0.05;
}

/** Classifies one file by name and content (never by its extension alone). */
export function sniffFile(file: VirtualFile): FileKind {
  const base = baseName(file.path).toLowerCase();
  if (base === 'id_prop.csv') return 'id_prop';
  if (base === 'atom_init.json') return 'atom_init';
  if (isBinary(file.bytes)) return 'binary';
  const ext = extOf(file.path);
  const head = decodeText(file.bytes.subarray(0, SNIFF_BYTES));
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'json';
  const lines = head.split(/\r?\n/, 3);
  if (
    /^\s*\d+\s*$/.test(lines[0] ?? '') &&
    (ext === 'xyz' || ext === 'extxyz' || /\w=/.test(lines[1] ?? ''))
  ) {
    return 'xyz';
  }
  const firstMeaningful = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (ext === 'cif' || (firstMeaningful !== undefined && /^\s*data_/.test(firstMeaningful))) return 'cif';
  const byName = ['', 'vasp', 'poscar', 'contcar'].includes(ext) && isPoscarName(file.path);
  if (byName || looksLikePoscar(head)) return 'poscar';
  if (['csv', 'tsv', 'tab'].includes(ext)) return 'table';
  if (['txt', 'dat', ''].includes(ext) && /[,\t;]/.test(lines[0] ?? '')) return 'table';
  return 'other';
}

const KIND_TEXT: Record<FileKind, string> = {
  id_prop: 'an id_prop.csv',
  atom_init: 'an atom_init.json',
  cif: 'a CIF',
  poscar: 'a POSCAR',
  xyz: 'an XYZ file',
  json: 'a JSON file',
  table: 'a table',
  binary: 'binary data (not text)',
  other: 'text in no format the lab reads',
};

interface Expanded {
  files: VirtualFile[];
  fromZip: Set<VirtualFile>;
  warnings: string[];
}

/** Unpacks zip and gzip files (archives inside archives one level deep), dropping desktop junk. */
function expandArchives(inputs: readonly VirtualFile[], limits: Limits, at: { file?: string }): Expanded {
  const budget: InflateBudget = { limit: limits.maxDecompressedBytes, used: 0 };
  const out: Expanded = { files: [], fromZip: new Set(), warnings: [] };
  const visit = (f: VirtualFile, depth: number, zipped: boolean): void => {
    at.file = f.path;
    if (isJunkPath(f.path)) return;
    if (isZip(f.bytes)) {
      if (depth >= 2) {
        out.warnings.push(`${f.path} is a zip inside a zip inside a zip; not unpacked.`);
        return;
      }
      const res = unzipArchive(f.bytes, f.path, budget, limits.maxEntries);
      if (!res.ok) throw new DatasetInputError(res.message, f.path);
      out.warnings.push(...res.warnings);
      for (const m of res.files) visit(m, depth + 1, true);
      return;
    }
    if (isGzip(f.bytes)) {
      if (depth >= 2) {
        out.warnings.push(`${f.path} is compressed three levels deep; not unpacked.`);
        return;
      }
      const res = gunzipFile(f.bytes, f.path, budget);
      if (!res.ok) throw new DatasetInputError(res.message, f.path);
      const name = /\.tgz$/i.test(f.path)
        ? f.path.replace(/\.tgz$/i, '.tar')
        : f.path.replace(/\.(gz|gzip)$/i, '');
      const bytes = res.bytes;
      if (bytes.length > 262 && decodeText(bytes.subarray(257, 262)) === 'ustar') {
        throw new DatasetInputError(
          `${f.path} is a tar archive; the lab unpacks zip and gzip files, not tar. Unpack it and drop the folder, or make a zip.`,
          f.path,
        );
      }
      visit({ path: name === f.path ? `${f.path}.out` : name, bytes }, depth + 1, zipped);
      return;
    }
    if (zipped) out.fromZip.add(f);
    out.files.push(f);
  };
  for (const f of inputs) visit(f, 0, false);
  return out;
}

/** The dataset's display name: the single dropped file, else the folder all paths share. */
function displayName(inputs: readonly VirtualFile[]): string {
  const first = inputs[0];
  if (first === undefined) return 'dataset';
  if (inputs.length === 1) return baseName(first.path);
  const top = first.path.split('/')[0] ?? '';
  if (first.path.includes('/') && inputs.every((f) => f.path.split('/')[0] === top)) return top;
  // Files of one folder picked together: name the set by its index file when there is one.
  const index = inputs.find((f) => /^id_prop\.csv$/i.test(baseName(f.path)));
  if (index !== undefined) return `${baseName(index.path)} + ${inputs.length - 1} files`;
  return `${baseName(first.path)} + ${inputs.length - 1} more files`;
}

function listNames(paths: readonly string[], max = 5): string {
  const shown = paths.slice(0, max).join(', ');
  return paths.length > max ? `${shown} and ${paths.length - max} more` : shown;
}

function pickTargetsTable(tables: readonly VirtualFile[], poscarCount: number): VirtualFile {
  if (tables.length === 1 && tables[0] !== undefined) return tables[0];
  const named =
    tables.find((t) => baseName(t.path).toLowerCase() === 'id_prop.csv') ??
    tables.find((t) => /target|prop|label/i.test(baseName(t.path)));
  if (named !== undefined) return named;
  if (tables.length === 0) {
    throw new DatasetInputError(
      `Found ${poscarCount} POSCAR file(s) but no targets CSV. Add a CSV with rows 'id,target' where id is the file name without extension (e.g. 'mp-1,1.23' for mp-1.vasp), and drop it with them.`,
    );
  }
  throw new DatasetInputError(
    `Found ${poscarCount} POSCAR file(s) and several CSV files (${listNames(tables.map((t) => t.path))}); name the one with the targets 'targets.csv' or 'id_prop.csv'.`,
  );
}

/**
 * Loads a dataset from dropped files. Checks the total size (maxTotalBytes), unpacks zip/gzip under
 * maxDecompressedBytes (declared sizes first, then counted output), refuses more than maxEntries files,
 * recognises the format (see the module comment), parses every item into an entry or a rejection and
 * attaches the drop's atom_init.json, if any. Never throws: an unusable drop gives `{ ok: false, error }`
 * with a message for people and the file at fault; unexpected failures are reported the same way.
 */
export function loadDataset(files: VirtualFile[], opts: LoadOptions): LoadResult {
  const at: { file?: string } = {};
  try {
    return { ok: true, dataset: load(files, opts, at) };
  } catch (err) {
    if (err instanceof DatasetInputError) {
      const file = err.file ?? at.file;
      return { ok: false, error: { message: err.message, ...(file !== undefined ? { file } : {}) } };
    }
    const where = at.file !== undefined ? ` while reading ${at.file}` : '';
    return {
      ok: false,
      error: {
        message: `Unexpected error${where}: ${err instanceof Error ? err.message : String(err)}. This is a bug in the lab; please report it with the file.`,
        ...(at.file !== undefined ? { file: at.file } : {}),
      },
    };
  }
}

function load(inputs: readonly VirtualFile[], opts: LoadOptions, at: { file?: string }): ParsedDataset {
  const limits = opts.limits;
  if (inputs.length === 0) throw new DatasetInputError('Nothing to load: drop a folder, a zip or a file.');
  let total = 0;
  let biggest = inputs[0] as VirtualFile;
  for (const f of inputs) {
    total += f.bytes.length;
    if (f.bytes.length > biggest.bytes.length) biggest = f;
  }
  if (total > limits.maxTotalBytes) {
    throw new DatasetInputError(
      `The dropped files total ${formatBytes(total)}, over the ${formatBytes(limits.maxTotalBytes)} limit (maxTotalBytes); the largest is ${biggest.path} (${formatBytes(biggest.bytes.length)}). Drop fewer or smaller files, or raise the limit.`,
      biggest.path,
    );
  }
  if (inputs.length > limits.maxEntries) {
    throw new DatasetInputError(
      `${inputs.length} files were dropped, more than the limit of ${limits.maxEntries} (maxEntries). Split the dataset or raise the limit.`,
    );
  }
  const expanded = expandArchives(inputs, limits, at);
  const files = expanded.files;
  if (files.length > limits.maxEntries) {
    throw new DatasetInputError(
      `The drop unpacks to ${files.length} files, more than the limit of ${limits.maxEntries} (maxEntries). Split the dataset or raise the limit.`,
    );
  }
  if (files.length === 0) {
    throw new DatasetInputError(
      `The drop holds no files (only folders or system files). ${READABLE_FORMATS}`,
    );
  }

  const byKind = new Map<FileKind, VirtualFile[]>();
  for (const f of files) {
    at.file = f.path;
    const k = sniffFile(f);
    const list = byKind.get(k);
    if (list === undefined) byKind.set(k, [f]);
    else list.push(f);
  }
  const of = (k: FileKind) => byKind.get(k) ?? [];
  const progress = new Progress(opts.onProgress);
  const fopts: FormatOptions = {
    limits,
    progress,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
  };
  const used = new Set<VirtualFile>();
  const markUsed = (list: readonly VirtualFile[]) => {
    for (const f of list) used.add(f);
    return list;
  };
  const warnings: string[] = [...expanded.warnings];

  let format: DatasetFormat;
  let result: FormatResult;
  let anchorDir = '';
  const idProps = of('id_prop');
  const cifs = of('cif');
  const poscars = of('poscar');
  if (idProps.length > 0 && (cifs.length > 0 || poscars.length === 0)) {
    if (idProps.length > 1) {
      throw new DatasetInputError(
        `The drop has ${idProps.length} id_prop.csv files (${listNames(idProps.map((f) => f.path))}); drop one CGCNN dataset at a time.`,
      );
    }
    const idProp = idProps[0] as VirtualFile;
    if (cifs.length === 0) {
      throw new DatasetInputError(
        `${idProp.path} was dropped without any .cif files. Drop the whole CGCNN folder (id_prop.csv and one <id>.cif per row) or a zip of it.`,
        idProp.path,
      );
    }
    at.file = idProp.path;
    anchorDir = dirName(idProp.path);
    format = expanded.fromZip.has(idProp) ? 'cgcnn-zip' : 'cgcnn-folder';
    result = loadCgcnnFolder(idProp, markUsed(cifs), fopts);
    markUsed(idProps);
  } else if (poscars.length > 0) {
    const targets = pickTargetsTable([...idProps, ...of('table')], poscars.length);
    at.file = targets.path;
    format = 'poscar';
    result = loadPoscarSet(markUsed(poscars), targets, fopts);
    markUsed([targets]);
  } else if (of('xyz').length > 0) {
    at.file = of('xyz')[0]?.path;
    format = 'extxyz';
    result = loadExtxyz(markUsed(of('xyz')), fopts);
  } else {
    const json = of('json').length > 0 ? readJsonTables(of('json')) : null;
    const csv = of('table').length > 0 ? readCsvTables(of('table')) : null;
    if (json !== null && json.tables.length > 0) {
      at.file = json.tables[0]?.file;
      format = 'pymatgen-json';
      const r = loadStructureTables(json.tables, fopts);
      result = { ...r, warnings: [...json.warnings, ...r.warnings] };
      markUsed(of('json').filter((f) => json.tables.some((t) => t.file === f.path)));
    } else if (csv !== null && csv.tables.length > 0) {
      at.file = csv.tables[0]?.file;
      format = 'csv-cif';
      const r = loadStructureTables(csv.tables, fopts);
      result = { ...r, warnings: [...csv.warnings, ...r.warnings] };
      markUsed(of('table').filter((f) => csv.tables.some((t) => t.file === f.path)));
    } else if (csv?.smiles) {
      throw new DatasetInputError(smilesMessage(csv.smiles.file, csv.smiles.column), csv.smiles.file);
    } else if (cifs.length > 0) {
      throw new DatasetInputError(
        `Found ${cifs.length} CIF file(s) (${listNames(cifs.map((f) => f.path))}) but no id_prop.csv giving their targets. A CGCNN folder needs id_prop.csv with one row 'id,target' per <id>.cif (no header), e.g. '${baseName(cifs[0]?.path ?? 'x.cif').replace(/\.cif$/i, '')},1.23'.`,
      );
    } else if (json !== null && json.skipped.length > 0 && of('table').length === 0) {
      const first = json.skipped[0];
      throw new DatasetInputError(first?.message ?? READABLE_FORMATS, first?.file);
    } else {
      const described = files.map((f) => `${f.path} (${KIND_TEXT[sniffFile(f)]})`);
      const tableNote =
        of('table').length > 0
          ? ' The tables have no column of crystal structures (CIF text or pymatgen Structure dicts).'
          : '';
      throw new DatasetInputError(
        `None of the dropped files is a dataset the lab can read: ${listNames(described)}.${tableNote} ${READABLE_FORMATS}`,
        files.length === 1 ? files[0]?.path : undefined,
      );
    }
  }

  let atomInit: AtomInit | null = null;
  const inits = of('atom_init');
  const chosen = inits.find((f) => dirName(f.path) === anchorDir) ?? inits[0];
  if (chosen !== undefined) {
    at.file = chosen.path;
    const parsed = parseAtomInit(decodeText(chosen.bytes), chosen.path);
    atomInit = parsed.atomInit;
    warnings.push(...parsed.problems.slice(0, 10));
    if (parsed.problems.length > 10)
      warnings.push(`…and ${parsed.problems.length - 10} more problems in ${chosen.path}.`);
    markUsed([chosen]);
    if (inits.length > 1) warnings.push(`Several atom_init.json files were dropped; used ${chosen.path}.`);
  }
  const ignored = files.filter((f) => !used.has(f)).map((f) => f.path);
  if (ignored.length > 0) {
    warnings.push(
      `Ignored ${ignored.length} file(s) that are not part of the dataset: ${listNames(ignored)}.`,
    );
  }
  progress.finish();
  return {
    name: displayName(inputs),
    format,
    entries: result.entries,
    rejected: result.rejected,
    target: result.target,
    targetChoices: result.targetChoices,
    atomInit,
    warnings: [...warnings, ...result.warnings],
  };
}
