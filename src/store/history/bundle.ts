/**
 * Run bundles: one stored run (its {@link RunMeta}, its whole per-step series and its checkpoints) as one
 * JSON file that another lab can import.
 *
 * Encoding: core/typedJson (Float32Arrays as base64 of their little-endian bytes, non-finite numbers as
 * `{"$num": …}`), so NaN metrics in the epoch records, the step series (NaN payloads and −0 included)
 * and the checkpoint weights come back bit for bit. Indented by 2 spaces so a person can read the
 * metadata (the arrays stay one base64 string each).
 *
 * {@link parseBundle} never throws: it checks everything a damaged or foreign file can get wrong and
 * says, in plain words, what is wrong and what to do about it.
 */
import { validateConfig } from '../../core/recipe.ts';
import { parseWithTypedArrays, stringifyWithTypedArrays } from '../../core/typedJson.ts';
import type { TrainConfig } from '../../worker/protocol.ts';
import {
  STEP_COLUMNS,
  type RunMeta,
  type StepTable,
  type StoredCheckpoint,
  type StoredStatus,
} from './types.ts';

export const BUNDLE_FORMAT = 'optimization-lab/run-bundle@1';
const BUNDLE_PREFIX = 'optimization-lab/run-bundle@';
const BUNDLE_VERSION = 1;
/** engine/checkpoint.ts's CHECKPOINT_FORMAT (the store cannot import the engine). */
const CHECKPOINT_FORMAT = 'optimization-lab/checkpoint@1';
const APP_NAME = 'optimization-lab';

export interface RunBundle {
  format: typeof BUNDLE_FORMAT;
  /** When the bundle was written (ISO 8601). */
  exportedAt: string;
  app: { name: typeof APP_NAME; version: string };
  run: RunMeta;
  /** The run's whole per-step series, steps 0 … run.stepsStored − 1. */
  steps: StepTable;
  checkpoints: Omit<StoredCheckpoint, 'runId'>[];
}

/** The bundle's JSON text (typed arrays and non-finite numbers bit-exact, 2-space indent). */
export function bundleToJson(b: RunBundle): string {
  return stringifyWithTypedArrays(b, 2);
}

/** Plain objects with their keys sorted, recursively (arrays and typed arrays kept as they are). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/**
 * The bundle's JSON without `exportedAt`, keys sorted: equal for two bundles of the same run whatever
 * their export time or key order (for equality checks in tests).
 */
export function canonicalBundle(b: RunBundle): string {
  const { exportedAt: _exportedAt, ...rest } = b;
  return stringifyWithTypedArrays(sortKeys(rest));
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------------------

/** A validation failure: the message for people. */
class BundleProblem extends Error {}

const REEXPORT = 'Export the run again from the lab that made it.';

function fail(what: string, todo: string = REEXPORT): never {
  throw new BundleProblem(`This run bundle cannot be imported: ${what}. ${todo}`);
}

/** A file that is not a run bundle at all. */
function foreign(what: string, todo: string = 'Choose a file written by "Export run" in the lab.'): never {
  throw new BundleProblem(`This file is not a run bundle: ${what}. ${todo}`);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const show = (v: unknown): string => {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? typeof v;
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) fail(`${where} is ${v === undefined ? 'missing' : 'not an object'}`);
  return v;
}

function field<T>(o: Obj, key: string, where: string, ok: (v: unknown) => v is T, want: string): T {
  const v = o[key];
  if (!ok(v)) fail(`${where}.${key} should be ${want}, it is ${show(v)}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isObjOrNull = (v: unknown): v is Obj | null => v === null || isObj(v);
const STATUSES: readonly StoredStatus[] = ['running', 'paused', 'done', 'stopped', 'failed', 'interrupted'];
const isStatus = (v: unknown): v is StoredStatus => STATUSES.includes(v as StoredStatus);

function checkFormat(root: Obj): void {
  const format = root['format'];
  if (format === BUNDLE_FORMAT) return;
  if (format === CHECKPOINT_FORMAT) {
    foreign(
      'it is a lab checkpoint (one training state, not a run history)',
      'To continue training from it, use "Resume from checkpoint file" instead.',
    );
  }
  if (typeof format === 'string' && format.startsWith(BUNDLE_PREFIX)) {
    const version = Number(format.slice(BUNDLE_PREFIX.length));
    if (Number.isInteger(version) && version > BUNDLE_VERSION) {
      fail(
        `it was written by a newer version of the lab (bundle format version ${version}; this lab reads version ${BUNDLE_VERSION})`,
        'Update the lab (reload the page) or import it into the newer version.',
      );
    }
    fail(`its format ${show(format)} is not one this lab knows (it reads ${BUNDLE_FORMAT})`);
  }
  if (Array.isArray(root['weightsManifest']) && 'modelTopology' in root) {
    foreign(
      'it is a TF.js model (model.json), which holds weights but no run history',
      'Import the run bundle (the .json from "Export run") instead.',
    );
  }
  foreign(
    format === undefined
      ? 'it is JSON without a "format" field'
      : `its format is ${show(format)}, expected ${BUNDLE_FORMAT}`,
  );
}

function checkSplitMetrics(v: unknown, where: string): void {
  const m = obj(v, where);
  for (const k of ['n', 'loss', 'mae', 'rmse', 'r2', 'pearson', 'spearman'])
    field(m, k, where, isNum, 'a number');
}

function checkEpochs(epochs: unknown[], where: string): void {
  let prevEpoch = 0;
  let prevStep = -1;
  epochs.forEach((e, i) => {
    const w = `${where}[${i}]`;
    const r = obj(e, w);
    const epoch = field(r, 'epoch', w, isCount, 'a whole number ≥ 1');
    const step = field(r, 'globalStep', w, isCount, 'a whole number ≥ 0');
    if (epoch <= prevEpoch) {
      fail(`the epoch records are not in increasing order (epoch ${epoch} comes after epoch ${prevEpoch})`);
    }
    if (step < prevStep) {
      fail(`the epoch records' steps go backwards (epoch ${epoch} ends at step ${step}, before ${prevStep})`);
    }
    prevEpoch = epoch;
    prevStep = step;
    for (const k of [
      'trainLoss',
      'nanSteps',
      'lr',
      'lrScale',
      'plateauFactor',
      'bestValMae',
      'bestEpoch',
      'epochMs',
    ]) {
      field(r, k, w, isNum, 'a number');
    }
    field(r, 'improved', w, (x): x is boolean => typeof x === 'boolean', 'true or false');
    checkSplitMetrics(r['val'], `${w}.val`);
    checkSplitMetrics(r['test'], `${w}.test`);
  });
}

