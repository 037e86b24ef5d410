/**
 * Element properties for Z = 1…100, for the lab's own CGCNN-style atom encoding (`atomEncoding.ts`) and the
 * synthetic teaching set (`synthetic.ts`).
 *
 * GENERATED FILE — do not edit by hand. Regenerate with `/usr/bin/python3 scripts/gen-element-properties.py`
 * (see that script for every rule).
 * Source: pymatgen 2022.11.7 (Debian python3-pymatgen), `pymatgen/core/periodic_table.json`
 * (sha256 fc894a6e26ef77e011ef2e463d6b37390ef341e946a0d3b9e8d5d587aa194828) and `pymatgen.analysis.molecule_structure_comparator.CovalentRadius`.
 * pymatgen is MIT licensed: Copyright (c) 2011-2020 Shyue Ping Ong and the Pymatgen Development Team.
 * These data are redistributed here under the same MIT license.
 *
 * Every array is indexed by atomic number Z (index 0 is a placeholder `null`); `null` = unknown.
 *
 * | array | meaning | unit | pymatgen source | unknown (null) for |
 * | --- | --- | --- | --- | --- |
 * | GROUP | IUPAC group 1–18 (La–Yb and Ac–No: 3, as pymatgen) | — | `Element.group` | none |
 * | PERIOD | period (row) 1–7 | — | `Element.row` | none |
 * | BLOCK | s, p, d or f (He written 's'; pymatgen says 'p') | — | `Element.block` | none |
 * | ELECTRONEGATIVITY | Pauling electronegativity | — | json "X" | He, Ne, Ar |
 * | COVALENT_RADIUS_PM | covalent radius, Cordero et al. 2008 | pm | `CovalentRadius.radius` (Å × 100) | Bk, Cf, Es, Fm |
 * | VALENCE_ELECTRONS | s+p electrons of the outer shell, + (n−1)d for the d block (f block: outer s only) | — | json "Electronic structure" | none |
 * | IONIZATION_ENERGY_EV | first ionization energy | eV | json "Ionization energies"[0] | none |
 * | ELECTRON_AFFINITY_EV | electron affinity (negative: unbound anion, an estimate) | eV | json "Electron affinity" | none |
 * | MOLAR_VOLUME_CM3 | molar volume of the element (the "atomic volume" of cgcnn's encoding) | cm³/mol | json "Molar volume" | At, Fr, Fm |
 */

/** One of the four blocks of the periodic table. */
export type Block = 's' | 'p' | 'd' | 'f';

/** Largest atomic number covered by these tables. */
export const ELEMENT_PROPERTIES_MAX_Z = 100;

/** GROUP[Z]: IUPAC group 1–18 (pymatgen `Element.group`; the f block gets 3). */
// prettier-ignore
export const GROUP: readonly (number | null)[] = [null,1,18,1,2,13,14,15,16,17,18,1,2,13,14,15,16,17,18,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,1,2,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,1,2,3,3,3,3,3,3,3,3,3,3,3,3];

/** PERIOD[Z]: period (row) 1–7 (pymatgen `Element.row`). */
// prettier-ignore
export const PERIOD: readonly (number | null)[] = [null,1,1,2,2,2,2,2,2,2,2,3,3,3,3,3,3,3,3,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7];

/** BLOCK[Z]: s, p, d or f (pymatgen `Element.block`; He is 's'). */
// prettier-ignore
export const BLOCK: readonly (Block | null)[] = [null,'s','s','s','s','p','p','p','p','p','p','s','s','p','p','p','p','p','p','s','s','d','d','d','d','d','d','d','d','d','d','p','p','p','p','p','p','s','s','d','d','d','d','d','d','d','d','d','d','p','p','p','p','p','p','s','s','f','f','f','f','f','f','f','f','f','f','f','f','f','f','d','d','d','d','d','d','d','d','d','d','p','p','p','p','p','p','s','s','f','f','f','f','f','f','f','f','f','f','f','f'];

/** ELECTRONEGATIVITY[Z]: Pauling electronegativity (pymatgen "X"). */
// prettier-ignore
export const ELECTRONEGATIVITY: readonly (number | null)[] = [null,2.2,null,0.98,1.57,2.04,2.55,3.04,3.44,3.98,null,0.93,1.31,1.61,1.9,2.19,2.58,3.16,null,0.82,1,1.36,1.54,1.63,1.66,1.55,1.83,1.88,1.91,1.9,1.65,1.81,2.01,2.18,2.55,2.96,3,0.82,0.95,1.22,1.33,1.6,2.16,1.9,2.2,2.28,2.2,1.93,1.69,1.78,1.96,2.05,2.1,2.66,2.6,0.79,0.89,1.1,1.12,1.13,1.14,1.13,1.17,1.2,1.2,1.1,1.22,1.23,1.24,1.25,1.1,1.27,1.3,1.5,2.36,1.9,2.2,2.2,2.28,2.54,2,1.62,2.33,2.02,2,2.2,2.2,0.7,0.9,1.1,1.3,1.5,1.38,1.36,1.28,1.3,1.3,1.3,1.3,1.3,1.3];

