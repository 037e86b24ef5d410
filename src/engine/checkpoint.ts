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
 * "NaN"}` (plain JSON would write null). {@link deserializeCheckpoint} reverses it and checks the shape.
 */
import type { PlateauState } from '../core/schedules.ts';
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

// ---------------------------------------------------------------------------------------------------------
// base64 (RFC 4648, with padding), on bytes; no dependency on btoa/Buffer so it runs in workers and Node.
// ---------------------------------------------------------------------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + ALPHABET[v & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (b0 << 16) | (b1 << 8);
    chunk += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]!;
    chunk += i + 1 < n ? ALPHABET[(v >>> 6) & 63]! + '=' : '==';
  }
  parts.push(chunk);
  return parts.join('');
}

/** Bytes of a standard base64 string (padding required); throws on malformed input. */
export function base64ToBytes(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new RangeError('base64: length is not a multiple of 4');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => {
      const ch = s.charCodeAt(i + k);
      if (ch === 61 /* = */ && i + k >= s.length - pad) return 0;
      const d = ch < 128 ? DECODE[ch]! : -1;
      if (d < 0) throw new RangeError(`base64: invalid character at ${i + k}`);
      return d;
    });
    const v = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    if (o < out.length) out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// JSON with typed arrays and non-finite numbers
// ---------------------------------------------------------------------------------------------------------

type TypedName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array';

function typedName(v: unknown): TypedName | null {
  if (v instanceof Float32Array) return 'Float32Array';
  if (v instanceof Float64Array) return 'Float64Array';
  if (v instanceof Int32Array) return 'Int32Array';
  if (v instanceof Uint8Array) return 'Uint8Array';
  return null;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/**
 * JSON text of any plain value holding typed arrays (Float32/Float64/Int32/Uint8) and non-finite
 * numbers, bit-exact (see the module doc for the encoding). Throws on a big-endian platform.
 */
export function stringifyWithTypedArrays(value: unknown): string {
  if (!littleEndian()) throw new Error('checkpoint encoding assumes a little-endian platform');
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    const t = typedName(v);
    if (t !== null) {
      const a = v as Float32Array | Float64Array | Int32Array | Uint8Array;
      return { $typed: t, base64: bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) };
    }
    return v;
  });
}

/** Inverse of {@link stringifyWithTypedArrays}. */
export function parseWithTypedArrays(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o['$num'] === 'string' && Object.keys(o).length === 1) {
      const s = o['$num'];
      if (s === 'Infinity') return Number.POSITIVE_INFINITY;
      if (s === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (s === 'NaN') return Number.NaN;
      throw new RangeError(`checkpoint: unknown number ${s}`);
    }
    if (typeof o['$typed'] === 'string' && typeof o['base64'] === 'string') {
      const bytes = base64ToBytes(o['base64']);
      const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      switch (o['$typed']) {
        case 'Float32Array':
          return new Float32Array(buf);
        case 'Float64Array':
          return new Float64Array(buf);
        case 'Int32Array':
          return new Int32Array(buf);
        case 'Uint8Array':
          return new Uint8Array(buf);
        default:
          throw new RangeError(`checkpoint: unknown typed array ${String(o['$typed'])}`);
      }
    }
    return v;
  });
}

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