function checkRun(v: unknown): RunMeta {
  const run = obj(v, 'run');
  const w = 'run';
  const id = field(run, 'id', w, isString, 'a text id');
  if (id === '') fail('run.id is empty');
  field(run, 'name', w, isString, 'a text');
  const tags = field(run, 'tags', w, isArray, 'a list of texts');
  if (!tags.every(isString)) fail('run.tags should be a list of texts');
  field(run, 'createdAt', w, isNum, 'a time (ms)');
  field(run, 'updatedAt', w, isNum, 'a time (ms)');
  field(run, 'status', w, isStatus, `one of ${STATUSES.join(', ')}`);
  field(run, 'error', w, isStringOrNull, 'a text or null');
  if (!isObj(run['config'])) fail('run.config (the training recipe) is missing');
  try {
    validateConfig(run['config'] as unknown as TrainConfig);
  } catch (e) {
    fail(`its training recipe is not valid (${e instanceof Error ? e.message : String(e)})`);
  }
  const ds = obj(run['dataset'], 'run.dataset');
  field(ds, 'fingerprint', 'run.dataset', isString, 'a text');
  field(ds, 'name', 'run.dataset', isString, 'a text');
  field(ds, 'target', 'run.dataset', isString, 'a text');
  field(ds, 'size', 'run.dataset', isCount, 'a whole number');
  const choice = obj(ds['choice'], 'run.dataset.choice');
  if (!['builtin', 'url', 'files'].includes(choice['kind'] as string)) {
    fail(`run.dataset.choice.kind should be builtin, url or files, it is ${show(choice['kind'])}`);
  }
  const split = obj(ds['split'], 'run.dataset.split');
  for (const k of ['train', 'val', 'test']) field(split, k, 'run.dataset.split', isCount, 'a whole number');
  const norm = obj(ds['normalizer'], 'run.dataset.normalizer');
  field(norm, 'mean', 'run.dataset.normalizer', isNum, 'a number');
  field(norm, 'std', 'run.dataset.normalizer', isNum, 'a number');
  field(run, 'backend', w, isStringOrNull, 'a text or null');
  for (const k of ['stepsPerEpoch', 'totalSteps', 'stepsFrom', 'stepsStored']) {
    field(run, k, w, isCount, 'a whole number ≥ 0');
  }
  field(run, 'activeMs', w, isNum, 'a number of ms');
  field(run, 'outliers', w, isObjOrNull, 'an outlier report or null');
  field(run, 'result', w, isObjOrNull, "the run's result or null");
  const epochs = field(run, 'epochs', w, isArray, 'a list of epoch records');
  checkEpochs(epochs, 'run.epochs');
  field(run, 'nanEvents', w, isArray, 'a list');
  const rp = field(run, 'resumePoint', w, isObjOrNull, 'an object or null');
  if (rp !== null) {
    field(rp, 'epoch', 'run.resumePoint', isCount, 'a whole number');
    field(rp, 'globalStep', 'run.resumePoint', isCount, 'a whole number');
  }
  const topK = field(run, 'topK', w, isArray, 'a list');
  topK.forEach((t, i) => {
    const o = obj(t, `run.topK[${i}]`);
    field(o, 'epoch', `run.topK[${i}]`, isCount, 'a whole number');
    field(o, 'valMae', `run.topK[${i}]`, isNum, 'a number');
  });
  return run as unknown as RunMeta;
}

