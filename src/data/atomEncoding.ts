/**
 * The lab's own 92-dimensional CGCNN-style atom encoding, for datasets that come without cgcnn's
 * `atom_init.json` (the built-in teaching set, CIF/POSCAR/extxyz uploads, …).
 *
 * ## The layout of cgcnn's `atom_init.json`, reverse-engineered
 *
 * The CGCNN paper's Table S2 lists nine one-hot categories adding up to 93 (group 18, period 9,
 * electronegativity 10, covalent radius 10, valence electrons 12, first ionization energy 10, electron
 * affinity 10, block 4, atomic volume 10), yet the file (txie-93/cgcnn `data/sample-regression/atom_init.json`,
 * keys 1–100) has 92 dims. Decoding the set bits of every element against its properties gives:
 *
 * | dims | category | slots |
 * | --- | --- | --- |
 * | 0–18 (19) | group | slot 0 = f block without a group (La–Yb, Ac–Fm), slot g = group g (Lu: 3) |
 * | 19–25 (7) | period | period 1–7 (the lanthanides/actinides are periods 6/7; not 8/9) |
 * | 26–35 (10) | electronegativity | Pauling, 10 equal bins on [0.5, 4.0] |
 * | 36–45 (10) | covalent radius | 10 equal bins on [25, 250] pm |
 * | 46–57 (12) | valence electrons | 1…12 |
 * | 58–67 (10) | first ionization energy | 10 equal bins of ln(E/eV) on [1.3, 3.3] |
 * | 68–77 (10) | electron affinity | 10 equal bins on [−3, 3.7] eV |
 * | 78–81 (4) | block | s, p, d, f (He is s) |
 * | 82–91 (10) | atomic volume | 10 equal bins of ln(V/(cm³/mol)) on [1.5, 4.3] |
 *
 * So the **period** category is the short one (7 slots, not 9) and the **group** category has one slot
 * more than the paper says (19: an extra "no group" slot for the f block): 19 + 7 + … = 92. A category
 * is all zero where cgcnn's source had no value (e.g. no electronegativity for He, Ne, Ar, Kr; no
 * electron affinity for most unbound anions).
 *
 * ## Binning convention
 *
 * A linear category with range [lo, hi] and n bins puts x in bin k = ⌊((x − lo)/(hi − lo))·n⌋ (evaluated
 * in that order in IEEE doubles), clamped to 0…n−1: half-open bins [lo + k·w, lo + (k+1)·w) with
 * w = (hi − lo)/n, values below lo in the first bin and above hi in the last. A value lying exactly on an
 * edge can fall either side by rounding: Si, Cu and Tc have electronegativity 1.90 = lo + 4w and
 * ((1.90 − 0.5)/3.5)·10 = 3.9999999999999996, so they land in bin 3 — as Si and Cu do in cgcnn's file
 * (its Tc differs anyway). Log categories do the same with ln(x). A missing property (null) leaves its
 * category all zero. Negative electron affinities (unbound anions; pymatgen's values for them are
 * estimates) are also left all zero, which is what cgcnn's file does for 14 of the 18 elements with a
 * negative pymatgen value (not for Be, N, Xe, Yb).
 *
 * ## Agreement with cgcnn's file (Z = 1…100, measured by `atomEncoding.test.ts`)
 *
 * Our properties come from pymatgen (`elementProperties.ts`), cgcnn's from another source, so some bins
 * differ. Fraction of elements whose one-hot slot (or absence) equals cgcnn's: group, period, block and
 * first ionization energy 100 %, valence electrons 99 % (cgcnn gives Pd 12, we give 10 = 4d¹⁰),
 * electronegativity 80 %, atomic volume 80 %, electron affinity 76 %, covalent radius 42 %. The
 * covalent radius is the big difference: cgcnn's bins match Pyykkö & Atsumi's 2009 single-bond radii
 * for all 100 elements, while pymatgen bundles Cordero et al.'s 2008 radii (e.g. Na 166 vs 155 pm, Ti
 * 160 vs 136 pm). Electronegativity differs mostly where cgcnn has no value (Kr, Pm, Eu, Tb, Yb, Rn,
 * Am–Fm); electron affinity and molar volume where the tabulated values differ (gases' molar volumes,
 * estimated affinities of the lanthanides and actinides).
 */

