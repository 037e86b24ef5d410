/**
 * The training configuration: ONE plain, JSON-serialisable object that holds every choice of a run,
 * the seed included, so that a run is reproduced by (dataset fingerprint, TrainConfig, backend).
 *
 * Design notes
 * - **Schedule spec vs schedule config.** A OneCycle schedule needs `total_steps`, which depends on the
 *   dataset (steps per epoch = ⌈kept training rows / batchSize⌉) and on `epochs`. Storing it would let
 *   the two disagree, so the stored spec ({@link ScheduleSpec}) is a `ScheduleConfig` *without*
 *   `totalSteps` for OneCycle; {@link resolveSchedule} derives it as `epochs × stepsPerEpoch` when the
 *   trainer knows the dataset. Every other kind is stored complete (their step counts — `stepSize`,
 *   `tMax`, milestones — are the user's to choose, in optimizer steps).
 * - **Who owns the lr.** The schedule gives every step's lr (and, for OneCycle with `cycleMomentum`, the
 *   SGD/RMSprop momentum or Adam β₁). The optimizer config's own `lr` (and momentum/β₁ when cycled) are
 *   therefore not used for training; {@link withDefaults} sets the optimizer's `lr` to the schedule's
 *   peak so that the object reads consistently. Effective lr of step t:
 *   `scheduleAt(spec, t).lr × plateauFactor × lrScale`, where plateauFactor comes from
 *   ReduceLROnPlateau (if configured) and lrScale halves after each NaN rollback.
 * - **ReduceLROnPlateau** runs on the validation MAE once per epoch and acts as a multiplicative factor
 *   on the scheduled lr: its state machine (src/core/schedules.ts) starts from the schedule's reference
 *   lr (`maxLr` for OneCycle, `baseLr` otherwise), and factor = plateau lr / reference lr. With a
 *   `constant` schedule this is exactly torch's ReduceLROnPlateau; `minLr` is in absolute lr units of
 *   that reference.
 */
import {
  makeOptimizerConfig,
  validateConfig as validateOptimizerConfig,
  type OptimizerConfig,
  type OptimizerKind,
} from './optimizers.ts';
import {
  plateauWithDefaults,
  validatePlateau,
  validateSchedule,
  withDefaults as scheduleWithDefaults,
  type OneCycleConfig,
  type PlateauConfig,
  type ScheduleConfig,
  type ScheduleConfigInput,
} from './schedules.ts';
import type { LossConfig } from './losses.ts';
import type { OutlierConfig } from './outliers.ts';

/** The CGCNN sizes a user chooses (input sizes come from the dataset: 92-d atom features, 41 Gaussians). */
export interface ModelSizes {
  /** F: atom feature length after the embedding (cgcnn `atom_fea_len`, default 64). */
  readonly atomFeaLen: number;
  /** Number of graph convolutions (cgcnn `n_conv`, default 3). */
  readonly nConv: number;
  /** Hidden length after pooling (cgcnn `h_fea_len`, default 128). */
  readonly hFeaLen: number;
  /** Number of hidden layers after pooling (cgcnn `n_h`, default 1). */
  readonly nH: number;
}

/**
 * The whole network's sizes, cgcnn's `CrystalGraphConvNet` arguments: the input lengths (from the
 * dataset: atom features D, Gaussian bond features G) plus the {@link ModelSizes} a person chooses.
 */
export interface CgcnnSizes {
  /** D: atom feature length of the input (cgcnn `orig_atom_fea_len`, 92 with atom_init.json). */
  origAtomFeaLen: number;
  /** G: bond feature length (cgcnn `nbr_fea_len`, 41 Gaussians by default). */
  nbrFeaLen: number;
  atomFeaLen: number;
  nConv: number;
  hFeaLen: number;
  nH: number;
}

/** A OneCycle schedule without `totalSteps` (derived by the trainer: epochs × steps per epoch). */
export type OneCycleSpec = Omit<OneCycleConfig, 'totalSteps'>;

/** The schedule as stored in a TrainConfig: OneCycle without `totalSteps`, the other kinds complete. */
export type ScheduleSpec = OneCycleSpec | Exclude<ScheduleConfig, OneCycleConfig>;

