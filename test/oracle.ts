/**
 * Test-only access to the reference fixtures in `../shared/oracle` (PyTorch 1.13 / pymatgen 2022.11).
 *
 * The fixtures are never copied into this repository. When `../shared` is absent (a fresh clone), the
 * oracle suites skip with a printed reason; in CI (`CI=true`) a missing fixture is an error instead, so a
 * green CI always means the oracle suites ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared` beside the checkout, or `LAB_SHARED_DIR` when set. */
export const SHARED_DIR = process.env['LAB_SHARED_DIR'] ?? resolve(repoRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED_DIR, ...parts);
}

const cache = new Map<string, unknown>();

/** Reads `../shared/oracle/<file>` as JSON, non-finite strings decoded to numbers. */
export function readOracle<T>(file: string): T {
  const hit = cache.get(file);
  if (hit !== undefined) return hit as T;
  const text = readFileSync(sharedPath('oracle', file), 'utf8');
  const parsed = decodeNonFinite(JSON.parse(text)) as T;
  cache.set(file, parsed);
  return parsed;
}

/**
 * The fixtures write non-finite numbers as the strings "NaN", "Infinity", "-Infinity" (strict JSON).
 * This turns them back into numbers everywhere in a parsed tree.
 */
export function decodeNonFinite(v: unknown): unknown {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (Array.isArray(v)) return v.map(decodeNonFinite);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decodeNonFinite(x);
    return out;
  }
  return v;
}

/**
 * `describe` for a suite that needs `../shared/oracle/<file>`: skips with a printed reason when the file
 * is absent, except under CI, where it fails loudly.
 */
export function describeOracle(file: string, name: string, body: () => void): void {
  const path = sharedPath('oracle', file);
  if (existsSync(path)) {
    describe(`${name} [oracle ${file}]`, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    throw new Error(`CI: oracle fixture ${path} is missing; the oracle suites must run in CI.`);
  }
  console.warn(`[skip] ${name}: ${path} not found (fresh clone without ../shared).`);
  // Vitest runs a skipped describe's body to collect its tests, and the bodies read the fixture: keep
  // the real body out and report one skipped placeholder instead.
  describe.skip(`${name} [oracle ${file}: absent]`, () => {
    it(`needs ${path}`, () => undefined);
  });
}

/** |a − b| ≤ rel·max(|a|,|b|) (+ abs), with NaN == NaN and equal infinities accepted. */
export function closeRel(a: number, b: number, rel: number, abs = 0): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}

/**
 * Asserts two equal-length numeric arrays agree element-wise under `closeRel`, and reports the worst
 * element (index, values) in the failure message so a mismatch is easy to locate.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { rel: number; abs?: number; label?: string },
): void {
  const label = opts.label ?? 'array';
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} ≠ expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!closeRel(a, e, opts.rel, opts.abs ?? 0)) {
      throw new Error(
        `${label}[${i}]: got ${a}, expected ${e} (|Δ|=${Math.abs(a - e)}, rel tol ${opts.rel}, abs tol ${opts.abs ?? 0})`,
      );
    }
  }
}
