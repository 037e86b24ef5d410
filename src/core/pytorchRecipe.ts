/**
 * "Export recipe as PyTorch": one self-contained Python script that re-runs a lab recipe with PyTorch
 * on txie-93/cgcnn's model (`cgcnn.model.CrystalGraphConvNet`, `cgcnn.data.CIFData`).
 *
 * The script ports, exactly, the parts of the recipe that are pure arithmetic on the host:
 * - the train/val/test split (src/data/dataset.ts `splitIndices`: FNV-1a 64 for string seeds,
 *   SplitMix64 seeding, xoshiro128**, rejection-sampled integers, Fisher–Yates — src/core/rng.ts) on
 *   Python ints;
 * - the outlier rule on the training targets (src/core/outliers.ts `filterOutliers`, numpy sums);
 * - the normaliser (mean and unbiased std of the kept training targets, src/data/dataset.ts
 *   `targetStats`);
 * - the per-step lr/momentum, with torch's own scheduler classes built with the same arguments
 *   (src/core/schedules.ts states their torch 1.13 semantics), ReduceLROnPlateau's factor and the NaN
 *   rollback's lr scale applied on top exactly as src/engine/trainer.ts does.
 * What cannot be identical (torch's RNG for init and shuffles, float32 kernels) is said in the script's
 * header. Test modes (`--print-schedule`, `--print-split N`, `--print-outliers FILE`, `--print-recipe`)
 * let src/engine/pytorchRecipe.test.ts compare the port against the lab.
 *
 * Safety: every user string (run, dataset and target names, lab version, string seeds) enters the
 * script only as an escaped, ASCII-safe Python string literal ({@link pyStr}); no raw user text is
 * written into code, comments or the docstring, so a name cannot end a string or inject code.
 * Numbers are written with JS `String(x)`, which Python reads back to the same double.
 */
import type { OptimizerConfig } from './optimizers.ts';
import type { LossConfig } from './losses.ts';
import { validateConfig, type ScheduleSpec, type TrainConfig } from './recipe.ts';

export interface PytorchExportInput {
  readonly config: TrainConfig;
  readonly runName: string;
  readonly datasetName: string;
  /** Target column name (id_prop.csv: 'target' = 2nd column, 'target_N' = column N, or a header name). */
  readonly target: string;
  /** Rows in the training split BEFORE outlier removal (the script recomputes and warns if different). */
  readonly nTrain: number;
  /** As the lab computed them: ⌈kept training rows / batchSize⌉ and epochs × stepsPerEpoch. */
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly split: { readonly seed: number | string; readonly valRatio: number; readonly testRatio: number };
  /** cgcnn featurisation (defaults 8 Å, 12 neighbours, dmin 0, step 0.2). */
  readonly graph?: {
    readonly radius: number;
    readonly maxNeighbors: number;
    readonly dmin: number;
    readonly step: number;
  };
  readonly labVersion: string;
}

/** Default cgcnn featurisation (CIFData's defaults, which the lab uses). */
export const PYTORCH_GRAPH_DEFAULTS = { radius: 8, maxNeighbors: 12, dmin: 0, step: 0.2 } as const;

// ---------------------------------------------------------------------------------------------------------
// Python literals
// ---------------------------------------------------------------------------------------------------------

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** Printable non-ASCII characters that may stay raw in the (UTF-8) script. */
const RAW_OK = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * A double-quoted Python string literal for `s` that evaluates to the same code points: `\\`, `\"`,
 * `\n`, `\r`, `\t`, `\xHH` for other controls, `\uHHHH` for lone surrogates and non-printable
 * characters, a surrogate pair as one code point. The literal never contains a raw quote, backslash
 * or line break, so it is safe inside code, comments and triple-quoted docstrings.
 */