function checkSteps(v: unknown, stepsStored: number): void {
  const steps = obj(v, 'steps (the per-step series)');
  for (const c of STEP_COLUMNS) {
    if (!(steps[c] instanceof Float32Array)) {
      fail(`the step series column "${c}" is ${steps[c] === undefined ? 'missing' : 'not a Float32Array'}`);
    }
  }
  const lengths = STEP_COLUMNS.map((c) => (steps[c] as Float32Array).length);
  if (!lengths.every((n) => n === lengths[0])) {
    fail(
      `the step series columns have different lengths (${STEP_COLUMNS.map((c, i) => `${c} ${lengths[i]}`).join(', ')})`,
    );
  }
  if (lengths[0] !== stepsStored) {
    fail(`the step series has ${lengths[0]} steps but the run says it stored ${stepsStored}`);
  }
}

function checkCheckpoints(v: unknown, run: RunMeta): void {
  if (!Array.isArray(v)) fail(`checkpoints should be a list, it is ${show(v)}`);
  const slots = new Set<string>();
  v.forEach((item, i) => {
    const w = `checkpoints[${i}]`;
    const s = obj(item, w);
    const slot = field(s, 'slot', w, isString, '"last" or "top:<epoch>"');
    if (slot !== 'last' && !/^top:\d+$/.test(slot))
      fail(`${w}.slot should be "last" or "top:<epoch>", it is ${show(slot)}`);
    if (slots.has(slot)) fail(`two checkpoints use the slot ${slot}`);
    slots.add(slot);
    const name = `checkpoint ${slot}`;
    field(s, 'epoch', w, isCount, 'a whole number');
    field(s, 'globalStep', w, isCount, 'a whole number');
    field(s, 'valMae', w, (x): x is number | null => x === null || isNum(x), 'a number or null');
    const ck = obj(s['checkpoint'], `${w}.checkpoint`);
    if (ck['format'] !== CHECKPOINT_FORMAT) {
      fail(`${name} has format ${show(ck['format'])}, expected ${CHECKPOINT_FORMAT}`);
    }
    const ckDs = obj(ck['dataset'], `${name}'s dataset`);
    if (ckDs['fingerprint'] !== run.dataset.fingerprint) {
      fail(`${name} was made on another dataset than the run`);
    }
    const wt = obj(ck['weights'], `${name}'s weights`);
    const names = wt['names'];
    const shapes = wt['shapes'];
    const data = wt['data'];
    if (!Array.isArray(names) || !Array.isArray(shapes) || !Array.isArray(data)) {
      fail(`${name}'s weights need names, shapes and data lists`);
    }
    if (names.length !== data.length || shapes.length !== data.length) {
      fail(
        `${name} has ${names.length} weight names, ${shapes.length} shapes and ${data.length} arrays; they must match`,
      );
    }
    (data as unknown[]).forEach((d, j) => {
      const n: unknown = (names as unknown[])[j];
      const shape: unknown = (shapes as unknown[])[j];
      if (typeof n !== 'string') fail(`${name}'s weight name ${j} is not a text`);
      if (!(d instanceof Float32Array)) fail(`${name}'s weight ${n} is not a Float32Array`);
      if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${name}'s weight ${n} has no valid shape`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== d.length)
        fail(`${name}'s weight ${n} has ${d.length} values for shape [${shape.join(', ')}]`);
    });
  });
}

/**
 * The bundle in `text`, or what is wrong with it in plain words (not JSON, another kind of file, a newer
 * format, missing or malformed fields, inconsistent series or checkpoints). Never throws.
 */
export function parseBundle(text: string): { ok: true; bundle: RunBundle } | { ok: false; error: string } {
  try {
    let value: unknown;
    try {
      value = parseWithTypedArrays(text);
    } catch (e) {
      if (e instanceof SyntaxError) {
        return {
          ok: false,
          error:
            'This file is not a run bundle: it is not JSON text (it may be damaged, cut short, or another kind of file). Choose the .json file written by "Export run" in the lab.',
        };
      }
      return {
        ok: false,
        error: `This run bundle cannot be imported: its encoded arrays are damaged (${e instanceof Error ? e.message : String(e)}). ${REEXPORT}`,
      };
    }
    if (!isObj(value)) {
      return {
        ok: false,
        error:
          'This file is not a run bundle: it is JSON, but not an object. Choose the .json file written by "Export run".',
      };
    }
    checkFormat(value);
    const exportedAt = field(value, 'exportedAt', 'bundle', isString, 'a date');
    if (Number.isNaN(Date.parse(exportedAt))) fail(`its export date ${show(exportedAt)} is not a date`);
    const app = obj(value['app'], 'app');
    if (app['name'] !== APP_NAME) fail(`it was written by ${show(app['name'])}, not by ${APP_NAME}`);
    field(app, 'version', 'app', isString, 'a version text');
    const run = checkRun(value['run']);
    checkSteps(value['steps'], run.stepsStored);
    checkCheckpoints(value['checkpoints'], run);
    return { ok: true, bundle: value as unknown as RunBundle };
  } catch (e) {
    if (e instanceof BundleProblem) return { ok: false, error: e.message };
    return {
      ok: false,
      error: `This run bundle cannot be imported: ${e instanceof Error ? e.message : String(e)}. ${REEXPORT}`,
    };
  }
}
