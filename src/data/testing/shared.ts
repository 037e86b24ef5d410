/**
 * Test-only access to the public datasets in `../shared` (e.g. `data/perov5-castelli/test.csv`).
 *
 * Mirrors `test/oracle.ts`'s `describeOracle` for any path under `../shared`: when the path is absent
 * (a fresh clone without `../shared`), the suite is skipped with a printed reason; under CI
 * (`CI=true`) a missing path is an error, so a green CI always means these suites ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
// Test-only helper (imported by *.test.ts only): it shares test/oracle.ts's idea of where ../shared is.
import { sharedPath } from '../../../test/oracle.ts';

/**
 * `describe` for a suite that needs `../shared/<relPath>` (a file or a folder). Runs `body` only when
 * the path exists; otherwise throws under CI, else prints `[skip] name: path not found` and registers
 * a skipped describe holding one placeholder test (the real body is never run: Vitest runs a skipped
 * describe's body at collection, and the body would read the missing file).
 */
export function describeShared(relPath: string, name: string, body: () => void): void {
  const path = sharedPath(relPath);
  if (existsSync(path)) {
    describe(`${name} [shared ${relPath}]`, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    throw new Error(`CI: shared fixture ${path} is missing; the shared-data suites must run in CI.`);
  }
  console.warn(`[skip] ${name}: ${path} not found (fresh clone without ../shared).`);
  describe.skip(`${name} [shared ${relPath}: absent]`, () => {
    it(`needs ${path}`, () => undefined);
  });
}

/** The bytes of `../shared/<relPath>`. */
export function readShared(relPath: string): Buffer {
  return readFileSync(sharedPath(relPath));
}

/** `../shared/<relPath>` decoded as UTF-8 (a leading BOM, if any, is kept: parsers handle it). */
export function readSharedText(relPath: string): string {
  return readFileSync(sharedPath(relPath), 'utf8');
}
