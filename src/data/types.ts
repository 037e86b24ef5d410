/**
 * The data model shared by every parser, the featurizer and the worker. Plain data (typed arrays are
 * fine: they cross to and from the worker by structured clone or transfer).
 *
 * Conventions (as pymatgen and cgcnn):
 * - `lattice` is a row-major 3×3 matrix whose ROWS are the lattice vectors a, b, c, in Å;
 *   cartesian = frac · lattice (row vector times matrix).
 * - Sites are in fractional coordinates, 3 per site, in the order the file gives them (after symmetry
 *   expansion for CIF, in pymatgen's order).
 */

/** A periodic crystal structure with fully occupied sites. */
export interface Structure {
  /** Row-major 3×3, rows = lattice vectors (Å). */
  lattice: Float64Array;
  /** Atomic number of each site. */
  numbers: Uint8Array;
  /** Fractional coordinates, 3 per site. */
  frac: Float64Array;
}

/** Where an item came from, for messages: the file, and the 1-based row (tables) or line (text). */
export interface SourceRef {
  file: string;
  row?: number;
  line?: number;
}

/** Why an item could not be used. Each has its own message; the code is for tests and the UI's grouping. */
export type RejectReason =
  | 'unparseable' // the structure text/record could not be read (malformed CIF, bad JSON record, …)
  | 'partial-occupancy'
  | 'unknown-element'
  | 'no-atoms'
  | 'overlapping-atoms' // two sites closer than the minimum distance (0.5 Å)
  | 'bad-target' // missing or non-finite target
  | 'duplicate-id'
  | 'id-without-structure'
  | 'structure-without-id'
  | 'too-many-atoms'
  | 'unsupported'; // e.g. SMILES molecules, a file type the lab does not read

export interface Rejection {
  source: SourceRef;
  /** The item's id when known. */
  id?: string;
  reason: RejectReason;
  /** For people: what is wrong and, where possible, what to do. */
  message: string;
}

/** One usable item: an id, its structure and its target value(s). */
export interface Entry {
  id: string;
  structure: Structure;
  /** The chosen target. */
  target: number;
  source: SourceRef;
}

/** The dataset's own atom features (cgcnn's `atom_init.json`): Z → vector, all of one length. */
export interface AtomInit {
  dim: number;
  /** Row Z (0…maxZ) of `dim` values; rows of elements the file lacks are NaN. */
  table: Float32Array;
  maxZ: number;
  /** Where it came from (file name), for the summary. */
  source: string;
}

/** What a parser returns: usable entries, rejected items with reasons, and what the user can choose. */
export interface ParsedDataset {
  /** Display name (file or folder name). */
  name: string;
  format: DatasetFormat;
  entries: Entry[];
  rejected: Rejection[];
  /** Name of the chosen target column/property. */
  target: string;
  /** Every numeric target the source offers (for the target picker); `target` is one of them. */
  targetChoices: string[];
  atomInit: AtomInit | null;
  /** Non-fatal remarks (e.g. "fractional coordinates rounded to ideal values in 3 files"). */
  warnings: string[];
}

export type DatasetFormat =
  'cgcnn-folder' | 'cgcnn-zip' | 'csv-cif' | 'pymatgen-json' | 'extxyz' | 'poscar' | 'synthetic';
