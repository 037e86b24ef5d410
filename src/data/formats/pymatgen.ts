/**
 * pymatgen `Structure.as_dict()` → Structure: `lattice.matrix` (rows = vectors, Å) and
 * `sites[].species[{element, occu}]` with `abc` (fractional) or, failing that, `xyz` (Cartesian, Å).
 */
import { elementOfLabel } from '../elements.ts';
import type { RejectReason, Structure } from '../types.ts';
import { cartesianToFractional } from './common.ts';

/** A structure, or why an item could not give one (line: where in a text, when known). */
export type StructureOrProblem =
  { structure: Structure } | { reason: RejectReason; message: string; line?: number };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `v` looks like a pymatgen Structure dict (an object with `lattice` and a `sites` list). */
export function isPymatgenStructure(v: unknown): boolean {
  return isRecord(v) && isRecord(v['lattice']) && Array.isArray(v['sites']);
}

function vec3(v: unknown): [number, number, number] | null {
  if (!Array.isArray(v) || v.length !== 3) return null;
  const out = v.map((x) => (typeof x === 'number' ? x : NaN));
  return out.every(Number.isFinite) ? (out as [number, number, number]) : null;
}

/** Occupancy tolerance: pymatgen writes 1 for ordered sites; allow round-off. */
const OCCU_TOL = 1e-4;

/**
 * Converts a pymatgen `Structure.as_dict()` (also `IStructure`; `Molecule` dicts lack a lattice and
 * are refused). Element strings may carry oxidation states ('Fe2+', 'O2-'); a site with several
 * species or an occupancy ≠ 1 is 'partial-occupancy'; an unknown symbol (e.g. a DummySpecies 'X') is
 * 'unknown-element'. Never throws.
 */
export function structureFromPymatgen(v: unknown): StructureOrProblem {
  if (!isRecord(v)) return { reason: 'unparseable', message: 'the structure is not a JSON object.' };
  const lattice = isRecord(v['lattice']) ? v['lattice'] : null;
  const matrix = lattice !== null && Array.isArray(lattice['matrix']) ? lattice['matrix'] : null;
  const rows = matrix !== null && matrix.length === 3 ? matrix.map(vec3) : null;
  if (rows === null || rows.some((r) => r === null)) {
    const molecule = v['@class'] === 'Molecule' || lattice === null;
    return {
      reason: molecule ? 'unsupported' : 'unparseable',
      message: molecule
        ? 'the record has no lattice (a pymatgen Molecule or a non-periodic structure); CGCNN needs periodic crystals.'
        : "the structure's lattice.matrix is not a 3×3 array of finite numbers.",
    };
  }
  const sites = v['sites'];
  if (!Array.isArray(sites)) return { reason: 'unparseable', message: "the structure has no 'sites' list." };
  const n = sites.length;
  const numbers = new Uint8Array(n);
  const abc = new Float64Array(3 * n);
  const xyz = new Float64Array(3 * n);
  let needCartesian = false;
  for (let s = 0; s < n; s++) {
    const site: unknown = sites[s];
    if (!isRecord(site)) return { reason: 'unparseable', message: `site ${s + 1} is not an object.` };
    const species: unknown[] | null = Array.isArray(site['species']) ? (site['species'] as unknown[]) : null;
    if (species === null || species.length === 0) {
      return { reason: 'unparseable', message: `site ${s + 1} has no 'species' list.` };
    }
    const parts = species.map((sp) => {
      const el = isRecord(sp) && typeof sp['element'] === 'string' ? sp['element'] : '?';
      const occu =
        isRecord(sp) && typeof sp['occu'] === 'number'
          ? sp['occu']
          : isRecord(sp) && sp['occu'] === undefined
            ? 1
            : NaN;
      return { el, occu };
    });
    const first = parts[0];
    if (first === undefined) return { reason: 'unparseable', message: `site ${s + 1} has no species.` };
    if (parts.length > 1 || !(Math.abs(first.occu - 1) <= OCCU_TOL)) {
      return {
        reason: 'partial-occupancy',
        message: `site ${s + 1} is disordered (${parts.map((p) => `${p.el}:${p.occu}`).join(', ')}); CGCNN needs fully occupied sites with one element each. Order the structure first (e.g. pymatgen's OrderDisorderedStructureTransformation) or leave it out.`,
      };
    }
    const z = elementOfLabel(first.el);
    if (z === null) {
      return {
        reason: 'unknown-element',
        message: `site ${s + 1} has species '${first.el}', which is not a chemical element.`,
      };
    }
    numbers[s] = z;
    const f = vec3(site['abc']);
    if (f !== null) abc.set(f, 3 * s);
    else {
      const c = vec3(site['xyz']);
      if (c === null) {
        return { reason: 'unparseable', message: `site ${s + 1} has neither 'abc' nor 'xyz' coordinates.` };
      }
      needCartesian = true;
      xyz.set(c, 3 * s);
    }
  }
  const L = Float64Array.from((rows as [number, number, number][]).flat());
  if (needCartesian) {
    const fromCart = cartesianToFractional(xyz, L);
    if (fromCart === null)
      return { reason: 'unparseable', message: 'the lattice is singular (zero volume).' };
    for (let s = 0; s < n; s++) {
      const site: unknown = sites[s];
      if (!isRecord(site)) continue;
      if (vec3(site['abc']) === null) abc.set(fromCart.subarray(3 * s, 3 * s + 3), 3 * s);
    }
  }
  return { structure: { lattice: L, numbers, frac: abc } };
}
