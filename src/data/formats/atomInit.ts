/**
 * cgcnn's `atom_init.json`: `{"1": [92 numbers], "2": [...], …}`, keys = atomic numbers as strings.
 */
import { MAX_Z } from '../elements.ts';
import type { AtomInit } from '../types.ts';

/** The table, or null when nothing usable; `problems` lists what was wrong (for warnings). */
export interface AtomInitResult {
  atomInit: AtomInit | null;
  problems: string[];
}

/**
 * Parses and validates an atom_init.json. Keys must be integers 1…118; values arrays of finite numbers,
 * all of one length (the most common length wins; rows of another length, bad keys and bad values are
 * left out and listed in `problems`). Never throws.
 */
export function parseAtomInit(text: string, source: string): AtomInitResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return {
      atomInit: null,
      problems: [
        `${source} is not valid JSON (${err instanceof Error ? err.message : String(err)}); the lab's built-in atom features are used instead.`,
      ],
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      atomInit: null,
      problems: [
        `${source} should be an object mapping atomic numbers to feature vectors ({"1": [...], …}); the lab's built-in atom features are used instead.`,
      ],
    };
  }
  const problems: string[] = [];
  const good = new Map<number, number[]>();
  const lengths = new Map<number, number>();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const z = /^\s*\d+\s*$/.test(key) ? Number(key) : NaN;
    if (!(z >= 1 && z <= MAX_Z)) {
      problems.push(`${source}: key '${key}' is not an atomic number 1…${MAX_Z}; ignored.`);
      continue;
    }
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      problems.push(
        `${source}: the vector of element ${z} is not a non-empty list of finite numbers; ignored.`,
      );
      continue;
    }
    good.set(z, value as number[]);
    lengths.set(value.length, (lengths.get(value.length) ?? 0) + 1);
  }
  let dim = 0;
  let best = 0;
  for (const [len, count] of lengths) {
    if (count > best) {
      best = count;
      dim = len;
    }
  }
  for (const [z, v] of good) {
    if (v.length !== dim) {
      problems.push(
        `${source}: the vector of element ${z} has length ${v.length}, not ${dim} like the others; ignored.`,
      );
      good.delete(z);
    }
  }
  if (good.size === 0) {
    problems.push(
      `${source} has no usable feature vectors; the lab's built-in atom features are used instead.`,
    );
    return { atomInit: null, problems };
  }
  const maxZ = Math.max(...good.keys());
  const table = new Float32Array((maxZ + 1) * dim).fill(NaN);
  for (const [z, v] of good) table.set(v, z * dim);
  return { atomInit: { dim, table, maxZ, source }, problems };
}
