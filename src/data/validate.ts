/**
 * Limits on what a drop may contain, and the checks every parsed structure passes before it becomes an
 * entry (applied by every format, whatever the file type).
 */
import { elementSymbol, MAX_Z } from './elements.ts';
import { minPairDistance } from './neighbors.ts';
import type { RejectReason, Structure } from './types.ts';

/** Resource and sanity limits for one load. */
export interface Limits {
  /** Sum of the dropped files' sizes, before unpacking (bytes). */
  maxTotalBytes: number;
  /** Sum of everything unpacked from zip/gzip archives (bytes); checked before and while inflating. */
  maxDecompressedBytes: number;
  /** Most files (after unpacking) and most dataset items (rows, frames, structures) in one load. */
  maxEntries: number;
  /** Most atoms in one structure (after symmetry expansion). */
  maxAtomsPerStructure: number;
  /** Smallest allowed distance between two sites, periodic images included (Å). */
  minDistance: number;
}

/** The limits the lab uses unless told otherwise (decimal megabytes: 1 MB = 10⁶ bytes). */
export const DEFAULT_LIMITS: Limits = {
  maxTotalBytes: 200_000_000,
  maxDecompressedBytes: 500_000_000,
  maxEntries: 50_000,
  maxAtomsPerStructure: 200,
  minDistance: 0.5,
};

/** Why a structure cannot be used: a rejection without its source and id (the caller adds those). */
export interface StructureProblem {
  reason: RejectReason;
  message: string;
}

/** A byte count for people: "950 bytes", "12.3 kB", "1.0 MB" (decimal units, like DEFAULT_LIMITS). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

function siteName(numbers: Uint8Array, i: number): string {
  const z = numbers[i] ?? 0;
  return `site ${i + 1} (${elementSymbol(z) ?? `Z=${z}`})`;
}

/**
 * Checks one structure against the limits and for physical sense. Returns null when usable, otherwise
 * the first problem found, in this order: no atoms, too many atoms, inconsistent array lengths
 * ('unparseable'), unknown element (Z = 0 or > 118), non-finite lattice or coordinates ('unparseable'),
 * singular lattice (volume ≈ 0, 'unparseable'), two sites closer than `limits.minDistance`
 * ('overlapping-atoms', naming both sites, 1-based, and the distance in Å).
 */
export function validateStructure(
  structure: Structure,
  limits: Pick<Limits, 'maxAtomsPerStructure' | 'minDistance'>,
): StructureProblem | null {
  const { lattice, numbers, frac } = structure;
  const n = numbers.length;
  if (n === 0) return { reason: 'no-atoms', message: 'the structure has no atoms.' };
  if (n > limits.maxAtomsPerStructure) {
    return {
      reason: 'too-many-atoms',
      message: `the structure has ${n} atoms, more than the limit of ${limits.maxAtomsPerStructure} per structure (maxAtomsPerStructure). Use a smaller cell or raise the limit.`,
    };
  }
  if (lattice.length !== 9 || frac.length !== 3 * n) {
    return {
      reason: 'unparseable',
      message: `internal inconsistency: ${n} sites but ${frac.length} coordinates and ${lattice.length} lattice numbers.`,
    };
  }
  for (let i = 0; i < n; i++) {
    const z = numbers[i] ?? 0;
    if (z < 1 || z > MAX_Z) {
      return {
        reason: 'unknown-element',
        message: `site ${i + 1} has atomic number ${z}, which is not an element (1…${MAX_Z}).`,
      };
    }
  }
  for (let k = 0; k < 9; k++) {
    if (!Number.isFinite(lattice[k] ?? NaN)) {
      return { reason: 'unparseable', message: 'the lattice contains a non-finite number (NaN or ∞).' };
    }
  }
  for (let k = 0; k < frac.length; k++) {
    if (!Number.isFinite(frac[k] ?? NaN)) {
      return {
        reason: 'unparseable',
        message: `${siteName(numbers, Math.floor(k / 3))} has a non-finite coordinate (NaN or ∞).`,
      };
    }
  }
  const l = (k: number) => lattice[k] ?? 0;
  const volume = Math.abs(
    l(0) * (l(4) * l(8) - l(5) * l(7)) -
      l(1) * (l(3) * l(8) - l(5) * l(6)) +
      l(2) * (l(3) * l(7) - l(4) * l(6)),
  );
  const norm = (r: number) => Math.hypot(l(3 * r), l(3 * r + 1), l(3 * r + 2));
  const scale = norm(0) * norm(1) * norm(2);
  if (!(volume > 1e-3) || !(volume > 1e-6 * scale)) {
    return {
      reason: 'unparseable',
      message: `the lattice is singular (cell volume ${volume.toPrecision(3)} Å³): its vectors are (nearly) coplanar or zero.`,
    };
  }
  const { distance, i, j } = minPairDistance(structure);
  if (distance < limits.minDistance) {
    const pair =
      i === j
        ? `${siteName(numbers, i)} and its own periodic image are`
        : `${siteName(numbers, i)} and ${siteName(numbers, j)} are`;
    return {
      reason: 'overlapping-atoms',
      message: `${pair} ${distance.toFixed(3)} Å apart, closer than the minimum ${limits.minDistance} Å (minDistance): the file probably has duplicated sites or a wrong cell.`,
    };
  }
  return null;
}
