/**
 * The built-in teaching set: crystal structures and formation-energy-like targets generated
 * deterministically from a seed, so the lab opens ready to train with nothing to download. The
 * structures are real prototypes with plausible chemistry; the energies come from a simple, documented
 * model potential — they are SYNTHETIC, not DFT values (see {@link describeTeachingSet}).
 *
 * ## Structures
 *
 * Eight prototypes (site roles in brackets), cubic lattice constant a from Cordero covalent radii R
 * (`elementProperties.ts`) through the cation–anion bond length d = R_cation + R_anion:
 *
 * | prototype | formula | cells (atoms) | a from d |
 * | --- | --- | --- | --- |
 * | rocksalt (Fm-3m) | AX | fcc primitive (2), ×2 (4), conventional (8), primitive 2×2×2 (16), conv. 2×1×1 (16), 2×2×1 (32) | a = 2d |
 * | CsCl (Pm-3m) | AX | 1×1×1 (2), 2×1×1 (4), 2×2×1 (8), 2×2×2 (16), 3×2×2 (24), 3×3×2 (36) | a = 2d/√3 |
 * | zinc blende (F-43m) | AX | primitive (2), conventional (8), conv. 2×1×1 (16), 2×2×1 (32) | a = 4d/√3 |
 * | wurtzite (P6₃mc, ideal c/a = √(8/3), u = 3/8) | AX | 1×1×1 (4), 2×1×1 (8), 1×1×3 (12), 2×2×1 (16), 2×2×2 (32) | c = 8d/3 |
 * | fluorite (Fm-3m) | AX₂ | primitive (3), ×2 (6), conventional (12), conv. 2×1×1 (24), 3×1×1 (36) | a = 4d/√3 |
 * | antifluorite | A₂X | as fluorite with the roles swapped | a = 4d/√3 |
 * | rutile (P4₂/mnm, c/a = 0.644, u = 0.305) | AX₂ | 1×1×1 (6), 1×1×2 (12), 2×1×1 (12), 2×2×1 (24), 1×2×3 (36) | mean of the 6 A–X bonds = d |
 * | cubic perovskite (Pm-3m) | ABX₃ | 1×1×1 (5), 2×1×1 (10), 2×2×1 (20), 2×2×2 (40) | a = (2d_BX + √2·d_AX)/2 |
 *
 * So cells hold 2 … 40 atoms. Every cell is then strained, L' = L·(I + ε) with a symmetric ε whose six
 * independent components are N(0, 0.02²), and every atom is displaced by N(0, (0.03 Å)²) per cartesian
 * component; a structure whose closest pair (periodic images included, `minPairDistance`) is under
 * 1.2 Å — far above the lab's 0.5 Å overlap limit — is redrawn with new strain and displacements.
 *
 * ## Chemistry (nominal oxidation states; every compound is charge balanced)
 *
 * Pools: M⁺ Li Na K Rb Cs Cu Ag Tl; M²⁺ Be Mg Ca Sr Ba Mn Fe Co Ni Zn Cd Sn Pb; M³⁺ B Al Ga In Sc Y La;
 * M⁴⁺ Si Ge Sn Ti Zr Hf Ce Pb; M⁵⁺ V Nb Ta; X⁻ F Cl Br I; X²⁻ O S Se Te; X³⁻ N P As Sb (49 elements).
 * Per prototype (one recipe drawn uniformly, then each role's element uniformly from its pool):
 * rocksalt M⁺X⁻, M²⁺X²⁻, M³⁺X³⁻; CsCl {K Rb Cs Tl Ag}X⁻, {Ca Sr Ba Mn Fe Co Ni Cd Pb}X²⁻; zinc blende
 * and wurtzite {Cu Ag}X⁻, {Be Mg Mn Zn Cd}X²⁻, {B Al Ga In}X³⁻; fluorite {Ca Sr Ba Cd Pb}X⁻₂,
 * {Zr Hf Ce Sn}O₂; antifluorite {Li Na K Rb Cu Ag}₂X²⁻; rutile {Ti Sn Ge Si Pb Zr Hf Mn}{O S}₂,
 * {Mg Mn Fe Co Ni Zn Cd}{F Cl}₂; perovskite {Ca Sr Ba Pb}{Ti Zr Hf Sn Ge Ce}O₃, {Na K Rb Cs}{V Nb Ta}O₃,
 * {La Y}{Al Ga Sc In}O₃, {K Rb Cs}{Mg Mn Fe Co Ni Zn Cd Ca Sn Pb}X⁻₃.
 *
 * ## Energy model (formation-energy-like, eV/atom)
 *
 *   E_f = (1/N) [ ½ Σ_i Σ_{j ≠ i, images, r_ij < r_c} φ_ij(r_ij) − Σ_i μ(Z_i) ]
 *
 *   φ_ij(r) = D_ij · [ e^{−2α(r/r0_ij − 1)} − 2·e^{−α(r/r0_ij − 1)} ] · f_c(r)            (Morse)
 *   r0_ij = R_i + R_j  (Cordero covalent radii),  α = 4
 *   D_ij = D_0 + γ·(1 − e^{−(χ_i − χ_j)²/4})   (covalent part + Pauling's fractional ionic character of
 *          the bond, χ = Pauling electronegativity: ≈ γΔχ²/4 for small Δχ, saturating at D_0 + γ)
 *   f_c(r) = 1 for r ≤ r_c − 1 Å, ½[1 + cos(π(r − r_c + 1)/1 Å)] up to r_c = 6 Å, 0 beyond (smooth)
 *   μ(Z) = ½ Σ_{j} φ_ZZ(r_j) for element Z alone in an ideal fcc crystal with nearest neighbours at 2R_Z
 *          (the same pair sum; the element's reference energy per atom)
 *
 * with D_0 = {@link SYNTHETIC_MODEL}.d0 = 0.1 eV and γ = {@link SYNTHETIC_MODEL}.gamma = 1.3 eV (chosen so
 * the values resemble real formation energies: NaCl (rock salt) −3.0, MgO −3.1, SrTiO₃ −3.2, CaF₂ −3.3,
 * ZnO (wurtzite) −1.2, GaAs (zinc blende) +0.4 eV/atom; the default set has mean ≈ −1.4 and standard
 * deviation ≈ 1.35 eV/atom, range ≈ −5.2 … +0.6). It is a sum of smooth
 * functions of each atom's neighbour distances and species, which is what CGCNN's convolutions can
 * represent; the target depends on composition (through Δχ² and the references) and on structure
 * (coordination, bond lengths, strain, displacements): the same composition in two prototypes has
 * different energies. Finally each target gets label noise N(0, labelNoise²) and, optionally, a fraction
 * of entries gets `outlierShift` added (a simulated failed DFT run), all from the seeded generator.
 */