import type { AtomInit } from './types.ts';
import {
  BLOCK,
  COVALENT_RADIUS_PM,
  ELECTRON_AFFINITY_EV,
  ELECTRONEGATIVITY,
  ELEMENT_PROPERTIES_MAX_Z,
  GROUP,
  IONIZATION_ENERGY_EV,
  MOLAR_VOLUME_CM3,
  PERIOD,
  VALENCE_ELECTRONS,
} from './elementProperties.ts';
import type { Block } from './elementProperties.ts';

/** The categories of the encoding, in the order of their dims. */
export type EncodingCategoryKey =
  | 'group'
  | 'period'
  | 'electronegativity'
  | 'covalentRadius'
  | 'valenceElectrons'
  | 'ionizationEnergy'
  | 'electronAffinity'
  | 'block'
  | 'atomicVolume';

/** One category of the encoding, for the README/UI and for decoding vectors. */
export interface EncodingCategory {
  key: EncodingCategoryKey;
  /** For people, e.g. 'First ionization energy'. */
  label: string;
  /** Unit of the property ('' when it has none). */
  unit: string;
  /** First dim of the category in the 92-vector. */
  offset: number;
  /** Number of one-hot slots. */
  length: number;
  /** 'categorical': one slot per value; 'linear-bins' / 'log-bins': equal-width bins of x or ln x. */
  kind: 'categorical' | 'linear-bins' | 'log-bins';
  /** Binned kinds: the length + 1 bin edges in the property's unit (log bins: e^(ln edges)); else null. */
  edges: readonly number[] | null;
  /** What each slot stands for, e.g. '3' or '[1.9, 2.25)'. */
  slots: readonly string[];
  /** Where the value comes from and how gaps are treated. */
  note: string;
}

/** Length of the built-in encoding (cgcnn's atom_init.json length). */
export const ATOM_ENCODING_DIM = 92;

/** The `source` string of the AtomInit built by {@link atomFeatureTable}. */
export const BUILT_IN_ENCODING_SOURCE = 'built-in CGCNN-style encoding';

interface Binned {
  key: EncodingCategoryKey;
  label: string;
  unit: string;
  kind: 'linear-bins' | 'log-bins';
  /** Range in x (linear) or ln x (log). */
  lo: number;
  hi: number;
  n: number;
  value: (z: number) => number | null;
  note: string;
}

interface Categorical {
  key: EncodingCategoryKey;
  label: string;
  unit: string;
  kind: 'categorical';
  slots: readonly string[];
  /** Slot index for element z, or null (category left all zero). */
  slot: (z: number) => number | null;
  note: string;
}

type Spec = Binned | Categorical;

const BLOCKS: readonly Block[] = ['s', 'p', 'd', 'f'];

