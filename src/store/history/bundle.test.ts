import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import { parseWithTypedArrays, stringifyWithTypedArrays } from '../../core/typedJson.ts';
import type { Checkpoint } from '../../worker/protocol.ts';
import { BUNDLE_FORMAT, bundleToJson, canonicalBundle, parseBundle, type RunBundle } from './bundle.ts';
import { STEP_COLUMNS, type RunMeta } from './types.ts';
import { FINGERPRINT, fakeRun, fakeSteps } from './testing/fixtures.ts';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function fakeCheckpoint(config: RunMeta['config']): Checkpoint {
  return {
    format: 'optimization-lab/checkpoint@1',
    config,
    dataset: { fingerprint: FINGERPRINT, name: 'built-in teaching set', size: 40 },
    epoch: 2,
    stepInEpoch: 0,
    globalStep: 10,
    weights: {
      names: ['fc_out.weight', 'fc_out.bias'],
      shapes: [[1, 3], [1]],
      data: [new Float32Array([0.5, -0, NaN]), new Float32Array([1.25])],
    },
    optimizer: { config: config.optimizer, step: 10, slots: [] },
    schedule: { globalStep: 10, plateau: null, lrScale: 1, lastLr: 0.005 },
    rng: createRng(1),
    epochLoss: { sum: 0, count: 0, nanSteps: 0 },
    best: { valMae: 0.3, epoch: 1, epochsWithoutImprovement: 1, weights: null },
    history: { epochs: [], nanEvents: [], topK: [{ epoch: 1, valMae: 0.3 }] },
  };
}

function fakeBundle(): RunBundle {
  const run = fakeRun();
  return {
    format: BUNDLE_FORMAT,
    exportedAt: '2024-05-01T12:00:00.000Z',
    app: { name: 'optimization-lab', version: '0.1.0' },
    run,
    steps: fakeSteps(),
    checkpoints: [
      { slot: 'last', epoch: 2, globalStep: 10, valMae: 0.31, checkpoint: fakeCheckpoint(run.config) },
      { slot: 'top:1', epoch: 1, globalStep: 5, valMae: 0.3, checkpoint: fakeCheckpoint(run.config) },
    ],
  };
}

type Key = string | number;
type Obj = Record<Key, unknown>;

/** The object at `path` inside `v`. */
function at(v: unknown, path: Key[]): Obj {
  return path.reduce<unknown>((o, k) => (o as Obj)[k], v) as Obj;
}
/** Sets the value at `path` (the last key) inside `v`. */
function set(v: Obj, path: Key[], value: unknown): void {
  at(v, path.slice(0, -1))[path[path.length - 1]!] = value;
}
/** Deletes the value at `path` inside `v`. */
function del(v: Obj, path: Key[]): void {
  delete at(v, path.slice(0, -1))[path[path.length - 1]!];
}

/** The bundle's JSON value (typed arrays decoded), edited by `edit`, back to text. */
function edited(edit: (v: Obj) => void): string {
  const v = parseWithTypedArrays(bundleToJson(fakeBundle())) as Obj;
  edit(v);
  return stringifyWithTypedArrays(v);
}

function errorOf(text: string): string {
  const r = parseBundle(text);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.error;
}

describe('run bundle round trip', () => {
  it('bundle → JSON → parse gives the same canonical bundle, series bit for bit', () => {
    const b = fakeBundle();
    const text = bundleToJson(b);
    expect(text).toContain('\n  "format": "optimization-lab/run-bundle@1"');
    const r = parseBundle(text);
    if (!r.ok) throw new Error(r.error);
    expect(canonicalBundle(r.bundle)).toBe(canonicalBundle(b));
    for (const c of STEP_COLUMNS) {
      expect(r.bundle.steps[c]).toBeInstanceOf(Float32Array);
      expect(bits(r.bundle.steps[c]), c).toEqual(bits(b.steps[c]));
    }
    expect(bits(r.bundle.steps.loss)[3]).toBe(0x7fc0beef);
    expect(Object.is(r.bundle.steps.loss[4], -0)).toBe(true);
    expect(r.bundle.run.epochs[0]!.val.pearson).toBeNaN();
    expect(r.bundle.run.epochs[1]!.val.pearson).toBe(0.93);
    const w = r.bundle.checkpoints[0]!.checkpoint.weights.data[0]!;
    expect(bits(w)).toEqual(bits(b.checkpoints[0]!.checkpoint.weights.data[0]!));
    expect(r.bundle.run).toEqual(b.run);
  });

  it('canonical form ignores exportedAt and key order, but not content', () => {
    const a = fakeBundle();
    const b = { ...fakeBundle(), exportedAt: '2030-01-01T00:00:00.000Z' };
    expect(canonicalBundle(b)).toBe(canonicalBundle(a));
    const { format, ...rest } = a;
    expect(canonicalBundle({ ...rest, format })).toBe(canonicalBundle(a));
    expect(canonicalBundle(a)).not.toContain('exportedAt');
    const c = fakeBundle();
    c.steps.loss[0] = 0.5;
    expect(canonicalBundle(c)).not.toBe(canonicalBundle(a));
    const d = fakeBundle();
    new Uint32Array(d.steps.loss.buffer)[3] = 0x7fc00001; // another NaN payload
    expect(canonicalBundle(d)).not.toBe(canonicalBundle(a));
  });
});

