import { describe, expect, it } from 'vitest';
import {
  comparisonCsv,
  csvFloat32,
  csvNumber,
  EPOCH_CSV_COLUMNS,
  epochsCsv,
  STEP_CSV_COLUMNS,
  stepsCsv,
} from './csv.ts';
import { STEP_COLUMNS, type RunMeta } from './types.ts';
import { fakeEpoch, fakeRun, fakeSteps } from './testing/fixtures.ts';

/** The run the CSV tests read: 2 epochs, NaN Pearson in the first, −0 Spearman, tiny test offsets. */
function fakeCsvRun(): RunMeta {
  const o = { spearman: -0, testOffset: 1e-17 };
  return fakeRun({
    name: 'run, "one"',
    epochs: [1, 2].map((e) => fakeEpoch(e, { ...o, pearson: e === 1 ? NaN : 0.93, lr: 0.01 / 3 / e })),
  });
}

/** A small RFC 4180 reader: rows of fields (quoted fields may hold commas, "" and line breaks). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') {
      expect(field, 'a quote opens a field').toBe('');
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      expect(c, 'no bare CR').not.toBe('\r');
      field += c;
    }
    i++;
  }
  expect(quoted, 'quotes closed').toBe(false);
  expect(row.length === 0 && field === '', 'text ends with a line end').toBe(true);
  return rows;
}

/** The value a CSV field stands for (Number() reads NaN, ±Infinity and -0 as written). */
const num = (s: string) => {
  expect(s.trim(), `"${s}" has no padding`).toBe(s);
  expect(s, 'a number is not empty').not.toBe('');
  return Number(s);
};

describe('csv numbers', () => {
  it('doubles parse back exactly, −0, NaN and infinities included', () => {
    const xs = [
      0,
      -0,
      1,
      -1,
      0.1,
      1 / 3,
      Math.PI,
      1e21,
      1e-7,
      5e-324,
      Number.MAX_VALUE,
      NaN,
      Infinity,
      -Infinity,
    ];
    expect(xs.map(csvNumber).slice(0, 2)).toEqual(['0', '-0']);
    expect(csvNumber(NaN)).toBe('NaN');
    expect(csvNumber(-Infinity)).toBe('-Infinity');
    for (const x of xs) expect(Object.is(Number(csvNumber(x)), x), String(x)).toBe(true);
  });

  it('float32 values are the shortest text that rounds back to the same float32', () => {
    expect(csvFloat32(Math.fround(0.1))).toBe('0.1');
    expect(csvFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(csvFloat32(1e-45)).toBe('1e-45');
    expect(csvFloat32(-0)).toBe('-0');
    const f = new Float32Array(20_000);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < u.length; i++) u[i] = (Math.imul(i + 1, 2654435761) ^ (i << 7)) >>> 0;
    let nan = 0;
    for (const x of f) {
      const s = csvFloat32(x);
      if (Number.isNaN(x)) {
        expect(s).toBe('NaN');
        nan++;
        continue;
      }
      expect(Object.is(Math.fround(Number(s)), x), `${x} → ${s}`).toBe(true);
      const significant = s.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '');
      expect(significant.length, s).toBeLessThanOrEqual(9);
    }
    expect(nan).toBeLessThan(f.length);
  });
});

describe('epochsCsv', () => {
  it('has the documented header, one row per epoch, and every number parses back', () => {
    const run = fakeCsvRun();
    const rows = readCsv(epochsCsv(run));
    expect(rows[0]).toEqual([...EPOCH_CSV_COLUMNS]);
    expect(rows[0]).toEqual([
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
    ]);
    expect(rows).toHaveLength(1 + run.epochs.length);
    run.epochs.forEach((e, i) => {
      const r = Object.fromEntries(rows[0]!.map((c, j) => [c, num(rows[i + 1]![j]!)]));
      const expected: Record<string, number> = {
        epoch: e.epoch,
        global_step: e.globalStep,
        train_loss: e.trainLoss,
        lr: e.lr,
        nan_steps: e.nanSteps,
        improved: e.improved ? 1 : 0,
        epoch_ms: e.epochMs,
      };
      for (const s of ['val', 'test'] as const) {
        for (const k of ['loss', 'mae', 'rmse', 'r2', 'pearson', 'spearman'] as const) {
          expected[`${s}_${k}`] = e[s][k];
        }
      }
      for (const [k, v] of Object.entries(expected))
        expect(Object.is(r[k], v), `epoch ${e.epoch} ${k}`).toBe(true);
    });
    expect(rows[1]![EPOCH_CSV_COLUMNS.indexOf('val_pearson')]).toBe('NaN');
  });

  it('an empty run is a header line only', () => {
    expect(epochsCsv({ ...fakeCsvRun(), epochs: [] })).toBe(EPOCH_CSV_COLUMNS.join(',') + '\n');
  });
});

describe('stepsCsv', () => {
  it('writes every step of every column so that it reads back to the same float32', () => {
    const steps = fakeSteps();
    const text = stepsCsv(steps, 100);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('\r');
    const rows = readCsv(text);
    expect(rows[0]).toEqual([
      'step',
      'loss',
      'lr',
      'momentum',
      'grad_norm_pre',
      'grad_norm_post',
      'clipped',
      'ok',
    ]);
    expect(rows[0]).toEqual([...STEP_CSV_COLUMNS]);
    expect(rows).toHaveLength(11);
    STEP_COLUMNS.forEach((c, j) => {
      for (let i = 0; i < 10; i++) {
        const back = Math.fround(num(rows[i + 1]![j + 1]!));
        const x = steps[c][i]!;
        if (Number.isNaN(x)) expect(back, `${c}[${i}]`).toBeNaN();
        else expect(Object.is(back, x), `${c}[${i}] = ${x}, read ${back}`).toBe(true);
      }
    });
    expect(rows.slice(1).map((r) => num(r[0]!))).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    expect(rows[4]![1]).toBe('NaN');
    expect(rows.slice(5, 9).map((r) => r[1])).toEqual(['-0', 'Infinity', '-Infinity', '1e-45']);
  });

  it('starts at step 0 by default', () => {
    expect(readCsv(stepsCsv(fakeSteps(3)))[1]![0]).toBe('0');
  });
});

describe('comparisonCsv', () => {
  it('quotes names and texts with commas, quotes and line breaks (RFC 4180), leaves null empty', () => {
    const names = ['plain', 'with, comma', 'with "quotes"', 'two\nlines', 'cr\r\nlf', '', ' spaced '];
    const text = comparisonCsv(
      names.map((name, i) => ({
        name,
        values: { mae: i === 2 ? null : 0.1 * i, note: i === 1 ? 'a,"b"' : `n${i}`, r: i === 3 ? NaN : -0 },
      })),
      ['mae', 'note', 'missing', 'r', 'odd, "column"'],
    );
    expect(text).toContain('"with ""quotes"""');
    const rows = readCsv(text);
    expect(rows[0]).toEqual(['name', 'mae', 'note', 'missing', 'r', 'odd, "column"']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(names);
    expect(rows[2]![2]).toBe('a,"b"');
    expect(rows[3]![1]).toBe('');
    expect(rows.every((r) => r.length === 6)).toBe(true);
    expect(rows.slice(1).every((r) => r[3] === '')).toBe(true);
    rows.slice(1).forEach((r, i) => {
      if (i !== 2) expect(num(r[1]!)).toBe(0.1 * i);
    });
    expect(rows[4]![4]).toBe('NaN');
    expect(Object.is(num(rows[1]![4]!), -0)).toBe(true);
  });
});
