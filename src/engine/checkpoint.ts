/**
 * Checkpoints: everything a Trainer needs to continue a run exactly where it stopped, as one plain
 * object, plus a JSON encoding that keeps typed arrays bit-exact.
 *
 * A checkpoint holds the config, the dataset fingerprint (a checkpoint is refused on another dataset),
 * the position (epochs completed, steps done in the current epoch, global step), the model weights
 * and BatchNorm buffers (Float32Arrays, `CgcnnModel.readWeights` order: params then buffers), the
 * optimizer state (`DeviceOptimizer.getState`), the scheduler position (global step, ReduceLROnPlateau
 * state, the lr scale left by NaN rollbacks), the RNG state *at the start of the current epoch* (the
 * epoch's shuffle is replayed from it and the steps already done are skipped), the current epoch's
 * running train-loss sum, the best validation MAE with the early-stopping counters and (with
 * `restoreBest`) the best weights, and the history so far (epoch records, NaN events).
 *
 * Not stored: the kept top-k checkpoints themselves (only their epochs and MAEs — a checkpoint does not
 * nest checkpoints), the per-step records already emitted, and the last known-good NaN snapshot (a
 * resumed run takes a fresh one from the restored weights).
 *
 * Encoding: {@link serializeCheckpoint} writes JSON in which every Float32Array / Int32Array /
 * Float64Array becomes `{"$typed": "Float32Array", "base64": "…"}` (little-endian bytes, so NaN
 * payloads and −0 survive) and every non-finite number becomes `{"$num": "Infinity" | "-Infinity" |
 * "NaN"}` (plain JSON would write null; the codec lives in core/typedJson.ts and is re-exported here).
 * {@link deserializeCheckpoint} reverses it and checks the shape.
 */
import type { PlateauState } from '../core/schedules.ts';
import { parseWithTypedArrays, stringifyWithTypedArrays } from '../core/typedJson.ts';
import { isRngState, type RngState } from '../core/rng.ts';
import type { DeviceOptimizerState } from './optim.ts';
import { validateConfig, type TrainConfig } from '../core/recipe.ts';
import type { EpochRecord, NanEvent } from './trainer.ts';

export const CHECKPOINT_FORMAT = 'optimization-lab/checkpoint@1';

export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly config: TrainConfig;
  readonly dataset: {
    readonly fingerprint: string;
    readonly name: string;
    readonly size: number;
  };
  /** Epochs completed. */
  readonly epoch: number;
  /** Steps already done in epoch `epoch` (0-based), 0 … stepsPerEpoch (= all done, epoch not closed yet). */
  readonly stepInEpoch: number;
  /** Optimizer steps done in the whole run (the schedule's position). */
  readonly globalStep: number;
  readonly weights: {
    /** Parameter names then buffer names (torch naming). */
    readonly names: string[];
    readonly shapes: number[][];
    readonly data: Float32Array[];
  };
  readonly optimizer: DeviceOptimizerState;
  readonly schedule: {
    readonly globalStep: number;
    readonly plateau: PlateauState | null;
    /** Product of the NaN-rollback halvings so far (1 = none). */
    readonly lrScale: number;
    /** The lr of the last step taken (NaN before the first). */
    readonly lastLr: number;
  };
  /** RNG state before the current epoch's shuffle. */
  readonly rng: RngState;
  /**
   * The current epoch's running totals: Σ and count of its finite step losses (for its mean train loss)
   * and its number of non-finite steps.
   */
  readonly epochLoss: { readonly sum: number; readonly count: number; readonly nanSteps: number };
  readonly best: {
    /** Lowest validation MAE so far (+∞ before the first epoch). */
    readonly valMae: number;
    /** Epoch (1-based count) that reached it; 0 = none yet. */
    readonly epoch: number;
    readonly epochsWithoutImprovement: number;
    /** The weights of that epoch (kept only with earlyStopping.restoreBest). */
    readonly weights: Float32Array[] | null;
  };
  readonly history: {
    readonly epochs: EpochRecord[];
    readonly nanEvents: NanEvent[];
    /** The top-k list at checkpoint time (epochs and validation MAEs only). */
    readonly topK: { readonly epoch: number; readonly valMae: number }[];
  };
}

export {
  base64ToBytes,
  bytesToBase64,
  parseWithTypedArrays,
  stringifyWithTypedArrays,
} from '../core/typedJson.ts';

/** JSON text of a checkpoint (typed arrays bit-exact). */
export function serializeCheckpoint(c: Checkpoint): string {
  return stringifyWithTypedArrays(c);
}

/** A checkpoint from {@link serializeCheckpoint}'s text; throws an Error that says what is wrong. */
export function deserializeCheckpoint(text: string): Checkpoint {
  let v: unknown;
  try {
    v = parseWithTypedArrays(text);
  } catch (e) {
    throw new Error(`This is not a lab checkpoint: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  assertCheckpoint(v);
  return v;
}

/** Throws an Error naming the first problem when `v` is not a well-formed Checkpoint. */
export function assertCheckpoint(v: unknown): asserts v is Checkpoint {
  const fail = (what: string): never => {
    throw new Error(`This is not a usable lab checkpoint: ${what}.`);
  };
  if (v === null || typeof v !== 'object') fail('expected an object');
  const c = v as Record<string, unknown>;
  if (c['format'] !== CHECKPOINT_FORMAT) {
    fail(`format is ${JSON.stringify(c['format'])}, expected ${CHECKPOINT_FORMAT}`);
  }
  try {
    validateConfig(c['config'] as TrainConfig);
  } catch (e) {
    fail(`its config is invalid (${e instanceof Error ? e.message : String(e)})`);
  }
  const ds = c['dataset'] as Record<string, unknown> | undefined;
  if (typeof ds?.['fingerprint'] !== 'string') fail('dataset fingerprint missing');
  for (const k of ['epoch', 'stepInEpoch', 'globalStep'] as const) {
    const x = c[k];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`${k} must be an integer ≥ 0`);
  }
  const w = c['weights'] as Record<string, unknown> | undefined;
  if (
    w === undefined ||
    !Array.isArray(w['names']) ||
    !Array.isArray(w['shapes']) ||
    !Array.isArray(w['data']) ||
    !(w['data'] as unknown[]).every((a) => a instanceof Float32Array) ||
    (w['names'] as unknown[]).length !== (w['data'] as unknown[]).length ||
    (w['shapes'] as unknown[]).length !== (w['data'] as unknown[]).length
  ) {
    fail('weights must be names, shapes and Float32Array data of the same length');
  }
  const o = c['optimizer'] as Record<string, unknown> | undefined;
  if (o === undefined || !Array.isArray(o['slots'])) fail('optimizer state missing');
  if (!isRngState(c['rng'])) fail('RNG state missing or malformed');
  const s = c['schedule'] as Record<string, unknown> | undefined;
  if (s === undefined || typeof s['lrScale'] !== 'number') fail('schedule position missing');
  const el = c['epochLoss'] as Record<string, unknown> | undefined;
  if (el === undefined || typeof el['sum'] !== 'number' || typeof el['count'] !== 'number') {
    fail('epoch loss accumulator missing');
  }
  const b = c['best'] as Record<string, unknown> | undefined;
  if (b === undefined || typeof b['valMae'] !== 'number') fail('best validation MAE missing');
  const h = c['history'] as Record<string, unknown> | undefined;
  if (h === undefined || !Array.isArray(h['epochs']) || !Array.isArray(h['nanEvents'])) {
    fail('history missing');
  }
}