export function pyStr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        const ch = String.fromCodePoint(cp);
        out += RAW_OK.test(ch) ? ch : `\\U${hex(cp, 8)}`;
        i++;
        continue;
      }
    }
    const ch = s[i] as string;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c < 0x80) out += ch;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${hex(c, 4)}`;
    else if (RAW_OK.test(ch)) out += ch;
    else if (c < 0x100) out += `\\x${hex(c, 2)}`;
    else out += `\\u${hex(c, 4)}`;
  }
  return out + '"';
}

/** A Python number literal that reads back as the same double (JS `String(x)`); throws if not finite. */
export function pyNum(x: number): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new RangeError(`pytorchScript: expected a finite number, got ${String(x)}`);
  }
  return Object.is(x, -0) ? '-0.0' : String(x);
}

function pyInt(name: string, x: number): string {
  if (!Number.isSafeInteger(x)) throw new RangeError(`pytorchScript: ${name} must be an integer, got ${x}`);
  return String(x);
}

const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A Python literal for JSON-like data (dict keys are strings; one dict entry per line). */
function pyLiteral(v: unknown, indent = ''): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return pyBool(v);
  if (typeof v === 'number') return pyNum(v);
  if (typeof v === 'string') return pyStr(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x, indent)).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '    ';
    const lines = entries.map(([k, x]) => `${inner}${pyStr(k)}: ${pyLiteral(x, inner)},`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  throw new TypeError(`pytorchScript: cannot write ${typeof v} as a Python literal`);
}

/** A call with one keyword argument per line (PEP 8 hanging indent). */
function call(indent: string, fn: string, args: readonly string[]): string {
  const inner = indent + '    ';
  return `${fn}(\n${args.map((a) => `${inner}${a},`).join('\n')}\n${indent})`;
}

// ---------------------------------------------------------------------------------------------------------
// Generated parts
// ---------------------------------------------------------------------------------------------------------

/** The lr the optimizer is constructed with: the schedule's base lr (OneCycle overwrites it anyway). */
function startLr(s: ScheduleSpec): number {
  return s.kind === 'onecycle' ? s.maxLr : s.baseLr;
}

function optimizerCode(o: OptimizerConfig, lr: number): string {
  const i = '    ';
  switch (o.kind) {
    case 'SGD':
      return call(i, 'torch.optim.SGD', [
        'params',
        `lr=${pyNum(lr)}`,
        `momentum=${pyNum(o.momentum)}`,
        `dampening=${pyNum(o.dampening)}`,
        `weight_decay=${pyNum(o.weightDecay)}`,
        `nesterov=${pyBool(o.nesterov)}`,
      ]);
    case 'Adagrad':
      return call(i, 'torch.optim.Adagrad', [
        'params',
        `lr=${pyNum(lr)}`,
        `lr_decay=${pyNum(o.lrDecay)}`,
        `weight_decay=${pyNum(o.weightDecay)}`,
        `initial_accumulator_value=${pyNum(o.initialAccumulatorValue)}`,
        `eps=${pyNum(o.eps)}`,
      ]);
    case 'RMSprop':
      return call(i, 'torch.optim.RMSprop', [
        'params',
        `lr=${pyNum(lr)}`,
        `alpha=${pyNum(o.alpha)}`,
        `eps=${pyNum(o.eps)}`,
        `weight_decay=${pyNum(o.weightDecay)}`,
        `momentum=${pyNum(o.momentum)}`,
        `centered=${pyBool(o.centered)}`,
      ]);
    case 'Adam':
    case 'AdamW':
      return call(i, `torch.optim.${o.kind}`, [
        'params',
        `lr=${pyNum(lr)}`,
        `betas=(${pyNum(o.betas[0])}, ${pyNum(o.betas[1])})`,
        `eps=${pyNum(o.eps)}`,
        `weight_decay=${pyNum(o.weightDecay)}`,
        `amsgrad=${pyBool(o.amsgrad)}`,
      ]);
  }
}

/** Where the optimizer keeps the momentum OneCycle cycles: 'momentum', 'betas' or None (Adagrad). */
function momentumKey(o: OptimizerConfig): string {
  return o.kind === 'SGD' || o.kind === 'RMSprop' ? "'momentum'" : o.kind === 'Adagrad' ? 'None' : "'betas'";
}

function schedulerCode(s: ScheduleSpec): { comment: string; code: string } {
  const i = '    ';
  const S = 'torch.optim.lr_scheduler.';
  switch (s.kind) {
    case 'onecycle':
      return {
        comment: 'OneCycleLR; total_steps = epochs x steps per epoch.',
        code: call(i, `${S}OneCycleLR`, [
          'optimizer',
          `max_lr=${pyNum(s.maxLr)}`,
          'total_steps=total_steps',
          `pct_start=${pyNum(s.pctStart)}`,
          `anneal_strategy='${s.annealStrategy}'`,
          `cycle_momentum=${pyBool(s.cycleMomentum)}`,
          `base_momentum=${pyNum(s.baseMomentum)}`,
          `max_momentum=${pyNum(s.maxMomentum)}`,
          `div_factor=${pyNum(s.divFactor)}`,
          `final_div_factor=${pyNum(s.finalDivFactor)}`,
          `three_phase=${pyBool(s.threePhase)}`,
        ]),
      };
    case 'step':
      return {
        comment: 'StepLR: lr x gamma every step_size optimizer steps.',
        code: call(i, `${S}StepLR`, [
          'optimizer',
          `step_size=${pyInt('stepSize', s.stepSize)}`,
          `gamma=${pyNum(s.gamma)}`,
        ]),
      };
    case 'multistep':
      return {
        comment: 'MultiStepLR: lr x gamma at each milestone (repeats count).',
        code: call(i, `${S}MultiStepLR`, [
          'optimizer',
          `milestones=[${s.milestones.map((m) => pyInt('milestone', m)).join(', ')}]`,
          `gamma=${pyNum(s.gamma)}`,
        ]),
      };
    case 'exponential':
      return {
        comment: 'ExponentialLR: lr x gamma every optimizer step.',
        code: call(i, `${S}ExponentialLR`, ['optimizer', `gamma=${pyNum(s.gamma)}`]),
      };
    case 'cosine':
      return {
        comment: 'CosineAnnealingLR (periodic past T_max, as torch).',
        code: call(i, `${S}CosineAnnealingLR`, [
          'optimizer',
          `T_max=${pyInt('tMax', s.tMax)}`,
          `eta_min=${pyNum(s.etaMin)}`,
        ]),
      };
    case 'invsqrt':
      return {
        comment: 'Inverse square root: base_lr / sqrt(step + 1), a LambdaLR.',
        code: call(i, `${S}LambdaLR`, ['optimizer', 'lr_lambda=inverse_sqrt_factor']),
      };
    case 'linear-warmup':
      return {
        comment: 'Linear warm-up: LinearLR (the lr stays after total_iters).',
        code: call(i, `${S}LinearLR`, [
          'optimizer',
          `start_factor=${pyNum(s.startFactor)}`,
          `end_factor=${pyNum(s.endFactor)}`,
          `total_iters=${pyInt('totalIters', s.totalIters)}`,
        ]),
      };
    case 'constant':
      return {
        comment: "Constant lr: LambdaLR x 1.0 (not torch's ConstantLR).",
        code: call(i, `${S}LambdaLR`, ['optimizer', 'lr_lambda=constant_factor']),
      };
  }
}

function lossCode(l: LossConfig): string {
  switch (l.kind) {
    case 'huber':
      return `torch.nn.HuberLoss(delta=${pyNum(l.delta)}, reduction=reduction)`;
    case 'smoothl1':
      return `torch.nn.SmoothL1Loss(beta=${pyNum(l.beta)}, reduction=reduction)`;
    case 'mse':
      return 'torch.nn.MSELoss(reduction=reduction)';
    case 'mae':
      return 'torch.nn.L1Loss(reduction=reduction)';
  }
}

function plateauCode(c: TrainConfig): string {
  const p = c.plateau;
  if (p === null) return '    return None';
  const ref = c.schedule.kind === 'onecycle' ? c.schedule.maxLr : c.schedule.baseLr;
  return [
    '    # A tracker on a dummy optimizer at the reference lr: the factor it',
    '    # reaches multiplies the scheduled lr (plateau_factor), as in the lab.',
    '    dummy = torch.optim.SGD(',
    `        [torch.nn.Parameter(torch.zeros(1))], lr=${pyNum(ref)})`,
    '    return ' +
      call('    ', 'torch.optim.lr_scheduler.ReduceLROnPlateau', [
        'dummy',
        `mode='${p.mode}'`,
        `factor=${pyNum(p.factor)}`,
        `patience=${pyInt('plateau.patience', p.patience)}`,
        `threshold=${pyNum(p.threshold)}`,
        `threshold_mode='${p.thresholdMode}'`,
        `cooldown=${pyInt('plateau.cooldown', p.cooldown)}`,
        `min_lr=${pyNum(p.minLr)}`,
        `eps=${pyNum(p.eps)}`,
      ]),
  ].join('\n');
}

function describeSchedule(s: ScheduleSpec): string {
  switch (s.kind) {
    case 'onecycle':
      return `OneCycle (${s.annealStrategy}, peak ${pyNum(s.maxLr)})`;
    case 'step':
      return `StepLR (every ${s.stepSize} steps)`;
    case 'multistep':
      return 'MultiStepLR';
    case 'exponential':
      return 'ExponentialLR';
    case 'cosine':
      return `CosineAnnealingLR (T_max ${s.tMax})`;
    case 'invsqrt':
      return 'inverse square root (LambdaLR)';
    case 'linear-warmup':
      return `LinearLR warm-up (${s.totalIters} steps)`;
    case 'constant':
      return 'constant lr';
  }
}

function lossName(l: LossConfig): string {
  switch (l.kind) {
    case 'huber':
      return `Huber (delta ${pyNum(l.delta)})`;
    case 'smoothl1':
      return `SmoothL1 (beta ${pyNum(l.beta)})`;
    case 'mse':
      return 'MSE';
    case 'mae':
      return 'L1 (MAE)';
  }
}

// ---------------------------------------------------------------------------------------------------------
// The script
// ---------------------------------------------------------------------------------------------------------

/**
 * The Python script for `input` (deterministic: same input, same text). Throws a RangeError for
 * non-finite numbers or non-integer counts (a validated TrainConfig never has them).
 */
export function pytorchScript(input: PytorchExportInput): string {
  const c = input.config;
  validateConfig(c);
  const g = input.graph ?? PYTORCH_GRAPH_DEFAULTS;
  const sched = schedulerCode(c.schedule);
  const seed = typeof c.seed === 'string' ? pyStr(c.seed) : pyInt('seed', c.seed);
  const splitSeed =
    typeof input.split.seed === 'string' ? pyStr(input.split.seed) : pyInt('split.seed', input.split.seed);
  const outliers =
    c.outliers === null ? 'off' : `${c.outliers.method}, k = ${pyNum(c.outliers.k)} (training targets)`;

  const header = `#!/usr/bin/env python3
