/**
 * Chemical elements by atomic number: symbols for Z = 1…118 and the lookups every parser uses.
 * Element *properties* (for the lab's own atom encoding) live in `elementProperties.ts`.
 */

/** ELEMENT_SYMBOLS[Z] is the symbol of element Z; index 0 is a placeholder. */
export const ELEMENT_SYMBOLS: readonly string[] = [
  '',
  'H',
  'He',
  'Li',
  'Be',
  'B',
  'C',
  'N',
  'O',
  'F',
  'Ne',
  'Na',
  'Mg',
  'Al',
  'Si',
  'P',
  'S',
  'Cl',
  'Ar',
  'K',
  'Ca',
  'Sc',
  'Ti',
  'V',
  'Cr',
  'Mn',
  'Fe',
  'Co',
  'Ni',
  'Cu',
  'Zn',
  'Ga',
  'Ge',
  'As',
  'Se',
  'Br',
  'Kr',
  'Rb',
  'Sr',
  'Y',
  'Zr',
  'Nb',
  'Mo',
  'Tc',
  'Ru',
  'Rh',
  'Pd',
  'Ag',
  'Cd',
  'In',
  'Sn',
  'Sb',
  'Te',
  'I',
  'Xe',
  'Cs',
  'Ba',
  'La',
  'Ce',
  'Pr',
  'Nd',
  'Pm',
  'Sm',
  'Eu',
  'Gd',
  'Tb',
  'Dy',
  'Ho',
  'Er',
  'Tm',
  'Yb',
  'Lu',
  'Hf',
  'Ta',
  'W',
  'Re',
  'Os',
  'Ir',
  'Pt',
  'Au',
  'Hg',
  'Tl',
  'Pb',
  'Bi',
  'Po',
  'At',
  'Rn',
  'Fr',
  'Ra',
  'Ac',
  'Th',
  'Pa',
  'U',
  'Np',
  'Pu',
  'Am',
  'Cm',
  'Bk',
  'Cf',
  'Es',
  'Fm',
  'Md',
  'No',
  'Lr',
  'Rf',
  'Db',
  'Sg',
  'Bh',
  'Hs',
  'Mt',
  'Ds',
  'Rg',
  'Cn',
  'Nh',
  'Fl',
  'Mc',
  'Lv',
  'Ts',
  'Og',
];

export const MAX_Z = ELEMENT_SYMBOLS.length - 1;

const BY_SYMBOL = new Map<string, number>(
  ELEMENT_SYMBOLS.map((s, z) => [s.toLowerCase(), z] as const).slice(1),
);

/** Atomic number of an exact element symbol (case-insensitive: 'fe', 'FE', 'Fe'), or null. */
export function atomicNumber(symbol: string): number | null {
  return BY_SYMBOL.get(symbol.trim().toLowerCase()) ?? null;
}

/** Symbol of element Z, or null outside 1…118. */
export function elementSymbol(z: number): string | null {
  return Number.isInteger(z) && z >= 1 && z <= MAX_Z ? (ELEMENT_SYMBOLS[z] ?? null) : null;
}

/**
 * The element of a species label as files write it: 'Fe', 'Fe2+', 'Fe3', 'O2-', 'Na1+', 'Fe1_a', 'OW1'
 * (CIF labels), 'D' (deuterium → H). The leading element symbol wins; a second letter counts only when
 * it is lower-case and makes a real element ('Co' is cobalt, 'CO' and 'Ow' start with C and O).
 * Returns null when the label does not start with an element symbol.
 */
export function elementOfLabel(label: string): number | null {
  const m = /^([A-Za-z])([a-z]?)/.exec(label.trim());
  if (m === null) return null;
  const first = (m[1] ?? '').toUpperCase();
  const second = m[2] ?? '';
  if (second !== '') {
    const two = atomicNumber(first + second);
    if (two !== null) return two;
  }
  if (first === 'D') return 1;
  return atomicNumber(first);
}
