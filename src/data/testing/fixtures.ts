/**
 * Small structure fixtures written inline by tests (the real datasets stay in ../shared).
 */

/** A cubic P1 CIF (lattice constant `a` Å) listing `sites` as [element, x, y, z], as pymatgen writes one. */
export function p1Cif(name: string, a: number, sites: [string, number, number, number][]): string {
  return [
    '# generated using pymatgen',
    `data_${name}`,
    "_symmetry_space_group_name_H-M   'P 1'",
    `_cell_length_a   ${a}`,
    `_cell_length_b   ${a}`,
    `_cell_length_c   ${a}`,
    '_cell_angle_alpha   90',
    '_cell_angle_beta   90',
    '_cell_angle_gamma   90',
    'loop_',
    ' _symmetry_equiv_pos_site_id',
    ' _symmetry_equiv_pos_as_xyz',
    "  1  'x, y, z'",
    'loop_',
    ' _atom_site_type_symbol',
    ' _atom_site_label',
    ' _atom_site_fract_x',
    ' _atom_site_fract_y',
    ' _atom_site_fract_z',
    ' _atom_site_occupancy',
    ...sites.map(([el, x, y, z], k) => `  ${el}  ${el}${k}  ${x}  ${y}  ${z}  1`),
    '',
  ].join('\n');
}