const SPECS: readonly Spec[] = [
  {
    key: 'group',
    label: 'Group',
    unit: '',
    kind: 'categorical',
    slots: ['f block (no group)', ...Array.from({ length: 18 }, (_, i) => String(i + 1))],
    slot: (z) => (BLOCK[z] === 'f' ? 0 : (GROUP[z] ?? null)),
    note: 'IUPAC group 1–18 (pymatgen); La–Yb and Ac–No take slot 0 as in cgcnn; Lu and Lr are group 3',
  },
  {
    key: 'period',
    label: 'Period',
    unit: '',
    kind: 'categorical',
    slots: ['1', '2', '3', '4', '5', '6', '7'],
    slot: (z) => {
      const p = PERIOD[z];
      return p === null || p === undefined ? null : p - 1;
    },
    note: 'period 1–7 (pymatgen row)',
  },
  {
    key: 'electronegativity',
    label: 'Electronegativity (Pauling)',
    unit: '',
    kind: 'linear-bins',
    lo: 0.5,
    hi: 4.0,
    n: 10,
    value: (z) => ELECTRONEGATIVITY[z] ?? null,
    note: 'pymatgen "X"; none for He, Ne, Ar (all zero)',
  },
  {
    key: 'covalentRadius',
    label: 'Covalent radius',
    unit: 'pm',
    kind: 'linear-bins',
    lo: 25,
    hi: 250,
    n: 10,
    value: (z) => COVALENT_RADIUS_PM[z] ?? null,
    note: 'Cordero et al. 2008 (pymatgen CovalentRadius); none beyond Cm. cgcnn used Pyykkö 2009 radii',
  },
  {
    key: 'valenceElectrons',
    label: 'Valence electrons',
    unit: '',
    kind: 'categorical',
    slots: Array.from({ length: 12 }, (_, i) => String(i + 1)),
    slot: (z) => {
      const v = VALENCE_ELECTRONS[z];
      return v === null || v === undefined || v < 1 ? null : Math.min(v, 12) - 1;
    },
    note: 'outer-shell s+p electrons, plus (n−1)d in the d block; the f block counts its outer s² only',
  },
  {
    key: 'ionizationEnergy',
    label: 'First ionization energy',
    unit: 'eV',
    kind: 'log-bins',
    lo: 1.3,
    hi: 3.3,
    n: 10,
    value: (z) => IONIZATION_ENERGY_EV[z] ?? null,
    note: 'pymatgen "Ionization energies"[0]; bins of ln(E/eV)',
  },
  {
    key: 'electronAffinity',
    label: 'Electron affinity',
    unit: 'eV',
    kind: 'linear-bins',
    lo: -3.0,
    hi: 3.7,
    n: 10,
    value: (z) => {
      const ea = ELECTRON_AFFINITY_EV[z];
      return ea === null || ea === undefined || ea < 0 ? null : ea;
    },
    note: 'pymatgen "Electron affinity"; negative values (unbound anions, estimates) are left all zero',
  },
  {
    key: 'block',
    label: 'Block',
    unit: '',
    kind: 'categorical',
    slots: BLOCKS,
    slot: (z) => {
      const b = BLOCK[z];
      return b === null || b === undefined ? null : BLOCKS.indexOf(b);
    },
    note: 'pymatgen block, with He in the s block (1s²)',
  },
  {
    key: 'atomicVolume',
    label: 'Atomic volume (molar volume)',
    unit: 'cm³/mol',
    kind: 'log-bins',
    lo: 1.5,
    hi: 4.3,
    n: 10,
    value: (z) => MOLAR_VOLUME_CM3[z] ?? null,
    note: 'pymatgen "Molar volume"; bins of ln(V/(cm³/mol)); none for At, Fr, Fm',
  },
];

/**
 * Equal-width bin of x on [lo, hi] with n bins: k = ⌊((x − lo)/(hi − lo))·n⌋ in IEEE doubles, clamped to
 * 0…n−1 (half-open bins; out-of-range values go to the end bins; a value exactly on an edge may land below
 * it by rounding, e.g. ((1.9 − 0.5)/3.5)·10 = 3.9999999999999996, as cgcnn's file has it for Si and Cu).
 * Returns null for a non-finite x.
 */
export function binIndex(x: number, lo: number, hi: number, n: number): number | null {
  if (!Number.isFinite(x)) return null;
  const k = Math.floor(((x - lo) / (hi - lo)) * n);
  return Math.min(Math.max(k, 0), n - 1);
}

/** Slot of element z in one category, or null when the property is unknown. */
function slotOf(spec: Spec, z: number): number | null {
  if (spec.kind === 'categorical') return spec.slot(z);
  const v = spec.value(z);
  if (v === null) return null;
  if (spec.kind === 'log-bins') return v > 0 ? binIndex(Math.log(v), spec.lo, spec.hi, spec.n) : null;
  return binIndex(v, spec.lo, spec.hi, spec.n);
}

function specLength(spec: Spec): number {
  return spec.kind === 'categorical' ? spec.slots.length : spec.n;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The nine categories of the encoding with their dims, bin edges and slot labels (for the README/UI).
 * Linear bins have edges e_k = lo + k·(hi − lo)/n; log bins have edges exp(lo + k·(hi − lo)/n) in the
 * property's unit (ln-space ranges: ionization energy [1.3, 3.3] → 3.67…27.1 eV, atomic volume
 * [1.5, 4.3] → 4.48…73.7 cm³/mol). Slot labels show half-open intervals; the first and last bins also
 * take values below/above the range. Offsets add up to {@link ATOM_ENCODING_DIM} = 92.
 */