/** COVALENT_RADIUS_PM[Z]: covalent radius in pm (Cordero et al. 2008, via pymatgen). */
// prettier-ignore
export const COVALENT_RADIUS_PM: readonly (number | null)[] = [null,31,28,128,96,84,73,71,66,57,58,166,141,121,111,107,105,102,106,203,176,170,160,153,139,150,142,138,124,132,122,122,120,119,120,120,116,220,195,190,175,164,154,147,146,142,139,145,144,142,139,139,138,139,140,244,215,207,204,203,201,199,198,198,196,194,192,192,189,190,187,187,175,170,162,151,144,141,136,136,132,145,146,148,140,150,150,260,221,215,206,200,196,190,187,180,169,null,null,null,null];

/** VALENCE_ELECTRONS[Z]: valence electrons (outer-shell s+p, + (n−1)d in the d block). */
// prettier-ignore
export const VALENCE_ELECTRONS: readonly (number | null)[] = [null,1,2,1,2,3,4,5,6,7,8,1,2,3,4,5,6,7,8,1,2,3,4,5,6,7,8,9,10,11,12,3,4,5,6,7,8,1,2,3,4,5,6,7,8,9,10,11,12,3,4,5,6,7,8,1,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,3,4,5,6,7,8,9,10,11,12,3,4,5,6,7,8,1,2,2,2,2,2,2,2,2,2,2,2,2,2];

/** IONIZATION_ENERGY_EV[Z]: first ionization energy in eV. */
// prettier-ignore
export const IONIZATION_ENERGY_EV: readonly (number | null)[] = [null,13.5984,24.5874,5.3917,9.3227,8.298,11.2603,14.5341,13.6181,17.4228,21.5645,5.1391,7.6462,5.9858,8.1517,10.4867,10.36,12.9676,15.7596,4.3407,6.1132,6.5615,6.8281,6.7462,6.7665,7.434,7.9025,7.881,7.6399,7.7264,9.3942,5.9993,7.8994,9.7886,9.7524,11.8138,13.9996,4.1771,5.6949,6.2173,6.6341,6.7588,7.0924,7.1194,7.3605,7.4589,8.3368,7.5762,8.9938,5.7864,7.3439,8.6084,9.0098,10.4513,12.1298,3.8939,5.2117,5.5769,5.5386,5.4702,5.525,5.5819,5.6437,5.6704,6.1498,5.8638,5.939,6.0215,6.1077,6.1843,6.2542,5.4259,6.8251,7.5496,7.864,7.8335,8.4382,8.967,8.9588,9.2256,10.4375,6.1083,7.4167,7.2855,8.4181,9.3175,10.7485,4.0727,5.2784,5.3802,6.3067,5.89,6.194,6.2655,6.0258,5.9738,5.9914,6.1978,6.2817,6.3676,6.5];

/** ELECTRON_AFFINITY_EV[Z]: electron affinity in eV (negative: the anion is unbound; estimated). */
// prettier-ignore
export const ELECTRON_AFFINITY_EV: readonly (number | null)[] = [null,0.7546,-0.52,0.618,-0.52,0.2797,1.2621,-0.07,1.4611,3.4012,-1.22,0.5479,-0.42,0.4328,1.3895,0.7466,2.0771,3.6127,-1.02,0.5015,0.0246,0.1882,0.0755,0.5277,0.6758,-0.52,0.1532,0.6623,1.1572,1.2358,-0.62,0.3012,1.2327,0.8048,2.0206,3.3636,-1.02,0.4859,0.0521,0.3071,0.4333,0.9174,0.7473,0.552,1.0464,1.1429,0.5621,1.3045,-0.72,0.3839,1.1121,1.0474,1.9709,3.0591,-0.82,0.4716,0.1446,0.5575,0.572,0.1092,0.0975,0.129,0.162,0.1161,0.137,0.1313,0.352,0.338,0.312,1.0292,-0.02,0.2389,0.1781,0.3231,0.8163,0.0604,1.0778,1.5644,2.1251,2.3086,-0.52,0.3201,0.3567,0.9424,1.407,2.4158,-0.72,0.486,0.1,0.35,1.17,0.55,0.53,0.48,-0.5,0.1,0.28,-1.72,-1.01,-0.3,0.35];

/** MOLAR_VOLUME_CM3[Z]: molar volume of the elemental solid (or liquid/gas) in cm³/mol. */
// prettier-ignore
export const MOLAR_VOLUME_CM3: readonly (number | null)[] = [null,11.42,21,13.02,4.85,4.39,5.29,13.54,17.36,11.2,13.23,23.78,14,10,12.06,17.02,15.53,17.39,22.56,45.94,26.2,15,10.64,8.32,7.23,7.35,7.09,6.67,6.59,7.11,9.16,11.8,13.63,12.95,16.42,19.78,27.99,55.76,33.94,19.88,14.02,10.83,9.38,8.63,8.17,8.28,8.56,10.27,13,15.76,16.29,18.19,20.46,25.72,35.92,70.94,38.16,22.39,20.69,20.8,20.59,20.23,19.98,28.97,19.9,19.3,19.01,18.74,18.46,19.1,24.84,17.78,13.44,10.85,9.47,8.86,8.42,8.52,9.09,10.21,14.09,17.22,18.26,21.31,22.97,null,50.5,null,41.09,22.55,19.8,15.18,12.49,11.59,12.29,17.63,18.05,16.84,16.5,28.52,null];