import { inverse3 } from '../core/mat3.ts';
import { minPairDistance, periodicNeighbors } from './neighbors.ts';
import { Rng } from '../core/rng.ts';
import { COVALENT_RADIUS_PM, ELECTRONEGATIVITY } from './elementProperties.ts';
import { atomicNumber, elementSymbol } from './elements.ts';
import type { Entry, ParsedDataset, Structure } from './types.ts';

/** Settings of the teaching set (see {@link generateTeachingSet} for the defaults). */
export interface TeachingSetOptions {
  /** Seed of the generator (number or string). Default 'teaching-set-v1'. */
  seed: number | string;
  /** Number of structures. Default 2000. */
  size: number;
  /** Standard deviation of the Gaussian label noise, eV/atom. Default 0.02. */
  labelNoise: number;
  /** Fraction of entries that get `outlierShift` added (0 … 1). Default 0. */
  outlierFraction: number;
  /** What is added to an outlier's target, eV/atom. Default +2000 (a "failed DFT" value). */
  outlierShift: number;
  /** Called now and then with (structures done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** The default settings. */
export const TEACHING_SET_DEFAULTS: Readonly<Omit<TeachingSetOptions, 'onProgress'>> = Object.freeze({
  seed: 'teaching-set-v1',
  size: 2000,
  labelNoise: 0.02,
  outlierFraction: 0,
  outlierShift: 2000,
});

/** A generated teaching set: a ParsedDataset plus what tests and the UI need to check it. */
export interface TeachingSet extends ParsedDataset {
  /** Ids of the entries whose target got `outlierShift` added, in entry order. */
  outlierIds: string[];
  /** Entry indices of those outliers, ascending. */
  outlierIndices: number[];
  /** The noise-free model energy of every entry (eV/atom), in entry order. */
  cleanTargets: Float64Array;
  /** Prototype of every entry, in entry order. */
  prototypes: TeachingPrototype[];
}

/** The structure prototypes of the teaching set. */
export type TeachingPrototype =
  'rocksalt' | 'cscl' | 'zincblende' | 'wurtzite' | 'fluorite' | 'antifluorite' | 'rutile' | 'perovskite';

export const TEACHING_PROTOTYPES: readonly TeachingPrototype[] = [
  'rocksalt',
  'cscl',
  'zincblende',
  'wurtzite',
  'fluorite',
  'antifluorite',
  'rutile',
  'perovskite',
];

/** Parameters of the energy model (see the module doc). */
export const SYNTHETIC_MODEL = Object.freeze({
  /** Morse stiffness α (dimensionless: the exponent is α(r/r0 − 1)). */
  alpha: 4,
  /** Covalent part of every well depth, eV. */
  d0: 0.1,
  /** Ionic part of the well depth at full ionic character, eV. */
  gamma: 1.3,
  /** Pair cutoff r_c, Å (smoothly switched off over the last 1 Å). */
  cutoff: 6,
  /** Std of each independent symmetric-strain component. */
  strain: 0.02,
  /** Std of the random displacement per cartesian component, Å. */
  rattle: 0.03,
  /** Structures with a closer pair are redrawn, Å. */
  minDistance: 1.2,
});

// ---------------------------------------------------------------------------------------------------
// Chemistry
// ---------------------------------------------------------------------------------------------------

type Role = 'A' | 'B' | 'X';

/** One chemical recipe: for each role, the pool its element is drawn from. */
type Recipe = Partial<Record<Role, readonly string[]>>;

const M1 = ['Li', 'Na', 'K', 'Rb', 'Cs', 'Cu', 'Ag', 'Tl'];
const M2 = ['Be', 'Mg', 'Ca', 'Sr', 'Ba', 'Mn', 'Fe', 'Co', 'Ni', 'Zn', 'Cd', 'Sn', 'Pb'];
const M3 = ['B', 'Al', 'Ga', 'In', 'Sc', 'Y', 'La'];
const X1 = ['F', 'Cl', 'Br', 'I'];
const X2 = ['O', 'S', 'Se', 'Te'];
const X3 = ['N', 'P', 'As', 'Sb'];

const RECIPES: Record<TeachingPrototype, readonly Recipe[]> = {
  rocksalt: [
    { A: M1, X: X1 },
    { A: M2, X: X2 },
    { A: M3, X: X3 },
  ],
  cscl: [
    { A: ['K', 'Rb', 'Cs', 'Tl', 'Ag'], X: X1 },
    { A: ['Ca', 'Sr', 'Ba', 'Mn', 'Fe', 'Co', 'Ni', 'Cd', 'Pb'], X: X2 },
  ],
  zincblende: [
    { A: ['Cu', 'Ag'], X: X1 },
    { A: ['Be', 'Mg', 'Mn', 'Zn', 'Cd'], X: X2 },
    { A: ['B', 'Al', 'Ga', 'In'], X: X3 },
  ],
  wurtzite: [
    { A: ['Cu', 'Ag'], X: X1 },
    { A: ['Be', 'Mg', 'Mn', 'Zn', 'Cd'], X: X2 },
    { A: ['B', 'Al', 'Ga', 'In'], X: X3 },
  ],
  fluorite: [
    { A: ['Ca', 'Sr', 'Ba', 'Cd', 'Pb'], X: X1 },
    { A: ['Zr', 'Hf', 'Ce', 'Sn'], X: ['O'] },
  ],
  antifluorite: [{ A: ['Li', 'Na', 'K', 'Rb', 'Cu', 'Ag'], X: X2 }],
  rutile: [
    { A: ['Ti', 'Sn', 'Ge', 'Si', 'Pb', 'Zr', 'Hf', 'Mn'], X: ['O', 'S'] },
    { A: ['Mg', 'Mn', 'Fe', 'Co', 'Ni', 'Zn', 'Cd'], X: ['F', 'Cl'] },
  ],
  perovskite: [
    { A: ['Ca', 'Sr', 'Ba', 'Pb'], B: ['Ti', 'Zr', 'Hf', 'Sn', 'Ge', 'Ce'], X: ['O'] },
    { A: ['Na', 'K', 'Rb', 'Cs'], B: ['V', 'Nb', 'Ta'], X: ['O'] },
    { A: ['La', 'Y'], B: ['Al', 'Ga', 'Sc', 'In'], X: ['O'] },
    { A: ['K', 'Rb', 'Cs'], B: ['Mg', 'Mn', 'Fe', 'Co', 'Ni', 'Zn', 'Cd', 'Ca', 'Sn', 'Pb'], X: X1 },
  ],
};

/** Every element any recipe can use (for documentation and tests). */
export function teachingSetElements(): string[] {
  const set = new Set<string>();
  for (const recipes of Object.values(RECIPES)) {
    for (const r of recipes) for (const pool of Object.values(r)) for (const s of pool) set.add(s);
  }
  return [...set].sort((a, b) => (atomicNumber(a) ?? 0) - (atomicNumber(b) ?? 0));
}

// ---------------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------------

interface Site {
  role: Role;
  f: readonly [number, number, number];
}

/** A cell of a prototype for a given lattice parameter: rows of the lattice (Å) and role-tagged sites. */
interface Cell {
  lattice: number[];
  sites: Site[];
}

/** One cell variant: conventional or primitive, replicated n₁×n₂×n₃. */
interface Variant {
  conventional: boolean;
  rep: readonly [number, number, number];
}

const FCC_PRIMITIVE = [0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0];
const FCC_POSITIONS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
  [0.5, 0.5, 0],
];