"""Train CGCNN with PyTorch on the recipe of an Optimization Lab run.

Generated by the Optimization Lab (version ${pyStr(input.labVersion)}) from
    run:      ${pyStr(input.runName)}
    dataset:  ${pyStr(input.datasetName)}
    target:   ${pyStr(input.target)}
(names are written as Python string literals).

Recipe
    optimizer   ${c.optimizer.kind}
    schedule    ${describeSchedule(c.schedule)}
    loss        ${lossName(c.loss)} on normalised targets
    clipping    ${c.clip.maxNorm === null ? 'off' : `global norm ${pyNum(c.clip.maxNorm)}`}
    outliers    ${outliers}
    NaN policy  ${c.nanPolicy}
    batches     ${c.batchSize} crystals, ${c.epochs} epochs
    CGCNN       atom_fea_len ${c.model.atomFeaLen}, n_conv ${c.model.nConv}, h_fea_len ${c.model.hFeaLen}, n_h ${c.model.nH}

Usage
    python3 train_recipe.py ROOT_DIR [--out DIR] [--split-file split.json]
ROOT_DIR is a cgcnn data folder: id_prop.csv, atom_init.json, <id>.cif.
Writes into --out: split.json (the ids of each part), the top-k
checkpoints epochNNN.pth, final.pth and history.json (per-epoch metrics).
Needs PyTorch, numpy and cgcnn (https://github.com/txie-93/cgcnn, with
pymatgen) importable. Test modes, which need neither ROOT_DIR nor cgcnn:
    --print-schedule     lr and momentum of every optimizer step (JSON)
    --print-split N      the lab's split of N rows (JSON row indices)
    --print-outliers F   kept indices of the JSON list of targets in F
    --print-recipe       the lab's training config (JSON)

What is identical to the lab
- The split: the lab's seeded split (xoshiro128** seeded through
  SplitMix64, FNV-1a 64 for string seeds, Fisher-Yates), ported to Python
  ints, applied to the rows of id_prop.csv in file order. The lab's rows
  are the rows it accepted, in file order: rows it rejected (unreadable
  CIF, unknown element, bad target, duplicate id) shift the indices, so
  if the lab rejected rows pass its split with --split-file.
- The outlier rule on the training targets and the normaliser: mean and
  unbiased std of the training targets kept after outlier removal (cgcnn's
  main.py samples 500 rows of the whole set instead).
- Optimizer and schedule: the same torch classes and hyper-parameters,
  scheduler.step() once per optimizer step (the lab's step convention),
  ReduceLROnPlateau on the validation MAE once per epoch as a factor on
  the scheduled lr, the same loss, global-norm clipping, NaN policy, early
  stopping, top-k checkpoints by validation MAE, batch size and epochs.
- Model sizes and cgcnn's featurisation parameters.

What is not identical
- Random streams: torch.manual_seed drives the weight initialisation and
  the DataLoader shuffle order, which differ from the lab's generator, so
  results agree in distribution, not bit for bit.
- Floating point: float32 kernels (CPU/CUDA vs WebGPU/WASM) round
  differently, and pymatgen's neighbour lists may order equidistant
  neighbours differently from the lab's.

Outgrowing one machine
- torch.distributed: wrap the model in DistributedDataParallel, give the
  training DataLoader a DistributedSampler (call sampler.set_epoch(epoch)
  each epoch) and launch with  torchrun --nproc_per_node=N train_recipe.py
  ROOT_DIR.  Each process then sees 1/N of the rows per epoch; batch size
  is per process (use ${c.batchSize}/N to keep the global batch).
- PyTorch Lightning: Trainer(strategy="ddp", devices=N,
  gradient_clip_val=${c.clip.maxNorm === null ? 'None' : pyNum(c.clip.maxNorm)},
  gradient_clip_algorithm="norm"), with the scheduler
  returned from configure_optimizers as {"scheduler": ..., "interval": "step"}
  so it steps per optimizer step, not per epoch.
- Either way OneCycle's total_steps must be recomputed from the
  per-process steps per epoch: epochs x ceil(rows per process / batch).
"""
`;

  const constants = `
