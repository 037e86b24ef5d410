/**
 * CSV exports of a run: its epoch records, its per-step series, and a comparison table of several runs.
 *
 * RFC 4180: a header line, fields separated by commas, text fields quoted when they hold a comma, a
 * double quote or a line break (quotes doubled), lines ended by `\n` (the last one too). Numbers are
 * written so that they parse back to the same value: doubles as JavaScript's shortest round-trip text
 * (`String(x)`), float32 series values as the shortest decimal that rounds back to the same float32;
 * `NaN`, `Infinity`, `-Infinity` and `-0` as such (pandas, R and spreadsheets read them). Booleans are
 * 1/0, a missing value is an empty field.
 */
import type { EpochRecord } from '../../worker/protocol.ts';
import type { RunMeta, StepTable } from './types.ts';

/** A double as the shortest text that parses back to it (−0 kept). */
export function csvNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** A float32 value as the shortest decimal text whose nearest float32 is that value (−0, NaN, ±∞ kept). */
export function csvFloat32(x: number): string {
  if (!Number.isFinite(x) || x === 0) return csvNumber(x);
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(x.toPrecision(p)));
    if (Math.fround(Number(s)) === x) return s;
  }
  return String(x); // 9 significant digits always suffice; the double's own text is exact anyway
}

/** A text field, quoted (RFC 4180) when it holds a comma, a double quote or a line break. */
export function csvText(s: string): string {
  // A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first: e.g. an imported run
  // named "=HYPERLINK(…)") gets a leading apostrophe (OWASP's CSV-injection advice).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function table(header: readonly string[], rows: string[][]): string {
  return [header.map(csvText), ...rows].map((r) => r.join(',') + '\n').join('');
}

export const EPOCH_CSV_COLUMNS = [
  'epoch',
  'global_step',
  'train_loss',
  'val_loss',
  'val_mae',
  'val_rmse',
  'val_r2',
  'val_pearson',
  'val_spearman',
  'test_loss',
  'test_mae',
  'test_rmse',
  'test_r2',
  'test_pearson',
  'test_spearman',
  'lr',
  'nan_steps',
  'improved',
  'epoch_ms',
] as const;

function epochRow(e: EpochRecord): string[] {
  const m = (s: EpochRecord['val']) => [s.loss, s.mae, s.rmse, s.r2, s.pearson, s.spearman];
  return [
    e.epoch,
    e.globalStep,
    e.trainLoss,
    ...m(e.val),
    ...m(e.test),
    e.lr,
    e.nanSteps,
    e.improved ? 1 : 0,
    e.epochMs,
  ].map(csvNumber);
}

/** One line per epoch record of `run` (columns {@link EPOCH_CSV_COLUMNS}). */
export function epochsCsv(run: RunMeta): string {
  return table(EPOCH_CSV_COLUMNS, run.epochs.map(epochRow));
}

export const STEP_CSV_COLUMNS = [
  'step',
  'loss',
  'lr',
  'momentum',
  'grad_norm_pre',
  'grad_norm_post',
  'clipped',
  'ok',
] as const;

/**
 * One line per step of `steps` (columns {@link STEP_CSV_COLUMNS}); the first row is step `firstStep`.
 * Rows stop at the shortest column.
 */
export function stepsCsv(steps: StepTable, firstStep = 0): string {
  const cols = [steps.loss, steps.lr, steps.momentum, steps.gradPre, steps.gradPost, steps.clipped, steps.ok];
  const n = Math.min(...cols.map((c) => c.length));
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) rows.push([csvNumber(firstStep + i), ...cols.map((c) => csvFloat32(c[i]!))]);
  return table(STEP_CSV_COLUMNS, rows);
}

/**
 * A table of runs: a `name` column, then `columns` in order; numbers as {@link csvNumber}, texts quoted
 * when needed, null or absent values empty.
 */
export function comparisonCsv(
  rows: { name: string; values: Record<string, number | string | null> }[],
  columns: string[],
): string {
  const cell = (v: number | string | null | undefined): string =>
    v === null || v === undefined ? '' : typeof v === 'number' ? csvNumber(v) : csvText(v);
  return table(
    ['name', ...columns],
    rows.map((r) => [csvText(r.name), ...columns.map((c) => cell(r.values[c]))]),
  );
}