const prim = (...rep: [number, number, number]): Variant => ({ conventional: false, rep });
const conv = (...rep: [number, number, number]): Variant => ({ conventional: true, rep });

const VARIANTS: Record<TeachingPrototype, readonly Variant[]> = {
  rocksalt: [prim(1, 1, 1), prim(2, 1, 1), conv(1, 1, 1), prim(2, 2, 2), conv(2, 1, 1), conv(2, 2, 1)],
  cscl: [prim(1, 1, 1), prim(2, 1, 1), prim(2, 2, 1), prim(2, 2, 2), prim(3, 2, 2), prim(3, 3, 2)],
  zincblende: [prim(1, 1, 1), conv(1, 1, 1), conv(2, 1, 1), conv(2, 2, 1)],
  wurtzite: [prim(1, 1, 1), prim(2, 1, 1), prim(1, 1, 3), prim(2, 2, 1), prim(2, 2, 2)],
  fluorite: [prim(1, 1, 1), prim(2, 1, 1), conv(1, 1, 1), conv(2, 1, 1), conv(3, 1, 1)],
  antifluorite: [prim(1, 1, 1), prim(2, 1, 1), conv(1, 1, 1), conv(2, 1, 1), conv(3, 1, 1)],
  rutile: [prim(1, 1, 1), prim(1, 1, 2), prim(2, 1, 1), prim(2, 2, 1), prim(1, 2, 3)],
  perovskite: [prim(1, 1, 1), prim(2, 1, 1), prim(2, 2, 1), prim(2, 2, 2)],
};