import argparse
import copy
import csv
import json
import math
import os
import sys

# ---------------------------------------------------------------------------
# The recipe, as exported by the lab
# ---------------------------------------------------------------------------

RUN_NAME = ${pyStr(input.runName)}
DATASET_NAME = ${pyStr(input.datasetName)}
TARGET = ${pyStr(input.target)}
LAB_VERSION = ${pyStr(input.labVersion)}

SEED = ${seed}
EPOCHS = ${pyInt('epochs', c.epochs)}
BATCH_SIZE = ${pyInt('batchSize', c.batchSize)}
EVAL_BATCH_SIZE = ${pyInt('evalBatchSize', c.evalBatchSize)}
MODEL_SIZES = {
    "atom_fea_len": ${pyInt('model.atomFeaLen', c.model.atomFeaLen)},
    "n_conv": ${pyInt('model.nConv', c.model.nConv)},
    "h_fea_len": ${pyInt('model.hFeaLen', c.model.hFeaLen)},
    "n_h": ${pyInt('model.nH', c.model.nH)},
}
GRAPH = {
    "radius": ${pyNum(g.radius)},
    "max_num_nbr": ${pyInt('graph.maxNeighbors', g.maxNeighbors)},
    "dmin": ${pyNum(g.dmin)},
    "step": ${pyNum(g.step)},
}

# The split (fractions of the usable rows; train gets the rest).
SPLIT_SEED = ${splitSeed}
VAL_RATIO = ${pyNum(input.split.valRatio)}
TEST_RATIO = ${pyNum(input.split.testRatio)}

# What the lab counted: rows in the training split BEFORE outlier removal,
# and its steps (from the rows kept AFTER outlier removal). The script
# recomputes both from ROOT_DIR and warns when they differ.
LAB_N_TRAIN = ${pyInt('nTrain', input.nTrain)}
LAB_STEPS_PER_EPOCH = ${pyInt('stepsPerEpoch', input.stepsPerEpoch)}
LAB_TOTAL_STEPS = ${pyInt('totalSteps', input.totalSteps)}

# Outlier removal on the training targets: 'sigma', 'iterative-sigma',
# 'mad' or None.
OUTLIER_METHOD = ${c.outliers === null ? 'None' : pyStr(c.outliers.method)}
OUTLIER_K = ${c.outliers === null ? 'None' : pyNum(c.outliers.k)}
MAD_TO_SIGMA = 1.4826

MAX_NORM = ${c.clip.maxNorm === null ? 'None' : pyNum(c.clip.maxNorm)}  # clip_grad_norm_ max_norm; None = off
NAN_POLICY = ${pyStr(c.nanPolicy)}  # 'skip', 'rollback' or 'stop'
EARLY_STOPPING_PATIENCE = ${c.earlyStopping.patience === null ? 'None' : pyInt('patience', c.earlyStopping.patience)}  # None = never
RESTORE_BEST = ${pyBool(c.earlyStopping.restoreBest)}
TOP_K = ${pyInt('topK', c.topK)}  # checkpoints kept, best validation MAE first
LOG_EVERY = ${pyInt('logEvery', c.logEvery)}  # steps between NaN-policy checks (the lab's readbacks)

SCHEDULE_KIND = ${pyStr(c.schedule.kind)}
# ReduceLROnPlateau's reference lr (OneCycle's max_lr, else the base lr).
REFERENCE_LR = ${pyNum(c.schedule.kind === 'onecycle' ? c.schedule.maxLr : c.schedule.baseLr)}
# Where the optimizer keeps its momentum: 'momentum' (SGD, RMSprop),
# 'betas' (beta1 of Adam, AdamW) or None (Adagrad).
MOMENTUM_KEY = ${momentumKey(c.optimizer)}

# The lab's training config, verbatim (saved into every checkpoint).
RECIPE = ${pyLiteral(c)}


def make_optimizer(params):
    """torch.optim with the lab's hyper-parameters (lr set by the schedule)."""
    import torch
    return ${optimizerCode(c.optimizer, startLr(c.schedule)).trimStart()}