export function describeEncoding(): EncodingCategory[] {
  const out: EncodingCategory[] = [];
  let offset = 0;
  for (const spec of SPECS) {
    const length = specLength(spec);
    if (spec.kind === 'categorical') {
      out.push({
        key: spec.key,
        label: spec.label,
        unit: spec.unit,
        offset,
        length,
        kind: spec.kind,
        edges: null,
        slots: spec.slots,
        note: spec.note,
      });
    } else {
      const edges: number[] = [];
      for (let k = 0; k <= spec.n; k++) {
        const e = spec.lo + (k * (spec.hi - spec.lo)) / spec.n;
        edges.push(round(spec.kind === 'log-bins' ? Math.exp(e) : e, 4));
      }
      const slots = edges.slice(0, -1).map((e, k) => `[${e}, ${edges[k + 1] ?? ''})`);
      out.push({
        key: spec.key,
        label: spec.label,
        unit: spec.unit,
        offset,
        length,
        kind: spec.kind,
        edges,
        slots,
        note: spec.note,
      });
    }
    offset += length;
  }
  return out;
}

/**
 * The built-in atom feature table: for each element Z = 1…100, the concatenation of nine one-hot
 * blocks (see the module doc) — row Z has a 1 at `offset_c + slot_c(Z)` for every category c whose
 * property is known, 0 elsewhere. Row 0 (no element) is NaN, like the rows of elements an
 * `atom_init.json` lacks. dim = 92, maxZ = 100, source = 'built-in CGCNN-style encoding'.
 */
export function atomFeatureTable(): AtomInit {
  const maxZ = ELEMENT_PROPERTIES_MAX_Z;
  const dim = ATOM_ENCODING_DIM;
  const table = new Float32Array((maxZ + 1) * dim);
  table.fill(Number.NaN, 0, dim);
  for (let z = 1; z <= maxZ; z++) {
    let offset = 0;
    for (const spec of SPECS) {
      const slot = slotOf(spec, z);
      if (slot !== null) table[z * dim + offset + slot] = 1;
      offset += specLength(spec);
    }
  }
  return { dim, table, maxZ, source: BUILT_IN_ENCODING_SOURCE };
}

/**
 * The one-hot slot of each category in row z of a 92-dim table laid out as {@link describeEncoding}
 * says: slot = the index of the first 1 within the category's dims, or null when they are all 0 (or the
 * row is missing/NaN). Throws when the table is not 92-dimensional.
 */
export function decodeAtomRow(init: AtomInit, z: number): Record<EncodingCategoryKey, number | null> {
  if (init.dim !== ATOM_ENCODING_DIM) {
    throw new RangeError(
      `decodeAtomRow: this table has ${init.dim} features per element; the CGCNN layout has ${ATOM_ENCODING_DIM}.`,
    );
  }
  const out = {} as Record<EncodingCategoryKey, number | null>;
  for (const c of describeEncoding()) {
    let slot: number | null = null;
    if (Number.isInteger(z) && z >= 0 && z <= init.maxZ) {
      for (let i = 0; i < c.length; i++) {
        if (init.table[z * init.dim + c.offset + i] === 1) {
          slot = i;
          break;
        }
      }
    }
    out[c.key] = slot;
  }
  return out;
}

/**
 * Per-category agreement of two 92-dim tables over Z = 1…maxZ: the fraction of elements whose decoded
 * slot ({@link decodeAtomRow}; null when the category is all zero) is the same in both, plus the
 * elements that differ. E.g. `encodingAgreement(atomFeatureTable(), cgcnnAtomInit)`.
 */
export function encodingAgreement(
  a: AtomInit,
  b: AtomInit,
  maxZ = 100,
): Record<EncodingCategoryKey, { fraction: number; differing: number[] }> {
  const out = {} as Record<EncodingCategoryKey, { fraction: number; differing: number[] }>;
  for (const c of describeEncoding()) out[c.key] = { fraction: 0, differing: [] };
  for (let z = 1; z <= maxZ; z++) {
    const da = decodeAtomRow(a, z);
    const db = decodeAtomRow(b, z);
    for (const key of Object.keys(out) as EncodingCategoryKey[]) {
      if (da[key] !== db[key]) out[key].differing.push(z);
    }
  }
  for (const v of Object.values(out)) v.fraction = (maxZ - v.differing.length) / maxZ;
  return out;
}