const RUTILE_U = 0.305;
const RUTILE_C_OVER_A = 0.644;
const WURTZITE_U = 3 / 8;

function scaled(m: readonly number[], s: number): number[] {
  return m.map((v) => v * s);
}

/** The fluorite family: cation role `c` on the fcc sites, anion role `x` on the 8 tetrahedral sites. */
function fluoriteCell(a: number, conventional: boolean, c: Role, x: Role): Cell {
  if (!conventional) {
    return {
      lattice: scaled(FCC_PRIMITIVE, a),
      sites: [
        { role: c, f: [0, 0, 0] },
        { role: x, f: [0.25, 0.25, 0.25] },
        { role: x, f: [0.75, 0.75, 0.75] },
      ],
    };
  }
  const sites: Site[] = FCC_POSITIONS.map((f) => ({ role: c, f }));
  for (const u of [0.25, 0.75]) {
    for (const v of [0.25, 0.75]) for (const w of [0.25, 0.75]) sites.push({ role: x, f: [u, v, w] });
  }
  return { lattice: [a, 0, 0, 0, a, 0, 0, 0, a], sites };
}

/**
 * The ideal (unstrained) cell of a prototype with cation–anion bond length d (Å); for the perovskite
 * d is the B–X length and dAX the A–X length.
 */
function idealCell(proto: TeachingPrototype, conventional: boolean, d: number, dAX: number): Cell {
  const cubic = (a: number): number[] => [a, 0, 0, 0, a, 0, 0, 0, a];
  switch (proto) {
    case 'rocksalt': {
      const a = 2 * d;
      if (!conventional) {
        return {
          lattice: scaled(FCC_PRIMITIVE, a),
          sites: [
            { role: 'A', f: [0, 0, 0] },
            { role: 'X', f: [0.5, 0.5, 0.5] },
          ],
        };
      }
      const sites: Site[] = FCC_POSITIONS.map((f) => ({ role: 'A', f }));
      for (const [u, v, w] of FCC_POSITIONS) sites.push({ role: 'X', f: [(u + 0.5) % 1, v, w] });
      return { lattice: cubic(a), sites };
    }
    case 'cscl': {
      const a = (2 * d) / Math.sqrt(3);
      return {
        lattice: cubic(a),
        sites: [
          { role: 'A', f: [0, 0, 0] },
          { role: 'X', f: [0.5, 0.5, 0.5] },
        ],
      };
    }
    case 'zincblende': {
      const a = (4 * d) / Math.sqrt(3);
      if (!conventional) {
        return {
          lattice: scaled(FCC_PRIMITIVE, a),
          sites: [
            { role: 'A', f: [0, 0, 0] },
            { role: 'X', f: [0.25, 0.25, 0.25] },
          ],
        };
      }
      const sites: Site[] = FCC_POSITIONS.map((f) => ({ role: 'A', f }));
      for (const [u, v, w] of FCC_POSITIONS) sites.push({ role: 'X', f: [u + 0.25, v + 0.25, w + 0.25] });
      return { lattice: cubic(a), sites };
    }
    case 'wurtzite': {
      const c = (8 * d) / 3;
      const a = c / Math.sqrt(8 / 3);
      const u = WURTZITE_U;
      return {
        lattice: [a, 0, 0, -a / 2, (a * Math.sqrt(3)) / 2, 0, 0, 0, c],
        sites: [
          { role: 'A', f: [1 / 3, 2 / 3, 0] },
          { role: 'A', f: [2 / 3, 1 / 3, 0.5] },
          { role: 'X', f: [1 / 3, 2 / 3, u] },
          { role: 'X', f: [2 / 3, 1 / 3, 0.5 + u] },
        ],
      };
    }
    case 'fluorite':
      return fluoriteCell((4 * d) / Math.sqrt(3), conventional, 'A', 'X');
    case 'antifluorite':
      return fluoriteCell((4 * d) / Math.sqrt(3), conventional, 'X', 'A');
    case 'rutile': {
      const u = RUTILE_U;
      const q = RUTILE_C_OVER_A;
      // Mean of the 2 apical (√2·u·a) and 4 equatorial (a·√(2(½ − u)² + q²/4)) bond lengths = d.
      const mean = (2 * Math.SQRT2 * u + 4 * Math.sqrt(2 * (0.5 - u) ** 2 + (q * q) / 4)) / 6;
      const a = d / mean;
      return {
        lattice: [a, 0, 0, 0, a, 0, 0, 0, q * a],
        sites: [
          { role: 'A', f: [0, 0, 0] },
          { role: 'A', f: [0.5, 0.5, 0.5] },
          { role: 'X', f: [u, u, 0] },
          { role: 'X', f: [1 - u, 1 - u, 0] },
          { role: 'X', f: [0.5 + u, 0.5 - u, 0.5] },
          { role: 'X', f: [0.5 - u, 0.5 + u, 0.5] },
        ],
      };
    }
    case 'perovskite': {
      const a = (2 * d + Math.SQRT2 * dAX) / 2;
      return {
        lattice: cubic(a),
        sites: [
          { role: 'B', f: [0, 0, 0] },
          { role: 'A', f: [0.5, 0.5, 0.5] },
          { role: 'X', f: [0.5, 0, 0] },
          { role: 'X', f: [0, 0.5, 0] },
          { role: 'X', f: [0, 0, 0.5] },
        ],
      };
    }
  }
}