/** What happens when a step's loss or gradient norm is not finite (the step itself is always skipped). */
export type NanPolicy = 'skip' | 'rollback' | 'stop';

export interface TrainConfig {
  /** Seeds the model initialisation and the per-epoch shuffles. */
  readonly seed: number | string;
  readonly epochs: number;
  /** Crystals per training step (the last, partial batch of an epoch is kept: drop_last = False). */
  readonly batchSize: number;
  /** Crystals per forward pass when evaluating (does not change the results, only memory and speed). */
  readonly evalBatchSize: number;
  readonly model: ModelSizes;
  /** torch.optim hyper-parameters; `lr` (and cycled momentum/β₁) are overridden by the schedule per step. */
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleSpec;
  /** ReduceLROnPlateau on the validation MAE, once per epoch; null = off. */
  readonly plateau: PlateauConfig | null;
  readonly loss: LossConfig;
  /** Global L2 gradient clipping (torch clip_grad_norm_); maxNorm null = off. */
  readonly clip: { readonly maxNorm: number | null };
  /** Outlier removal on the training targets before normalisation; null = off. */
  readonly outliers: OutlierConfig | null;
  /**
   * On a non-finite loss or gradient norm (the update is always suppressed on device):
   * 'skip' reports and continues; 'rollback' restores the last known-good weights, optimizer slots and
   * BatchNorm buffers and halves the lr for the rest of the run; 'stop' reports and ends the run.
   */
  readonly nanPolicy: NanPolicy;
  /**
   * Stop after `patience` epochs without a lower validation MAE (null = never); with `restoreBest` the
   * weights of the best epoch are put back at the end of the run (early stop or not).
   */
  readonly earlyStopping: { readonly patience: number | null; readonly restoreBest: boolean };
  /** Number of checkpoints kept, the best by validation MAE (0 = none). */
  readonly topK: number;
  /** Training steps between two readbacks of the per-step records (also read back at each epoch end). */
  readonly logEvery: number;
}

/**
 * The lab's seed recipe: Adam (torch defaults, β₂ 0.999, ε 1e-8) under OneCycle (cos, pct_start 0.3,
 * div 25, final div 1e4, peak lr {@link DEFAULT_MAX_LR}) with β₁ cycled 0.95 → 0.85 → 0.95 (torch's
 * base/max momentum), global-norm clipping at 0.5, Huber δ = 0.2 on the normalised targets,
 * single-pass 4σ outlier removal, NaN rollback, batch 64, 30 epochs, CGCNN F = 64, 3 convs, 128 hidden,
 * seed 123.
 *
 * Optimizer and peak lr were chosen by experiment on the built-in teaching set (wasm backend, Node):
 * - 400 crystals, F = 32, 3 convs, batch 32, 20 epochs, final val MAE / std(val): Adam 1e-3 0.093,
 *   **Adam 3e-3 0.059**, Adam 1e-2 0.079, SGD(momentum 0.9) 3e-2 0.126, 0.1 0.111, 0.3 0.091;
 *   F = 64, batch 64: Adam 3e-3 0.072, Adam 1e-2 0.068.
 * - The full default on the 2,000-crystal set (1,600 train, 750 steps): Adam 3e-3 reaches val MAE
 *   0.047 eV/atom = 0.034·std (below the 0.25·std bar from epoch 3 on), test MAE 0.051, R² 0.998, in
 *   143 s; Adam 1e-2 0.040·std.
 */
export const DEFAULT_MAX_LR = 3e-3;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  seed: 123,
  epochs: 30,
  batchSize: 64,
  evalBatchSize: 256,
  model: { atomFeaLen: 64, nConv: 3, hFeaLen: 128, nH: 1 },
  optimizer: makeOptimizerConfig('Adam', { lr: DEFAULT_MAX_LR }),
  schedule: oneCycleSpec({ maxLr: DEFAULT_MAX_LR }),
  plateau: null,
  loss: { kind: 'huber', delta: 0.2 },
  clip: { maxNorm: 0.5 },
  outliers: { method: 'sigma', k: 4 },
  nanPolicy: 'rollback',
  earlyStopping: { patience: null, restoreBest: false },
  topK: 3,
  logEvery: 10,
};