describe('parseBundle refuses broken or foreign files, saying what to do', () => {
  it('not JSON, or JSON but not an object', () => {
    expect(errorOf('')).toMatch(/not JSON text.*Export run/);
    expect(errorOf('{"format": "optimization-lab/run-bundle@1", ')).toMatch(/not JSON text/);
    expect(errorOf('[1, 2]')).toMatch(/not an object/);
    expect(errorOf('null')).toMatch(/not an object/);
  });

  it('damaged base64 arrays', () => {
    const text = bundleToJson(fakeBundle()).replace(/"base64": "[^"]*"/, '"base64": "abc"');
    expect(errorOf(text)).toMatch(/encoded arrays are damaged.*multiple of 4.*Export the run again/);
  });

  it('a lab checkpoint: use Resume from checkpoint file', () => {
    const ck = stringifyWithTypedArrays(fakeCheckpoint(fakeRun().config));
    expect(errorOf(ck)).toMatch(
      /^This file is not a run bundle: it is a lab checkpoint.*Resume from checkpoint file/,
    );
  });

  it('a TF.js model.json, another format, or no format at all', () => {
    expect(errorOf('{"modelTopology": {}, "weightsManifest": []}')).toMatch(/TF\.js model \(model\.json\)/);
    expect(errorOf('{"format": "layers-model"}')).toMatch(
      /its format is "layers-model", expected optimization-lab\/run-bundle@1/,
    );
    expect(errorOf('{"a": 1}')).toMatch(/JSON without a "format" field/);
    expect(errorOf(edited((v) => set(v, ['format'], 'optimization-lab/run-bundle@x')))).toMatch(
      /not one this lab knows/,
    );
  });

  it('a bundle from a newer lab', () => {
    expect(errorOf(edited((v) => set(v, ['format'], 'optimization-lab/run-bundle@2')))).toMatch(
      /newer version of the lab \(bundle format version 2; this lab reads version 1\).*Update the lab/,
    );
  });

  it('missing or malformed envelope and run fields', () => {
    expect(errorOf(edited((v) => del(v, ['exportedAt'])))).toMatch(
      /bundle\.exportedAt should be a date, it is missing/,
    );
    expect(errorOf(edited((v) => set(v, ['exportedAt'], 'yesterday')))).toMatch(
      /export date "yesterday" is not a date/,
    );
    expect(errorOf(edited((v) => set(v, ['app'], { name: 'other', version: '1' })))).toMatch(
      /written by "other"/,
    );
    expect(errorOf(edited((v) => del(v, ['run'])))).toMatch(/run is missing/);
    expect(errorOf(edited((v) => del(v, ['run', 'id'])))).toMatch(
      /run\.id should be a text id, it is missing/,
    );
    expect(errorOf(edited((v) => set(v, ['run', 'status'], 'sleeping')))).toMatch(
      /run\.status should be one of running/,
    );
    expect(errorOf(edited((v) => del(v, ['run', 'stepsFrom'])))).toMatch(
      /run\.stepsFrom should be a whole number/,
    );
    expect(errorOf(edited((v) => set(v, ['run', 'stepsStored'], -1)))).toMatch(
      /run\.stepsStored should be a whole number/,
    );
    expect(errorOf(edited((v) => del(v, ['run', 'dataset', 'fingerprint'])))).toMatch(
      /run\.dataset\.fingerprint should be a text/,
    );
    expect(errorOf(edited((v) => set(v, ['run', 'config', 'batchSize'], 0)))).toMatch(
      /training recipe is not valid/,
    );
    expect(errorOf(edited((v) => del(v, ['run', 'epochs', 1, 'val'])))).toMatch(
      /run\.epochs\[1\]\.val is missing/,
    );
    expect(errorOf(edited((v) => set(v, ['run', 'epochs', 0, 'improved'], 'yes')))).toMatch(
      /improved should be true or false/,
    );
  });

  it('epochs not increasing', () => {
    expect(errorOf(edited((v) => set(v, ['run', 'epochs', 1, 'epoch'], 1)))).toMatch(
      /epoch records are not in increasing order \(epoch 1 comes after epoch 1\)/,
    );
    expect(errorOf(edited((v) => (at(v, ['run', 'epochs']) as unknown as unknown[]).reverse()))).toMatch(
      /epoch 1 comes after epoch 2/,
    );
  });

  it('series columns missing, of different lengths, or not matching run.stepsStored', () => {
    expect(errorOf(edited((v) => del(v, ['steps', 'lr'])))).toMatch(/column "lr" is missing/);
    expect(errorOf(edited((v) => set(v, ['steps', 'lr'], [1, 2])))).toMatch(
      /column "lr" is not a Float32Array/,
    );
    expect(errorOf(edited((v) => set(v, ['steps', 'ok'], new Float32Array(9))))).toMatch(
      /columns have different lengths \(loss 10, .*ok 9\)/,
    );
    expect(errorOf(edited((v) => set(v, ['run', 'stepsStored'], 12)))).toMatch(
      /has 10 steps but the run says it stored 12/,
    );
  });

  it('checkpoints with bad weights, slots or datasets', () => {
    const CK: Key[] = ['checkpoints', 0, 'checkpoint'];
    expect(errorOf(edited((v) => set(v, [...CK, 'weights', 'data', 0], [0.5, 0, 1])))).toMatch(
      /checkpoint last's weight fc_out\.weight is not a Float32Array/,
    );
    expect(errorOf(edited((v) => set(v, [...CK, 'weights', 'data', 0], new Float64Array(3))))).toMatch(
      /fc_out\.weight is not a Float32Array/,
    );
    expect(
      errorOf(edited((v) => (at(v, [...CK, 'weights', 'names']) as unknown as unknown[]).pop())),
    ).toMatch(/1 weight names, 2 shapes and 2 arrays; they must match/);
    expect(errorOf(edited((v) => set(v, [...CK, 'weights', 'shapes', 0], [2, 3])))).toMatch(
      /fc_out\.weight has 3 values for shape \[2, 3\]/,
    );
    expect(errorOf(edited((v) => set(v, [...CK, 'format'], 'x')))).toMatch(/checkpoint last has format "x"/);
    expect(errorOf(edited((v) => set(v, [...CK, 'dataset', 'fingerprint'], 'f')))).toMatch(
      /made on another dataset/,
    );
    expect(errorOf(edited((v) => set(v, ['checkpoints', 1, 'slot'], 'last')))).toMatch(
      /two checkpoints use the slot last/,
    );
    expect(errorOf(edited((v) => set(v, ['checkpoints', 1, 'slot'], 'best')))).toMatch(
      /slot should be "last" or "top:<epoch>"/,
    );
    expect(errorOf(edited((v) => set(v, ['checkpoints'], {})))).toMatch(/checkpoints should be a list/);
  });

  it('never throws, whatever the input', () => {
    const good = bundleToJson(fakeBundle());
    const inputs = [
      good.slice(0, good.length / 2),
      good.replace(/"\$num": "NaN"/, '"$num": "nan"'),
      good.replace(/"Float32Array"/, '"Int8Array"'),
      '"text"',
      '42',
      'true',
      edited((v) => set(v, ['run', 'epochs'], [null])),
      edited((v) => set(v, ['run', 'dataset'], 5)),
      edited((v) => set(v, ['checkpoints'], [null])),
      edited((v) => set(v, ['checkpoints', 0, 'checkpoint', 'weights'], null)),
      edited((v) => set(v, ['steps'], null)),
    ];
    for (const t of inputs) {
      const r = parseBundle(t);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^This (file is not a run bundle|run bundle cannot be imported)/);
    }
  });
});