/** Replicates a cell n₁×n₂×n₃ (lattice rows scaled, fractional coordinates (f + k)/n). */
function supercell(cell: Cell, rep: readonly [number, number, number]): Cell {
  const [n1, n2, n3] = rep;
  const L = cell.lattice;
  const lattice = [...scaled(L.slice(0, 3), n1), ...scaled(L.slice(3, 6), n2), ...scaled(L.slice(6, 9), n3)];
  const sites: Site[] = [];
  for (const s of cell.sites) {
    for (let i = 0; i < n1; i++) {
      for (let j = 0; j < n2; j++) {
        for (let k = 0; k < n3; k++) {
          sites.push({ role: s.role, f: [(s.f[0] + i) / n1, (s.f[1] + j) / n2, (s.f[2] + k) / n3] });
        }
      }
    }
  }
  return { lattice, sites };
}

function radiusOf(z: number): number {
  const r = COVALENT_RADIUS_PM[z];
  if (r === null || r === undefined) throw new Error(`The teaching set has no covalent radius for Z = ${z}.`);
  return r / 100;
}

function electronegativityOf(z: number): number {
  const x = ELECTRONEGATIVITY[z];
  if (x === null || x === undefined) {
    throw new Error(`The teaching set has no electronegativity for ${elementSymbol(z) ?? `Z = ${z}`}.`);
  }
  return x;
}

function z(symbol: string): number {
  const n = atomicNumber(symbol);
  if (n === null) throw new Error(`Unknown element ${symbol} in the teaching-set recipes.`);
  return n;
}

/**
 * The ideal (unstrained, undisplaced) structure of a prototype for the given elements, with the lattice
 * parameter from covalent radii as in the module doc. `species` gives the element symbol of each role:
 * { A, X } for the binary prototypes (A is the cation, also in antifluorite A₂X), { A, B, X } for the
 * perovskite ABX₃. `cell` picks the cell variant (index into the prototype's variant list, default 0: the
 * smallest cell). Throws for an unknown element or a missing role.
 */
export function prototypeStructure(
  proto: TeachingPrototype,
  species: Partial<Record<Role, string>>,
  cell = 0,
): Structure {
  const variant = VARIANTS[proto][cell];
  if (variant === undefined) {
    throw new RangeError(`The ${proto} prototype has ${VARIANTS[proto].length} cell variants; got ${cell}.`);
  }
  const zOf = (role: Role): number => {
    const s = species[role];
    if (s === undefined) throw new Error(`The ${proto} prototype needs an element for role ${role}.`);
    return z(s);
  };
  const zA = zOf('A');
  const zX = zOf('X');
  const zB = proto === 'perovskite' ? zOf('B') : zA;
  const dMain = radiusOf(zB) + radiusOf(zX);
  const dAX = radiusOf(zA) + radiusOf(zX);
  const c = supercell(idealCell(proto, variant.conventional, dMain, dAX), variant.rep);
  const n = c.sites.length;
  const numbers = new Uint8Array(n);
  const frac = new Float64Array(3 * n);
  c.sites.forEach((s, i) => {
    numbers[i] = s.role === 'A' ? zA : s.role === 'B' ? zB : zX;
    frac[3 * i] = s.f[0];
    frac[3 * i + 1] = s.f[1];
    frac[3 * i + 2] = s.f[2];
  });
  return { lattice: Float64Array.from(c.lattice), numbers, frac };
}