/** A OneCycle spec with torch's defaults for every field not given. */
export function oneCycleSpec(input: Partial<OneCycleSpec> & { maxLr: number }): OneCycleSpec {
  return stripTotalSteps(
    scheduleWithDefaults({ ...input, kind: 'onecycle', totalSteps: 1 }) as OneCycleConfig,
  );
}

function stripTotalSteps(c: OneCycleConfig): OneCycleSpec {
  return {
    kind: 'onecycle',
    maxLr: c.maxLr,
    pctStart: c.pctStart,
    annealStrategy: c.annealStrategy,
    divFactor: c.divFactor,
    finalDivFactor: c.finalDivFactor,
    threePhase: c.threePhase,
    cycleMomentum: c.cycleMomentum,
    baseMomentum: c.baseMomentum,
    maxMomentum: c.maxMomentum,
  };
}

/**
 * The complete schedule config for a run of `totalSteps` optimizer steps: OneCycle gets
 * `totalSteps` (torch's `total_steps = epochs × steps_per_epoch`); other kinds are returned as stored.
 */
export function resolveSchedule(spec: ScheduleSpec, totalSteps: number): ScheduleConfig {
  const c: ScheduleConfig = spec.kind === 'onecycle' ? { ...spec, totalSteps } : spec;
  validateSchedule(c);
  return c;
}

/** The lr ReduceLROnPlateau's factor is measured against: OneCycle's peak, else the base lr. */
export function referenceLr(spec: ScheduleSpec): number {
  return spec.kind === 'onecycle' ? spec.maxLr : spec.baseLr;
}

/** The schedule's reference lr as people name runs by it: "max_lr 0.003" (OneCycle), else "lr 0.01". */
export function lrLabel(spec: ScheduleSpec): string {
  return `${spec.kind === 'onecycle' ? 'max_lr' : 'lr'} ${Number(referenceLr(spec).toPrecision(3))}`;
}

/** Steps per epoch for `nTrain` kept training rows (the last partial batch counts: drop_last = False). */
export function stepsPerEpoch(nTrain: number, batchSize: number): number {
  return Math.ceil(nTrain / batchSize);
}

// ---------------------------------------------------------------------------------------------------------
// Partial input and defaults
// ---------------------------------------------------------------------------------------------------------

/** A schedule as a person writes it: torch defaults may be omitted, OneCycle never has totalSteps. */
export type ScheduleSpecInput =
  | (Partial<OneCycleSpec> & { readonly kind: 'onecycle'; readonly maxLr: number })
  | Exclude<ScheduleConfigInput, { kind: 'onecycle' }>;

/** An optimizer as a person writes it: the kind plus any torch hyper-parameters to change. */
export type OptimizerInput = {
  [K in OptimizerKind]: { readonly kind: K } & Partial<Omit<Extract<OptimizerConfig, { kind: K }>, 'kind'>>;
}[OptimizerKind];

/** Every field optional; nested objects may be partial too. */
export interface TrainConfigInput {
  readonly seed?: number | string;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly evalBatchSize?: number;
  readonly model?: Partial<ModelSizes>;
  readonly optimizer?: OptimizerInput;
  readonly schedule?: ScheduleSpecInput;
  readonly plateau?: Partial<PlateauConfig> | null;
  readonly loss?: LossConfig;
  readonly clip?: { readonly maxNorm: number | null };
  readonly outliers?: OutlierConfig | null;
  readonly nanPolicy?: NanPolicy;
  readonly earlyStopping?: Partial<TrainConfig['earlyStopping']>;
  readonly topK?: number;
  readonly logEvery?: number;
}

function completeSchedule(input: ScheduleSpecInput): ScheduleSpec {
  if (input.kind === 'onecycle') return oneCycleSpec(input);
  return scheduleWithDefaults(input);
}

/**
 * A complete TrainConfig from `DEFAULT_TRAIN_CONFIG` and the given fields (fresh plain object,
 * validated). Nested `model`, `plateau` and `earlyStopping` merge field by field; a `schedule` or
 * `optimizer` given replaces the default one, with torch's defaults for the fields it omits. The
 * optimizer's `lr` defaults to the schedule's reference lr (which overrides it per step anyway).
 */