def inverse_sqrt_factor(step):
    return 1.0 / math.sqrt(step + 1)


def constant_factor(step):
    return 1.0


def make_scheduler(optimizer, total_steps):
    """${sched.comment}"""
    import torch
    return ${sched.code.trimStart()}


def make_plateau():
    """ReduceLROnPlateau on the validation MAE, or None when off."""
${c.plateau === null ? '' : '    import torch\n'}${plateauCode(c)}


def make_loss(reduction="mean"):
    """The training loss, on normalised targets."""
    import torch
    return ${lossCode(c.loss)}
`;

  return header + constants + BODY;
}

/** The static part of the script (no user data in it). */
const BODY = String.raw`

# ---------------------------------------------------------------------------
# The lab's random numbers (src/core/rng.ts), on Python ints
# ---------------------------------------------------------------------------

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF


def utf8_bytes(text):
    """UTF-8 bytes; lone surrogates as U+FFFD (as the browser encodes)."""
    return "".join(
        "\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text
    ).encode("utf-8")


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def seed_to_64(seed):
    """A string seed hashes with FNV-1a 64; an int is read as 64-bit."""
    if isinstance(seed, str):
        return fnv1a64(utf8_bytes(seed))
    return int(seed) & MASK64


def splitmix64(state):
    """One SplitMix64 step: (output, new state)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31), state


def rotl32(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


class Xoshiro128StarStar:
    """xoshiro128** 1.1, seeded by two SplitMix64 outputs (low word first)."""

    def __init__(self, seed):
        a, state = splitmix64(seed_to_64(seed))
        b, _ = splitmix64(state)
        self.s = [a & MASK32, a >> 32, b & MASK32, b >> 32]

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = (rotl32((s1 * 5) & MASK32, 7) * 9) & MASK32
        t = (s1 << 9) & MASK32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl32(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next_int(self, n):
        """Uniform integer in [0, n) by rejection (no modulo bias)."""
        if n <= 2 ** 32:
            limit = 2 ** 32 - (2 ** 32 % n)
            while True:
                x = self.next_u32()
                if x < limit:
                    return x % n
        limit = 2 ** 53 - (2 ** 53 % n)
        while True:
            x = (self.next_u32() >> 11) * 2 ** 32 + self.next_u32()
            if x < limit:
                return x % n


def permutation(rng, n):
    """Fisher-Yates (Durstenfeld) shuffle of 0..n-1."""
    out = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next_int(i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def split_indices(n, seed=SPLIT_SEED, val_ratio=VAL_RATIO,
                  test_ratio=TEST_RATIO):
    """The lab's split of rows 0..n-1: a seeded permutation, test = the last
    floor(test_ratio * n), val = the floor(val_ratio * n) before them (at
    least one each when n >= 3 and the ratio > 0), train = the rest; each
    part in permutation order."""
    def at_least_one(r):
        if r > 0 and n >= 3:
            return max(1, math.floor(r * n))
        return math.floor(r * n)

    n_test = at_least_one(test_ratio)
    n_val = at_least_one(val_ratio)
    order = permutation(Xoshiro128StarStar(seed), n)
    n_train = n - n_val - n_test
    return {
        "train": order[:n_train],
        "val": order[n_train:n_train + n_val],
        "test": order[n_train + n_val:],
    }


# ---------------------------------------------------------------------------
# Outliers and the normaliser (src/core/outliers.ts, src/data/dataset.ts)
# ---------------------------------------------------------------------------

def _np_sum(values):
    import numpy as np
    return float(np.sum(np.asarray(values, dtype=np.float64)))


def _mean_std(x, idx):
    """numpy's mean and population std (ddof=0), two-pass, centred."""
    n = len(idx)
    if n == 0:
        return math.nan, math.nan
    v = [x[i] for i in idx]
    mean = _np_sum(v) / n
    std = math.sqrt(_np_sum([(a - mean) * (a - mean) for a in v]) / n)
    return mean, std


def _median_sorted(s):
    n = len(s)
    if n == 0:
        return math.nan
    h = n // 2
    if n % 2 == 1:
        return s[h]
    m = (s[h - 1] + s[h]) / 2
    return m if math.isfinite(m) else s[h - 1] / 2 + s[h] / 2


def filter_outliers(x, method=OUTLIER_METHOD, k=OUTLIER_K):
    """Indices (ascending) of x kept by the lab's outlier rule; non-finite
    values are always removed. method None keeps every finite value."""
    current = [i for i, v in enumerate(x) if math.isfinite(v)]
    if method is None:
        return current

    def apply_pass(center, scale):
        threshold = k * scale
        return [i for i in current if abs(x[i] - center) <= threshold]

    if method in ("sigma", "iterative-sigma"):
        while True:
            mean, std = _mean_std(x, current)
            kept = apply_pass(mean, std)
            removed_nothing = len(kept) == len(current)
            current = kept
            if method == "sigma" or removed_nothing:
                return current
    if method == "mad":
        vals = sorted(x[i] for i in current)
        med = _median_sorted(vals)
        mad = _median_sorted(sorted(abs(v - med) for v in vals))
        return apply_pass(med, MAD_TO_SIGMA * mad)
    raise ValueError("unknown outlier method %r" % (method,))


def target_stats(values):
    """Mean and unbiased std of the finite values (std 0 or undefined -> 1)."""
    finite = [v for v in values if math.isfinite(v)]
    n = len(finite)
    total = 0.0
    for v in finite:
        total += v
    mean = total / n if n > 0 else 0.0
    ss = 0.0
    for v in finite:
        ss += (v - mean) * (v - mean)
    std = math.sqrt(ss / (n - 1)) if n > 1 else 0.0
    return mean, (std if std > 0 and math.isfinite(std) else 1.0)