/** Number of cell variants of a prototype (for {@link prototypeStructure}'s `cell`). */
export function prototypeCellCount(proto: TeachingPrototype): number {
  return VARIANTS[proto].length;
}

/**
 * Applies a random symmetric strain (six components N(0, σ_ε²)) and random cartesian displacements
 * (N(0, σ_r²) Å each) to a structure, returning a new one: L' = L·(I + ε), f' = f + Δx·L'⁻¹.
 */
function perturb(s: Structure, rng: Rng, strain: number, rattle: number): Structure {
  const e = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      const v = rng.normal(0, strain);
      e[3 * i + j] = v;
      e[3 * j + i] = v;
    }
  }
  for (let i = 0; i < 3; i++) e[4 * i] = (e[4 * i] ?? 0) + 1;
  const L = s.lattice;
  const lattice = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += (L[3 * r + k] ?? 0) * (e[3 * k + c] ?? 0);
      lattice[3 * r + c] = sum;
    }
  }
  const inv = inverse3(lattice);
  const n = s.numbers.length;
  const frac = Float64Array.from(s.frac);
  for (let i = 0; i < n; i++) {
    const dx = [rng.normal(0, rattle), rng.normal(0, rattle), rng.normal(0, rattle)];
    for (let c = 0; c < 3; c++) {
      let df = 0;
      for (let k = 0; k < 3; k++) df += (dx[k] ?? 0) * (inv[3 * k + c] ?? 0);
      frac[3 * i + c] = (frac[3 * i + c] ?? 0) + df;
    }
  }
  return { lattice, numbers: Uint8Array.from(s.numbers), frac };
}

// ---------------------------------------------------------------------------------------------------
// Energy
// ---------------------------------------------------------------------------------------------------

/** Smooth cutoff: 1 up to r_c − 1 Å, cosine down to 0 at r_c. */
function cutoffFn(r: number, rc: number): number {
  if (r <= rc - 1) return 1;
  if (r >= rc) return 0;
  return 0.5 * (1 + Math.cos(Math.PI * (r - (rc - 1))));
}

/** φ_ij(r) of the module doc for elements zi, zj. */
function pairEnergy(zi: number, zj: number, r: number): number {
  const { alpha, d0, gamma, cutoff } = SYNTHETIC_MODEL;
  const r0 = radiusOf(zi) + radiusOf(zj);
  const dx = electronegativityOf(zi) - electronegativityOf(zj);
  const depth = d0 + gamma * (1 - Math.exp(-(dx * dx) / 4));
  const t = Math.exp(-alpha * (r / r0 - 1));
  return depth * (t * t - 2 * t) * cutoffFn(r, cutoff);
}

/** ½ Σ_i Σ_j φ_ij over all neighbours within the cutoff (periodicNeighbors), eV per cell. */
function pairSum(structure: Structure): number {
  const nl = periodicNeighbors(structure, SYNTHETIC_MODEL.cutoff);
  const nums = structure.numbers;
  let e = 0;
  for (let i = 0; i < nl.nSites; i++) {
    const zi = nums[i] ?? 0;
    const end = nl.offsets[i + 1] ?? 0;
    for (let k = nl.offsets[i] ?? 0; k < end; k++) {
      e += pairEnergy(zi, nums[nl.index[k] ?? 0] ?? 0, nl.dist[k] ?? 0);
    }
  }
  return e / 2;
}

const referenceCache = new Map<number, number>();

/**
 * μ(Z): the model energy per atom of element Z alone in an ideal fcc crystal with nearest-neighbour
 * distance 2R_Z (the Morse minimum of the like pair) — the element's reference energy (eV/atom).
 */
export function elementReferenceEnergy(zNum: number): number {
  const cached = referenceCache.get(zNum);
  if (cached !== undefined) return cached;
  const a = 2 * radiusOf(zNum) * Math.SQRT2;
  const fcc: Structure = {
    lattice: Float64Array.from(scaled(FCC_PRIMITIVE, a)),
    numbers: Uint8Array.of(zNum),
    frac: new Float64Array(3),
  };
  const mu = pairSum(fcc);
  referenceCache.set(zNum, mu);
  return mu;
}