export function withDefaults(input: TrainConfigInput = {}): TrainConfig {
  const d = DEFAULT_TRAIN_CONFIG;
  const schedule = input.schedule !== undefined ? completeSchedule(input.schedule) : d.schedule;
  let optimizer: OptimizerConfig;
  if (input.optimizer !== undefined) {
    const { kind, ...rest } = input.optimizer;
    const overrides = { lr: referenceLr(schedule), ...definedOnly(rest) } as Partial<
      Omit<OptimizerConfig, 'kind'>
    >;
    optimizer = makeOptimizerConfig(kind, overrides);
  } else if (input.schedule !== undefined) {
    optimizer = { ...d.optimizer, lr: referenceLr(schedule) };
  } else {
    optimizer = d.optimizer;
  }
  const config: TrainConfig = {
    seed: input.seed ?? d.seed,
    epochs: input.epochs ?? d.epochs,
    batchSize: input.batchSize ?? d.batchSize,
    evalBatchSize: input.evalBatchSize ?? d.evalBatchSize,
    model: { ...d.model, ...definedOnly(input.model ?? {}) },
    optimizer,
    schedule,
    plateau:
      input.plateau === undefined
        ? d.plateau
        : input.plateau === null
          ? null
          : plateauWithDefaults(definedOnly(input.plateau)),
    loss: input.loss ?? d.loss,
    clip: input.clip ?? d.clip,
    outliers: input.outliers === undefined ? d.outliers : input.outliers,
    nanPolicy: input.nanPolicy ?? d.nanPolicy,
    earlyStopping: { ...d.earlyStopping, ...definedOnly(input.earlyStopping ?? {}) },
    topK: input.topK ?? d.topK,
    logEvery: input.logEvery ?? d.logEvery,
  };
  validateConfig(config);
  return structuredCloneConfig(config);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function structuredCloneConfig(c: TrainConfig): TrainConfig {
  return JSON.parse(JSON.stringify(c)) as TrainConfig;
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

function posInt(name: string, x: unknown): void {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) {
    throw new RangeError(`Training config: ${name} must be a whole number ≥ 1, got ${String(x)}.`);
  }
}

function nonNegInt(name: string, x: unknown): void {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    throw new RangeError(`Training config: ${name} must be a whole number ≥ 0, got ${String(x)}.`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Throws a RangeError, with a sentence a person can act on, when `c` is not a valid TrainConfig.
 * Checks every field (types and ranges), the schedule (src/core/schedules.ts rules, with a placeholder
 * totalSteps for OneCycle), the optimizer (torch's constructor rules), that a momentum-cycling
 * OneCycle is not paired with Adagrad (torch's OneCycleLR refuses: Adagrad has no momentum or betas),
 * the loss hyper-parameters, the outlier filter and the plateau config.
 */
export function validateConfig(c: TrainConfig): void {
  if (!isObject(c)) throw new RangeError('Training config: expected an object.');
  if (typeof c.seed !== 'number' && typeof c.seed !== 'string') {
    throw new RangeError('Training config: seed must be a number or a string.');
  }
  if (typeof c.seed === 'number' && !Number.isSafeInteger(c.seed)) {
    throw new RangeError(`Training config: a numeric seed must be a whole number, got ${c.seed}.`);
  }
  posInt('epochs', c.epochs);
  posInt('batchSize', c.batchSize);
  posInt('evalBatchSize', c.evalBatchSize);
  if (!isObject(c.model)) throw new RangeError('Training config: model must be an object.');
  posInt('model.atomFeaLen', c.model.atomFeaLen);
  posInt('model.nConv', c.model.nConv);
  posInt('model.hFeaLen', c.model.hFeaLen);
  posInt('model.nH', c.model.nH);
  if (!isObject(c.optimizer)) throw new RangeError('Training config: optimizer must be an object.');
  validateOptimizerConfig(c.optimizer);
  if (!isObject(c.schedule)) throw new RangeError('Training config: schedule must be an object.');
  validateSchedule(c.schedule.kind === 'onecycle' ? { ...c.schedule, totalSteps: 1 } : c.schedule);
  if (c.schedule.kind === 'onecycle' && c.schedule.cycleMomentum && c.optimizer.kind === 'Adagrad') {
    throw new RangeError(
      'Training config: OneCycle cycles the momentum, but Adagrad has none (torch refuses this pairing). ' +
        'Set schedule.cycleMomentum to false or pick another optimizer.',
    );
  }
  if (c.plateau !== null) {
    if (!isObject(c.plateau)) throw new RangeError('Training config: plateau must be an object or null.');
    validatePlateau(c.plateau);
    if (c.plateau.mode !== 'min') {
      throw new RangeError("Training config: plateau watches the validation MAE, so its mode must be 'min'.");
    }
  }
  validateLoss(c.loss);
  if (!isObject(c.clip)) throw new RangeError('Training config: clip must be an object { maxNorm }.');
  if (c.clip.maxNorm !== null && !(Number.isFinite(c.clip.maxNorm) && c.clip.maxNorm > 0)) {
    throw new RangeError(
      `Training config: clip.maxNorm must be a number > 0 or null (no clipping), got ${String(c.clip.maxNorm)}.`,
    );
  }
  if (c.outliers !== null) {
    if (!isObject(c.outliers)) throw new RangeError('Training config: outliers must be an object or null.');
    const m: unknown = c.outliers.method;
    if (m !== 'sigma' && m !== 'iterative-sigma' && m !== 'mad') {
      throw new RangeError(
        `Training config: outliers.method must be 'sigma', 'iterative-sigma' or 'mad', got ${JSON.stringify(m)}.`,
      );
    }
    if (!(Number.isFinite(c.outliers.k) && c.outliers.k > 0)) {
      throw new RangeError(`Training config: outliers.k must be a number > 0, got ${String(c.outliers.k)}.`);
    }
  }
  const p: unknown = c.nanPolicy;
  if (p !== 'skip' && p !== 'rollback' && p !== 'stop') {
    throw new RangeError(
      `Training config: nanPolicy must be 'skip', 'rollback' or 'stop', got ${JSON.stringify(p)}.`,
    );
  }
  if (!isObject(c.earlyStopping)) throw new RangeError('Training config: earlyStopping must be an object.');
  if (c.earlyStopping.patience !== null) nonNegInt('earlyStopping.patience', c.earlyStopping.patience);
  if (typeof c.earlyStopping.restoreBest !== 'boolean') {
    throw new RangeError('Training config: earlyStopping.restoreBest must be true or false.');
  }
  nonNegInt('topK', c.topK);
  posInt('logEvery', c.logEvery);
}

function validateLoss(l: LossConfig): void {
  if (!isObject(l)) throw new RangeError('Training config: loss must be an object.');
  switch (l.kind) {
    case 'mse':
    case 'mae':
      return;
    case 'huber':
      if (!(Number.isFinite(l.delta) && l.delta > 0)) {
        throw new RangeError(`Training config: Huber delta must be a number > 0, got ${String(l.delta)}.`);
      }
      return;
    case 'smoothl1':
      if (!(Number.isFinite(l.beta) && l.beta >= 0)) {
        throw new RangeError(`Training config: SmoothL1 beta must be a number ≥ 0, got ${String(l.beta)}.`);
      }
      return;
    default: {
      const k: unknown = (l as { kind: unknown }).kind;
      throw new RangeError(
        `Training config: loss.kind must be 'mse', 'mae', 'huber' or 'smoothl1', got ${JSON.stringify(k)}.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------------------

/** JSON text of a config (every field is a plain number, string, boolean, null, array or object). */
export function configToJson(c: TrainConfig): string {
  return JSON.stringify(c);
}

/** Parses and validates a config written by {@link configToJson}; throws a RangeError with the reason. */
export function configFromJson(text: string): TrainConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`Training config: not valid JSON (${e instanceof Error ? e.message : String(e)}).`, {
      cause: e,
    });
  }
  if (!isObject(parsed)) throw new RangeError('Training config: expected a JSON object.');
  const c = parsed as unknown as TrainConfig;
  validateConfig(c);
  return c;
}