class Normalizer:
    """cgcnn main.py's Normalizer, with the lab's statistics."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def norm(self, tensor):
        return (tensor - self.mean) / self.std

    def denorm(self, tensor):
        return tensor * self.std + self.mean

    def state_dict(self):
        return {"mean": self.mean, "std": self.std}


# ---------------------------------------------------------------------------
# Metrics (numpy; scipy's pearsonr / spearmanr definitions)
# ---------------------------------------------------------------------------

def _rank_average(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    ranks = [0.0] * len(x)
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and x[order[end]] == x[order[start]]:
            end += 1
        for j in range(start, end):
            ranks[order[j]] = (start + 1 + end) / 2
        start = end
    return ranks


def _pearson(a, b):
    import numpy as np
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return math.nan
    am = a - a.mean()
    bm = b - b.mean()
    r = float(np.dot(am / np.linalg.norm(am), bm / np.linalg.norm(bm)))
    return max(min(r, 1.0), -1.0)


def regression_metrics(y_true, y_pred):
    import numpy as np
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if len(y) == 0:
        return {"mae": math.nan, "rmse": math.nan, "pearson": math.nan,
                "spearman": math.nan}
    err = p - y
    return {
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err * err))),
        "pearson": _pearson(y, p),
        "spearman": _pearson(_rank_average(list(y)), _rank_average(list(p))),
    }


# ---------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------

def read_momentum(group):
    """The momentum (SGD, RMSprop) or beta1 (Adam, AdamW) in force; None
    for Adagrad."""
    if MOMENTUM_KEY is None:
        return None
    if MOMENTUM_KEY == "betas":
        return float(group["betas"][0])
    return float(group["momentum"])


def print_schedule():
    """lr and momentum of each of the lab's LAB_TOTAL_STEPS steps, read from
    param_groups[0] before optimizer.step(), then scheduler.step()."""
    import torch
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = make_optimizer([p])
    scheduler = make_scheduler(optimizer, LAB_TOTAL_STEPS)
    lrs, moms = [], []
    for _ in range(LAB_TOTAL_STEPS):
        group = optimizer.param_groups[0]
        lrs.append(float(group["lr"]))
        moms.append(read_momentum(group))
        p.grad = torch.zeros_like(p)
        optimizer.step()
        scheduler.step()
    print(json.dumps({"lr": lrs, "momentum": moms}))


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def _is_number_like(text):
    t = text.strip().lower()
    if t in ("", "nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity",
             "+infinity", "-infinity"):
        return True
    try:
        float(t)
        return True
    except ValueError:
        return False


def read_id_prop(root_dir, target=TARGET):
    """Rows of id_prop.csv in file order as (id, target), skipping what the
    lab rejects here: a target that is not a finite number, a missing
    <id>.cif, a repeated id. A first row whose second field is not a
    number is a header; columns are named by it, else 'target',
    'target_2', ..."""
    with open(os.path.join(root_dir, "id_prop.csv"), newline="") as f:
        table = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    if not table:
        raise SystemExit("id_prop.csv is empty")
    first = table[0]
    header = len(first) >= 2 and not _is_number_like(first[1])
    width = max(len(r) for r in table)
    names = []
    for c in range(1, width):
        h = first[c].strip() if header and c < len(first) else ""
        names.append(h if h else ("target" if c == 1 else "target_%d" % c))
    if target in names:
        col = names.index(target) + 1
    else:
        lower = [n.lower() for n in names]
        if target.lower() not in lower:
            raise SystemExit("target %r is not a column of id_prop.csv (%s)"
                             % (target, ", ".join(names)))
        col = lower.index(target.lower()) + 1
    rows, seen, skipped = [], set(), 0
    for r in table[1:] if header else table:
        cid = r[0].strip()
        try:
            value = float(r[col].strip()) if col < len(r) else math.nan
        except ValueError:
            value = math.nan
        cif = os.path.join(root_dir, cid + ".cif")
        if (not math.isfinite(value) or cid in seen
                or not os.path.exists(cif)):
            skipped += 1
            continue
        seen.add(cid)
        rows.append((cid, value))
    if skipped:
        print("note: skipped %d rows of id_prop.csv (bad target, missing CIF "
              "or repeated id), as the lab does" % skipped)
    return rows


def load_split(path, rows):
    """--split-file: {"train": [ids], "val": [...], "test": [...]}."""
    with open(path) as f:
        spec = json.load(f)
    index = {cid: i for i, (cid, _) in enumerate(rows)}
    out = {}
    for part in ("train", "val", "test"):
        missing = [c for c in spec.get(part, []) if str(c) not in index]
        if missing:
            raise SystemExit("%s: %d ids of %r are not usable rows (e.g. %r)"
                             % (path, len(missing), part, missing[0]))
        out[part] = [index[str(c)] for c in spec.get(part, [])]
    return out


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------

def torch_seed():
    """torch.manual_seed's argument: the lab seed's 64-bit value (an int
    seed is itself), folded into 63 bits."""
    return seed_to_64(SEED) % (2 ** 63)


def train(args):
    import torch
    from torch.utils.data import DataLoader, Subset
    from cgcnn.data import CIFData, collate_pool
    from cgcnn.model import CrystalGraphConvNet

    device = torch.device(args.device or (
        "cuda" if torch.cuda.is_available() else "cpu"))
    os.makedirs(args.out, exist_ok=True)

    # Rows in file order. CIFData shuffles its rows with random.seed; put
    # them back in file order so that dataset index i is row i.
    rows = read_id_prop(args.root_dir)
    dataset = CIFData(args.root_dir, max_num_nbr=GRAPH["max_num_nbr"],
                      radius=GRAPH["radius"], dmin=GRAPH["dmin"],
                      step=GRAPH["step"])
    dataset.id_prop_data = [[cid, repr(value)] for cid, value in rows]
    targets = [value for _, value in rows]

    if args.split_file:
        split = load_split(args.split_file, rows)
    else:
        split = split_indices(len(rows))
    with open(os.path.join(args.out, "split.json"), "w") as f:
        json.dump({part: [rows[i][0] for i in split[part]]
                   for part in ("train", "val", "test")}, f)
    train_split = split["train"]
    if len(train_split) != LAB_N_TRAIN:
        print("warning: %d training rows before outlier removal, the lab "
              "had %d (different rows? pass its split with --split-file)"
              % (len(train_split), LAB_N_TRAIN))

    # Outliers on the training targets, then the normaliser from the rest.
    kept = filter_outliers([targets[i] for i in train_split])
    train_rows = [train_split[i] for i in kept]
    if not train_rows:
        raise SystemExit("outlier removal left no training rows")
    print("training rows: %d (%d removed as outliers), val %d, test %d"
          % (len(train_rows), len(train_split) - len(train_rows),
             len(split["val"]), len(split["test"])))
    mean, std = target_stats([targets[i] for i in train_rows])
    normalizer = Normalizer(mean, std)

    steps_per_epoch = math.ceil(len(train_rows) / BATCH_SIZE)
    total_steps = steps_per_epoch * EPOCHS
    if (steps_per_epoch, total_steps) != (LAB_STEPS_PER_EPOCH,
                                          LAB_TOTAL_STEPS):
        print("warning: %d steps per epoch, %d in all; the lab had %d and "
              "%d. The schedule uses this run's own count."
              % (steps_per_epoch, total_steps, LAB_STEPS_PER_EPOCH,
                 LAB_TOTAL_STEPS))

    torch.manual_seed(torch_seed())
    (atom_fea, nbr_fea, _), _, _ = dataset[0]
    model = CrystalGraphConvNet(atom_fea.shape[-1], nbr_fea.shape[-1],
                                classification=False, **MODEL_SIZES)
    model.to(device)
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer, total_steps)
    plateau = make_plateau()
    criterion = make_loss()
    per_row_loss = make_loss(reduction="none")

    shuffle = torch.Generator()
    shuffle.manual_seed(torch_seed())
    train_loader = DataLoader(
        Subset(dataset, train_rows), batch_size=BATCH_SIZE, shuffle=True,
        drop_last=False, collate_fn=collate_pool, generator=shuffle,
        num_workers=args.workers)

    def to_device(inputs):
        atom, nbr, nbr_idx, crystal_idx = inputs
        return (atom.to(device), nbr.to(device), nbr_idx.to(device),
                [idx.to(device) for idx in crystal_idx])

    def evaluate(split_rows):
        if not split_rows:
            return dict(regression_metrics([], []), loss=math.nan, n=0)
        loader = DataLoader(Subset(dataset, split_rows),
                            batch_size=EVAL_BATCH_SIZE, shuffle=False,
                            collate_fn=collate_pool,
                            num_workers=args.workers)
        model.eval()
        outs, ys = [], []
        with torch.no_grad():
            for inputs, target, _ in loader:
                outs.append(model(*to_device(inputs)).cpu().double())
                ys.append(target.double())
        out = torch.cat(outs).view(-1)
        y = torch.cat(ys).view(-1)
        loss = float(per_row_loss(out, normalizer.norm(y)).mean())
        pred = normalizer.denorm(out).numpy()
        m = regression_metrics(y.numpy(), pred)
        return dict(m, loss=loss, n=len(split_rows))

    def plateau_factor():
        if plateau is None or not REFERENCE_LR > 0:
            return 1.0
        return plateau.optimizer.param_groups[0]["lr"] / REFERENCE_LR

    def snapshot():
        return {"model": copy.deepcopy(model.state_dict()),
                "optimizer": copy.deepcopy(optimizer.state_dict())}

    def restore(snap):
        # Weights, BatchNorm buffers and optimizer slots; the param groups'
        # lr/momentum stay where the scheduler has put them.
        groups = [{k: v for k, v in g.items() if k != "params"}
                  for g in optimizer.param_groups]
        model.load_state_dict(snap["model"])
        optimizer.load_state_dict(snap["optimizer"])
        for g, saved in zip(optimizer.param_groups, groups):
            g.update(saved)

    lr_scale = 1.0
    last_lr = math.nan
    global_step = 0
    good = snapshot() if NAN_POLICY == "rollback" else None
    chunk_bad = []  # non-finite steps since the last check
    nan_stop = False
    best_mae, best_epoch, best_state, since_best = math.inf, 0, None, 0
    top = []  # (val_mae, epoch, path), best first
    history = []
    end = "completed"

    def check_chunk():
        """The NaN policy, applied every LOG_EVERY steps and at epoch ends
        (the lab's readbacks)."""
        nonlocal good, lr_scale, nan_stop
        if not chunk_bad:
            if NAN_POLICY == "rollback":
                good = snapshot()
            return
        if NAN_POLICY == "rollback":
            restore(good)
            lr_scale *= 0.5
        elif NAN_POLICY == "stop":
            nan_stop = True
        for step, what in chunk_bad:
            print("step %d: non-finite %s -> %s (lr scale %g)"
                  % (step, what, NAN_POLICY, lr_scale))
        del chunk_bad[:]

    for epoch in range(EPOCHS):
        model.train()
        losses = []
        for step_in_epoch, (inputs, target, _) in enumerate(train_loader):
            group = optimizer.param_groups[0]
            scheduled_lr = group["lr"]
            buffers = [b.detach().clone() for b in model.buffers()]
            out = model(*to_device(inputs))
            loss = criterion(out, normalizer.norm(target).to(device))
            optimizer.zero_grad()
            loss.backward()
            # With MAX_NORM None this only measures the norm (coef = 1).
            grad_norm = torch.nn.utils.clip_grad_norm_(
                model.parameters(),
                MAX_NORM if MAX_NORM is not None else math.inf)
            loss_ok = bool(torch.isfinite(loss))
            if loss_ok and bool(torch.isfinite(grad_norm)):
                # The step's lr: schedule x plateau factor x NaN scale.
                last_lr = scheduled_lr * plateau_factor() * lr_scale
                for g in optimizer.param_groups:
                    g["lr"] = last_lr
                optimizer.step()
                for g in optimizer.param_groups:
                    g["lr"] = scheduled_lr
                losses.append(float(loss))
            else:
                # The update is suppressed; BatchNorm keeps its statistics.
                with torch.no_grad():
                    for b, old in zip(model.buffers(), buffers):
                        b.copy_(old)
                chunk_bad.append((global_step, "grad norm" if loss_ok
                                  else "loss"))
            scheduler.step()
            global_step += 1
            if (global_step % LOG_EVERY == 0
                    or step_in_epoch + 1 == steps_per_epoch):
                check_chunk()
            if nan_stop:
                break
        if nan_stop:
            end = "nan-stop"
            break

        val = evaluate(split["val"])
        test = evaluate(split["test"])
        val_mae = val["mae"]
        if plateau is not None:
            plateau.step(val_mae)
        improved = val_mae < best_mae
        if improved:
            best_mae, best_epoch, since_best = val_mae, epoch + 1, 0
            if RESTORE_BEST:
                best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        record = {
            "epoch": epoch + 1, "step": global_step,
            "train_loss": sum(losses) / len(losses) if losses else math.nan,
            "val": val, "test": test,
            "lr": last_lr,
            "plateau_factor": plateau_factor(), "lr_scale": lr_scale,
        }
        history.append(record)
        print("epoch %3d  loss %.4f  val MAE %.4f RMSE %.4f r %.3f rho %.3f"
              "  test MAE %.4f RMSE %.4f r %.3f rho %.3f%s"
              % (epoch + 1, record["train_loss"], val["mae"], val["rmse"],
                 val["pearson"], val["spearman"], test["mae"], test["rmse"],
                 test["pearson"], test["spearman"],
                 "  *" if improved else ""))

        if TOP_K > 0 and math.isfinite(val_mae):
            worst = top[-1][0] if len(top) >= TOP_K else math.inf
            if val_mae < worst:
                path = os.path.join(args.out, "epoch%03d.pth" % (epoch + 1))
                torch.save({
                    "epoch": epoch + 1, "global_step": global_step,
                    "val_mae": val_mae, "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "normalizer": normalizer.state_dict(),
                    "recipe": RECIPE, "run_name": RUN_NAME,
                }, path)
                top.append((val_mae, epoch + 1, path))
                top.sort(key=lambda t: (t[0], t[1]))
                for _, _, dropped in top[TOP_K:]:
                    os.remove(dropped)
                del top[TOP_K:]

        if (EARLY_STOPPING_PATIENCE is not None
                and since_best >= EARLY_STOPPING_PATIENCE
                and epoch + 1 < EPOCHS):
            end = "early-stopped"
            break

    if end != "nan-stop" and RESTORE_BEST and best_state is not None:
        model.load_state_dict(best_state)
        print("restored the weights of epoch %d" % best_epoch)
    torch.save({"model": model.state_dict(),
                "normalizer": normalizer.state_dict(), "recipe": RECIPE,
                "run_name": RUN_NAME}, os.path.join(args.out, "final.pth"))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({"end": end, "best_val_mae": best_mae,
                   "best_epoch": best_epoch, "epochs": history,
                   "top_k": [{"val_mae": m, "epoch": e, "path": p}
                             for m, e, p in top]}, f, indent=1)
    print("%s after %d steps; best val MAE %.4f (epoch %d)"
          % (end, global_step, best_mae, best_epoch))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Train CGCNN with the lab recipe of run %r" % RUN_NAME)
    parser.add_argument("root_dir", nargs="?",
                        help="cgcnn data folder (id_prop.csv, atom_init.json,"
                             " <id>.cif)")
    parser.add_argument("--out", default="recipe_runs",
                        help="folder for checkpoints and history.json")
    parser.add_argument("--split-file",
                        help="JSON {train, val, test: [ids]} overriding the "
                             "split")
    parser.add_argument("--device", help="torch device (default: cuda if "
                                         "available, else cpu)")
    parser.add_argument("--workers", type=int, default=0,
                        help="DataLoader worker processes")
    parser.add_argument("--print-schedule", action="store_true",
                        help="print the per-step lr and momentum as JSON")
    parser.add_argument("--print-split", type=int, metavar="N",
                        help="print the split of N rows as JSON")
    parser.add_argument("--print-outliers", metavar="FILE",
                        help="print the indices kept from a JSON list")
    parser.add_argument("--print-recipe", action="store_true",
                        help="print the lab's training config as JSON")
    args = parser.parse_args(argv)
    if args.print_schedule:
        print_schedule()
    elif args.print_split is not None:
        print(json.dumps(split_indices(args.print_split)))
    elif args.print_outliers:
        with open(args.print_outliers) as f:
            values = [float(v) for v in json.load(f)]
        print(json.dumps({"kept": filter_outliers(values)}))
    elif args.print_recipe:
        print(json.dumps({"recipe": RECIPE, "run_name": RUN_NAME,
                          "dataset_name": DATASET_NAME, "target": TARGET,
                          "lab_version": LAB_VERSION, "seed": SEED,
                          "split_seed": SPLIT_SEED}))
    elif args.root_dir:
        train(args)
    else:
        parser.error("ROOT_DIR is required to train")


if __name__ == "__main__":
    sys.exit(main())
`;