/**
 * The teaching set's noise-free target for a structure: the formation-energy-like model energy
 * E_f = (½ Σ_i Σ_j φ_ij(r_ij) − Σ_i μ(Z_i)) / N in eV/atom (formula in the module doc; pair sum over all
 * periodic neighbours within 6 Å via `periodicNeighbors`). Works for any structure whose elements have a
 * covalent radius and an electronegativity in `elementProperties.ts`; throws otherwise.
 */
export function syntheticEnergyPerAtom(structure: Structure): number {
  const n = structure.numbers.length;
  if (n === 0) throw new Error('The synthetic energy needs at least one atom.');
  let ref = 0;
  for (const zi of structure.numbers) ref += elementReferenceEnergy(zi);
  return (pairSum(structure) - ref) / n;
}

// ---------------------------------------------------------------------------------------------------
// The set
// ---------------------------------------------------------------------------------------------------

function pick<T>(rng: Rng, items: readonly T[]): T {
  const v = items[rng.int(items.length)];
  if (v === undefined) throw new Error('pick from an empty list');
  return v;
}

/** Reduced formula in role order (A, B, X) with the prototype's stoichiometry, e.g. 'SrTiO3', 'Li2O'. */
function formulaOf(proto: TeachingPrototype, species: Partial<Record<Role, string>>): string {
  const count: Record<TeachingPrototype, Partial<Record<Role, number>>> = {
    rocksalt: { A: 1, X: 1 },
    cscl: { A: 1, X: 1 },
    zincblende: { A: 1, X: 1 },
    wurtzite: { A: 1, X: 1 },
    fluorite: { A: 1, X: 2 },
    antifluorite: { A: 2, X: 1 },
    rutile: { A: 1, X: 2 },
    perovskite: { A: 1, B: 1, X: 3 },
  };
  let out = '';
  for (const role of ['A', 'B', 'X'] as const) {
    const s = species[role];
    const k = count[proto][role];
    if (s === undefined || k === undefined) continue;
    out += k === 1 ? s : `${s}${k}`;
  }
  return out;
}

function checkOptions(o: Omit<TeachingSetOptions, 'onProgress'>): void {
  if (!Number.isInteger(o.size) || o.size < 1 || o.size > 100_000) {
    throw new RangeError(`Teaching set size must be a whole number from 1 to 100000, got ${o.size}.`);
  }
  if (!(Number.isFinite(o.labelNoise) && o.labelNoise >= 0)) {
    throw new RangeError(`Label noise must be a number ≥ 0 (eV/atom), got ${o.labelNoise}.`);
  }
  if (!(Number.isFinite(o.outlierFraction) && o.outlierFraction >= 0 && o.outlierFraction <= 1)) {
    throw new RangeError(`Outlier fraction must be between 0 and 1, got ${o.outlierFraction}.`);
  }
  if (!Number.isFinite(o.outlierShift)) {
    throw new RangeError(`Outlier shift must be a finite number of eV/atom, got ${o.outlierShift}.`);
  }
}

/**
 * Generates the built-in teaching set (module doc: prototypes, chemistry, energy model), fully
 * determined by the options. Defaults: seed 'teaching-set-v1', size 2000, labelNoise 0.02 eV/atom,
 * outlierFraction 0, outlierShift +2000 eV/atom.
 *
 * Entry i (1-based id `syn-00001-NaCl-rocksalt`) draws from its own stream `fork(root, 'entry-i')` of
 * the seeded xoshiro128** generator: prototype uniformly from the eight, recipe uniformly, each role's
 * element uniformly from its pool, cell variant uniformly, then strain and displacements (redrawn until
 * the closest pair is ≥ 1.2 Å), then its label noise N(0, labelNoise²). So a smaller set is a prefix of a
 * larger one with the same seed. target_i = E_f(structure_i) + noise_i (+ outlierShift for the
 * round(outlierFraction·size) entries picked by a seeded permutation, stream 'outliers').
 *
 * Returns a ParsedDataset (format 'synthetic', target 'energy_per_atom' in eV/atom, atomInit null: the
 * built-in encoding is used) extended with the outliers' ids/indices, the noise-free targets and each
 * entry's prototype.
 */
