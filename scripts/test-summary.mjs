#!/usr/bin/env node
/**
 * Prints the closing line of `npm test`: the unit (Vitest) and e2e (Playwright) counts added up, from
 * the JSON reports both runners wrote into reports/. Exits non-zero if a report is missing or shows a
 * failure, or if no test ran at all.
 */
import { readFileSync } from 'node:fs';

function read(path, what) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    console.error(`test-summary: cannot read the ${what} report ${path}: ${err.message}`);
    process.exit(1);
  }
}

const unit = read('reports/unit.json', 'unit-test');
const e2e = read('reports/e2e.json', 'e2e');

const u = {
  passed: unit.numPassedTests,
  failed: unit.numFailedTests,
  skipped: unit.numPendingTests + unit.numTodoTests,
};
const e = {
  passed: e2e.stats.expected + e2e.stats.flaky,
  failed: e2e.stats.unexpected,
  skipped: e2e.stats.skipped,
};
const line = (c) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
console.log(`unit: ${line(u)}`);
console.log(`e2e: ${line(e)}`);
const total = { passed: u.passed + e.passed, failed: u.failed + e.failed, skipped: u.skipped + e.skipped };
console.log(`total: ${line(total)}`);
if (total.failed > 0 || total.passed === 0) process.exit(1);