export function generateTeachingSet(opts: Partial<TeachingSetOptions> = {}): TeachingSet {
  const o = { ...TEACHING_SET_DEFAULTS, ...stripUndefined(opts) };
  checkOptions(o);
  const root = new Rng(o.seed);
  const entries: Entry[] = [];
  const clean = new Float64Array(o.size);
  const prototypes: TeachingPrototype[] = [];
  const progressEvery = Math.max(1, Math.floor(o.size / 50));
  const name = 'Built-in teaching set (synthetic)';
  for (let i = 0; i < o.size; i++) {
    const rng = root.fork(`entry-${i + 1}`);
    const proto = pick(rng, TEACHING_PROTOTYPES);
    const recipe = pick(rng, RECIPES[proto]);
    const species: Partial<Record<Role, string>> = {};
    for (const role of ['A', 'B', 'X'] as const) {
      const pool = recipe[role];
      if (pool !== undefined) species[role] = pick(rng, pool);
    }
    const cellIndex = rng.int(VARIANTS[proto].length);
    const ideal = prototypeStructure(proto, species, cellIndex);
    let structure: Structure | null = null;
    for (let attempt = 0; attempt < 50 && structure === null; attempt++) {
      const s = perturb(ideal, rng, SYNTHETIC_MODEL.strain, SYNTHETIC_MODEL.rattle);
      if (minPairDistance(s).distance >= SYNTHETIC_MODEL.minDistance) structure = s;
    }
    const formula = formulaOf(proto, species);
    if (structure === null) {
      throw new Error(
        `Could not generate a valid ${formula} ${proto} structure (atoms kept coming closer than ` +
          `${SYNTHETIC_MODEL.minDistance} Å); this is a bug in the teaching-set generator.`,
      );
    }
    const e = syntheticEnergyPerAtom(structure);
    clean[i] = e;
    const noise = o.labelNoise > 0 ? rng.normal(0, o.labelNoise) : 0;
    const id = `syn-${String(i + 1).padStart(5, '0')}-${formula}-${proto}`;
    entries.push({ id, structure, target: e + noise, source: { file: name, row: i + 1 } });
    prototypes.push(proto);
    if (o.onProgress && ((i + 1) % progressEvery === 0 || i + 1 === o.size)) o.onProgress(i + 1, o.size);
  }

  const nOutliers = Math.round(o.outlierFraction * o.size);
  const outlierIndices = root
    .fork('outliers')
    .permutation(o.size)
    .slice(0, nOutliers)
    .sort((a, b) => a - b);
  for (const k of outlierIndices) {
    const entry = entries[k];
    if (entry !== undefined) entry.target += o.outlierShift;
  }
  const outlierIds = outlierIndices.map((k) => entries[k]?.id ?? '');
  const warnings: string[] = [];
  if (nOutliers > 0) {
    warnings.push(
      `${nOutliers} of ${o.size} targets have ${o.outlierShift} eV/atom added on purpose (simulated failed ` +
        `DFT runs) so the outlier filter has something to catch: ${outlierIds.join(', ')}.`,
    );
  }
  return {
    name,
    format: 'synthetic',
    entries,
    rejected: [],
    target: 'energy_per_atom',
    targetChoices: ['energy_per_atom'],
    atomInit: null,
    warnings,
    outlierIds,
    outlierIndices,
    cleanTargets: clean,
    prototypes,
  };
}

function stripUndefined(o: Partial<TeachingSetOptions>): Partial<TeachingSetOptions> {
  const out: Partial<TeachingSetOptions> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * A plain-language description of the teaching set for the UI and README: what it contains, how the
 * target is computed (the formula), and that it is synthetic.
 */
export function describeTeachingSet(): string {
  const m = SYNTHETIC_MODEL;
  return [
    'Built-in teaching set — SYNTHETIC data, generated in your browser from a seed (nothing is downloaded).',
    `Structures: ${TEACHING_PROTOTYPES.length} crystal prototypes (rock salt, CsCl, zinc blende, wurtzite, ` +
      'fluorite, antifluorite, rutile, cubic perovskite) in cells of 2–40 atoms, with charge-balanced ' +
      `compositions from ${teachingSetElements().length} elements, lattice constants from covalent radii, ` +
      `random strain (${m.strain * 100}% per component) and atomic displacements (${m.rattle} Å).`,
    'Target: a formation-energy-like value in eV/atom from a model potential, not from DFT:',
    '  E_f = (½ Σ_i Σ_j φ_ij(r_ij) − Σ_i μ(Z_i)) / N,',
    `  φ_ij(r) = D_ij·[exp(−2α(r/r0 − 1)) − 2·exp(−α(r/r0 − 1))] (Morse, α = ${m.alpha}, cut off smoothly at ${m.cutoff} Å),`,
    `  r0 = R_i + R_j (covalent radii), D_ij = ${m.d0} eV + ${m.gamma} eV·(1 − exp(−(χ_i − χ_j)²/4))`,
    "  (a covalent part plus Pauling's ionic character of the bond, χ = Pauling electronegativity),",
    '  μ(Z) = the same energy per atom for the pure element in an ideal fcc crystal.',
    'Label noise (default 0.02 eV/atom) is added, and optionally a fraction of "failed DFT" outliers ' +
      '(+2000 eV/atom by default) for the outlier filter to catch.',
    'Values fall mostly between −5 and +1 eV/atom, like real formation energies, but they are not real ' +
      'formation energies: use the set to learn how training works, not for materials conclusions.',
  ].join('\n');
}
