/**
 * "Export recipe as PyTorch" (src/core/pytorchRecipe.ts).
 *
 * Pure checks (always run): the script carries the config's values (parsed back from the text), is
 * deterministic, maps every optimizer / schedule / loss kind to its torch class, and user strings
 * cannot break out of their Python string literals.
 *
 * With Debian's python3 + torch (`/usr/bin/python3 -c "import torch"`; otherwise those tests are
 * skipped with a printed reason): the generated script's own test modes are run and compared with the
 * lab —
 * - `--print-schedule` (torch's scheduler classes) against `plannedSchedule(resolveSchedule(...))`
 *   and the trainer's momentum rule (`configMomentum` when the schedule does not drive it), with a
 *   RELATIVE TOLERANCE OF 1e-9 per value. Both sides evaluate the same formulas in the same operation
 *   order on doubles; the only possible difference is the last ulp of libm's cos (glibc vs V8), far
 *   below 1e-9 (the test logs the largest relative difference seen);
 * - `--print-split N` against `splitIndices` EXACTLY (n ∈ {10, 101, 2000}, a number and a string seed);
 * - `--print-outliers FILE` against `filterOutliers` EXACTLY (sigma, iterative-sigma, mad; planted
 *   outliers plus NaN/Infinity);
 * - `--print-recipe` round-trips the config and the names (escaping);
 * - the training loop end to end on a tiny stub `cgcnn` package (the real one is not installable
 *   here): it must run, keep at most top-k checkpoints and use the lab's split (split.json ids).
 * Every generated script is also byte-compiled (`python3 -m py_compile`) when python3 exists.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filterOutliers } from '../core/outliers.ts';
import { pytorchScript, pyStr, type PytorchExportInput } from '../core/pytorchRecipe.ts';
import {
  resolveSchedule,
  stepsPerEpoch,
  withDefaults,
  type TrainConfig,
  type TrainConfigInput,
} from '../core/recipe.ts';
import { normalArray, createRng } from '../core/rng.ts';
import { plannedSchedule } from '../core/schedules.ts';
import { splitIndices } from '../data/dataset.ts';
import { configMomentum } from './trainer.ts';

const PYTHON = '/usr/bin/python3';
/** Relative tolerance of the schedule comparison (see the module doc). */
const SCHEDULE_RTOL = 1e-9;

function probe(args: string[]): string | null {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) return `${PYTHON} not runnable (${r.error.message})`;
  if (r.status !== 0)
    return `${PYTHON} ${args.join(' ')} failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

const noPython = probe(['--version']);
const noTorch = noPython ?? probe(['-c', 'import torch, numpy']);
if (noPython !== null) console.log(`[pytorchRecipe] python3 checks skipped: ${noPython}`);
else if (noTorch !== null) console.log(`[pytorchRecipe] torch checks skipped: ${noTorch}`);
const itPython = noPython === null ? it : it.skip;
const itTorch = noTorch === null ? it : it.skip;

const tmp = mkdtempSync(path.join(tmpdir(), 'pytorch-recipe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

function input(config: TrainConfig, over: Partial<PytorchExportInput> = {}): PytorchExportInput {
  const nTrain = 1600;
  const spe = stepsPerEpoch(nTrain, config.batchSize);
  return {
    config,
    runName: 'run 1',
    datasetName: 'teaching set',
    target: 'target',
    nTrain,
    stepsPerEpoch: spe,
    totalSteps: spe * config.epochs,
    split: { seed: 123, valRatio: 0.1, testRatio: 0.1 },
    labVersion: '0.1.0',
    ...over,
  };
}

/** Writes the script to the temp dir and byte-compiles it; returns its path. */
function writeScript(text: string): string {
  const file = path.join(tmp, `train_recipe_${fileNo++}.py`);
  writeFileSync(file, text);
  if (noPython === null) {
    const r = spawnSync(PYTHON, ['-m', 'py_compile', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
  return file;
}

function runScript(file: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(PYTHON, [file, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    cwd: tmp,
    env: { ...process.env, ...env },
  });
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Imports each script as a module and calls its main(args) in ONE python process (torch imported once). */
const DRIVER = `import contextlib, importlib.util, io, json, sys
jobs = json.load(sys.stdin)
outs = []
for k, (file, args) in enumerate(jobs):
    spec = importlib.util.spec_from_file_location("recipe_%d" % k, file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        mod.main(args)
    outs.append(buf.getvalue())
print(json.dumps(outs))
`;

function runMany(jobs: [file: string, args: string[]][]): string[] {
  const r = spawnSync(PYTHON, ['-c', DRIVER], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 180_000,
    cwd: tmp,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

/** Reads a Python string literal written by pyStr back into a JS string. */
function decodePyStr(lit: string): string {
  expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    expect(ch === '"' || ch === '\n' || ch === '\r').toBe(false);
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[++i]!;
    const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
    if (e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const w = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const cp = parseInt(body.slice(i + 1, i + 1 + w), 16);
      out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += w;
    } else throw new Error(`unexpected escape \\${e}`);
  }
  return out;
}

/** The value after `name=` (a keyword argument) or `NAME = ` (a constant) in the script. */
function arg(script: string, name: string): string {
  const m = new RegExp(`(?:^|[\\s(])${name}(?:=| = )([^,\\n]+?)(?:,|\\)|\\s+#|\\n)`, 'm').exec(script);
  if (m === null) throw new Error(`${name} not found`);
  return m[1]!.trim();
}
const num = (script: string, name: string): number => Number(arg(script, name));

// ---------------------------------------------------------------------------------------------------------
// Pure checks
// ---------------------------------------------------------------------------------------------------------

describe('pytorchScript (text)', () => {
  it('carries the default recipe values, deterministically', () => {
    const config = withDefaults();
    const a = pytorchScript(input(config));
    expect(pytorchScript(input(config))).toBe(a);
    expect(pytorchScript(input(withDefaults()))).toBe(a);
    const s = config.schedule;
    if (s.kind !== 'onecycle') throw new Error('default is OneCycle');
    expect(a).toMatch(/torch\.optim\.lr_scheduler\.OneCycleLR\(/);
    expect(num(a, 'max_lr')).toBe(s.maxLr);
    expect(num(a, 'pct_start')).toBe(s.pctStart);
    expect(num(a, 'div_factor')).toBe(s.divFactor);
    expect(num(a, 'final_div_factor')).toBe(s.finalDivFactor);
    expect(num(a, 'base_momentum')).toBe(s.baseMomentum);
    expect(num(a, 'max_momentum')).toBe(s.maxMomentum);
    expect(arg(a, 'anneal_strategy')).toBe("'cos'");
    expect(arg(a, 'three_phase')).toBe('False');
    expect(arg(a, 'cycle_momentum')).toBe('True');
    expect(a).toMatch(/torch\.optim\.Adam\(/);
    expect(a).toContain('betas=(0.9, 0.999)');
    expect(num(a, 'eps')).toBe(1e-8);
    expect(a).toContain('torch.nn.HuberLoss(delta=0.2, reduction=reduction)');
    expect(num(a, 'MAX_NORM')).toBe(0.5);
    expect(num(a, 'EPOCHS')).toBe(30);
    expect(num(a, 'BATCH_SIZE')).toBe(64);
    expect(num(a, 'SEED')).toBe(123);
    expect(num(a, 'SPLIT_SEED')).toBe(123);
    expect(num(a, 'LAB_N_TRAIN')).toBe(1600);
    expect(num(a, 'LAB_STEPS_PER_EPOCH')).toBe(25);
    expect(num(a, 'LAB_TOTAL_STEPS')).toBe(750);
    expect(arg(a, 'OUTLIER_METHOD')).toBe('"sigma"');
    expect(num(a, 'OUTLIER_K')).toBe(4);
    expect(arg(a, 'NAN_POLICY')).toBe('"rollback"');
    expect(num(a, 'TOP_K')).toBe(3);
    expect(a).toContain('"atom_fea_len": 64,');
    expect(a).toContain('"n_conv": 3,');
    expect(a).toContain('"h_fea_len": 128,');
    expect(a).toContain('"n_h": 1,');
    expect(a).toContain(
      'def make_plateau():\n    """ReduceLROnPlateau on the validation MAE, or None when off."""\n    return None',
    );
    // The header names the multi-GPU paths and the lazy cgcnn import.
    expect(a).toContain('Outgrowing one machine');
    expect(a).toContain('torchrun --nproc_per_node=N');
    expect(a).toContain('DistributedSampler');
    expect(a).toContain('Trainer(strategy="ddp"');
    expect(a).toContain('"interval": "step"');
    // cgcnn is imported lazily, inside train() only (the test modes work without it).
    expect(a).toContain(
      '\n    from cgcnn.data import CIFData, collate_pool\n    from cgcnn.model import CrystalGraphConvNet\n',
    );
    expect(a.match(/import cgcnn|from cgcnn/g)?.length).toBe(2);
  });

  it('round-trips awkward numbers exactly', () => {
    const config = withDefaults({
      schedule: {
        kind: 'onecycle',
        maxLr: 0.1 + 0.2,
        pctStart: 1 / 3,
        divFactor: 1e21,
        finalDivFactor: 7e-7,
      },
      clip: { maxNorm: 123456.789e-12 },
      loss: { kind: 'smoothl1', beta: 5e-324 },
      plateau: {
        factor: 0.3,
        patience: 2,
        threshold: 1e-3,
        thresholdMode: 'abs',
        cooldown: 1,
        minLr: 1e-6,
        eps: 0,
      },
    });
    const a = pytorchScript(input(config));
    expect(num(a, 'max_lr')).toBe(0.1 + 0.2);
    expect(num(a, 'pct_start')).toBe(1 / 3);
    expect(num(a, 'div_factor')).toBe(1e21);
    expect(arg(a, 'div_factor')).toBe('1e+21');
    expect(num(a, 'final_div_factor')).toBe(7e-7);
    expect(num(a, 'MAX_NORM')).toBe(123456.789e-12);
    expect(a).toContain('torch.nn.SmoothL1Loss(beta=5e-324, reduction=reduction)');
    expect(a).toMatch(/torch\.optim\.lr_scheduler\.ReduceLROnPlateau\(/);
    expect(num(a, 'factor')).toBe(0.3);
    expect(num(a, 'patience')).toBe(2);
    expect(arg(a, 'threshold_mode')).toBe("'abs'");
    expect(num(a, 'min_lr')).toBe(1e-6);
    expect(num(a, 'cooldown')).toBe(1);
    expect(num(a, 'REFERENCE_LR')).toBe(0.1 + 0.2);
    writeScript(a);
  });

  it('maps each optimizer, schedule and loss kind to its torch class', () => {
    const cases: [TrainConfigInput, RegExp[]][] = [
      [
        { optimizer: { kind: 'SGD', momentum: 0.9, nesterov: true, weightDecay: 1e-4 } },
        [
          /torch\.optim\.SGD\(/,
          /momentum=0\.9,/,
          /nesterov=True,/,
          /weight_decay=0\.0001,/,
          /MOMENTUM_KEY = 'momentum'/,
        ],
      ],
      [
        {
          optimizer: { kind: 'Adagrad', lrDecay: 0.01, initialAccumulatorValue: 0.1 },
          schedule: { kind: 'constant', baseLr: 0.05 },
        },
        [
          /torch\.optim\.Adagrad\(/,
          /lr_decay=0\.01,/,
          /initial_accumulator_value=0\.1,/,
          /LambdaLR\(/,
          /lr_lambda=constant_factor/,
          /MOMENTUM_KEY = None/,
          /lr=0\.05,/,
        ],
      ],
      [
        { optimizer: { kind: 'RMSprop', alpha: 0.9, centered: true, momentum: 0.5 } },
        [/torch\.optim\.RMSprop\(/, /alpha=0\.9,/, /centered=True,/, /momentum=0\.5,/],
      ],
      [
        { optimizer: { kind: 'AdamW', betas: [0.8, 0.99], amsgrad: true } },
        [
          /torch\.optim\.AdamW\(/,
          /betas=\(0\.8, 0\.99\)/,
          /amsgrad=True,/,
          /weight_decay=0\.01,/,
          /MOMENTUM_KEY = 'betas'/,
        ],
      ],
      [
        { schedule: { kind: 'step', baseLr: 0.01, stepSize: 7, gamma: 0.5 } },
        [/StepLR\(\n\s+optimizer,\n\s+step_size=7,\n\s+gamma=0\.5,/],
      ],
      [
        { schedule: { kind: 'multistep', baseLr: 0.01, milestones: [0, 10, 10, 25], gamma: 0.3 } },
        [/MultiStepLR\(/, /milestones=\[0, 10, 10, 25\],/, /gamma=0\.3,/],
      ],
      [{ schedule: { kind: 'exponential', baseLr: 0.01, gamma: 0.97 } }, [/ExponentialLR\(/, /gamma=0\.97,/]],
      [
        { schedule: { kind: 'cosine', baseLr: 0.01, tMax: 20, etaMin: 1e-4 } },
        [/CosineAnnealingLR\(/, /T_max=20,/, /eta_min=0\.0001,/],
      ],
      [{ schedule: { kind: 'invsqrt', baseLr: 0.02 } }, [/LambdaLR\(/, /lr_lambda=inverse_sqrt_factor/]],
      [
        { schedule: { kind: 'linear-warmup', baseLr: 0.01, startFactor: 0.1, totalIters: 15 } },
        [/LinearLR\(/, /start_factor=0\.1,/, /end_factor=1,/, /total_iters=15,/],
      ],
      [{ loss: { kind: 'mse' } }, [/torch\.nn\.MSELoss\(reduction=reduction\)/]],
      [{ loss: { kind: 'mae' } }, [/torch\.nn\.L1Loss\(reduction=reduction\)/]],
      [{ outliers: null, clip: { maxNorm: null } }, [/OUTLIER_METHOD = None/, /MAX_NORM = None /]],
      [{ outliers: { method: 'mad', k: 3.5 } }, [/OUTLIER_METHOD = "mad"/, /OUTLIER_K = 3\.5/]],
      [
        { nanPolicy: 'stop', earlyStopping: { patience: 4, restoreBest: true } },
        [/NAN_POLICY = "stop"/, /EARLY_STOPPING_PATIENCE = 4 /, /RESTORE_BEST = True/],
      ],
    ];
    for (const [cfg, patterns] of cases) {
      const s = pytorchScript(input(withDefaults({ plateau: {}, ...cfg })));
      for (const p of patterns) expect(s, JSON.stringify(cfg)).toMatch(p);
      // PEP 8 line length for the code (the header docstring quotes names, which may be long).
      const code = s.slice(s.indexOf('"""\n', 10) + 4);
      for (const line of code.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
      expect(code).not.toMatch(/[ \t]$/m);
    }
  });

  it('escapes names and seeds so that they cannot leave their string literals', () => {
    const evil = [
      'plain',
      'quote " and \' and \\ backslash',
      'new\nline\r\nand\ttab',
      '"""; import os; os.system("echo pwned") #',
      '\'\'\'\n"""\nraise SystemExit(1)\n#',
      '\\"; x = 1; "',
      'é ✓ 日本 🎲 \u2028\u2029 \u0085 \u0000 \x7f',
      'lone \ud800 surrogate \udfff',
      '\\N{BULLET} {braces} %s %r',
    ];
    const ref = pytorchScript(input(withDefaults()));
    const refLines = ref.split('\n').length;
    const refTriple = ref.split('"""').length;
    for (const name of evil) {
      const s = pytorchScript(
        input(withDefaults({ seed: name }), {
          runName: name,
          datasetName: name,
          target: name,
          labVersion: name,
          split: { seed: name, valRatio: 0.1, testRatio: 0.1 },
        }),
      );
      // Nothing but the literals changed: same line count, same docstring delimiters.
      expect(s.split('\n').length, name).toBe(refLines);
      expect(s.split('"""').length, name).toBe(refTriple);
      for (const c of ['RUN_NAME', 'DATASET_NAME', 'TARGET', 'LAB_VERSION', 'SEED', 'SPLIT_SEED']) {
        const m = new RegExp(`^${c} = (.*)$`, 'm').exec(s);
        expect(m, c).not.toBeNull();
        expect(decodePyStr(m![1]!)).toBe(name);
      }
      expect(pyStr(name)).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
    }
  });

  it('refuses non-finite numbers and invalid configs', () => {
    const bad = { ...withDefaults(), clip: { maxNorm: Number.NaN } } as TrainConfig;
    expect(() => pytorchScript(input(bad))).toThrow(RangeError);
    expect(() => pytorchScript(input(withDefaults(), { totalSteps: 1.5 }))).toThrow(RangeError);
    expect(() =>
      pytorchScript(input(withDefaults(), { split: { seed: 0.5, valRatio: 0.1, testRatio: 0.1 } })),
    ).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Against torch
// ---------------------------------------------------------------------------------------------------------

describe('pytorchScript (run with python3 + torch)', () => {
  const scheduleCases: [string, TrainConfigInput, number][] = [
    ['default OneCycle Adam', {}, 750],
    [
      'OneCycle SGD nesterov, three-phase linear, custom pct/div/final_div/momenta',
      {
        optimizer: { kind: 'SGD', momentum: 0.9, nesterov: true },
        schedule: {
          kind: 'onecycle',
          maxLr: 0.1,
          pctStart: 0.25,
          divFactor: 10,
          finalDivFactor: 100,
          threePhase: true,
          annealStrategy: 'linear',
          baseMomentum: 0.8,
          maxMomentum: 0.9,
        },
      },
      97,
    ],
    [
      'OneCycle RMSprop, momentum cycled',
      {
        optimizer: { kind: 'RMSprop', momentum: 0.5 },
        schedule: { kind: 'onecycle', maxLr: 0.01, pctStart: 0.4 },
      },
      33,
    ],
    [
      'OneCycle Adam, cycle_momentum false',
      {
        optimizer: { kind: 'Adam', betas: [0.8, 0.99] },
        schedule: { kind: 'onecycle', maxLr: 0.003, cycleMomentum: false },
      },
      50,
    ],
    ['OneCycle tiny (warm-up skipped)', { schedule: { kind: 'onecycle', maxLr: 0.01 } }, 3],
    [
      'StepLR SGD',
      {
        optimizer: { kind: 'SGD', momentum: 0.9 },
        schedule: { kind: 'step', baseLr: 0.01, stepSize: 7, gamma: 0.5 },
      },
      60,
    ],
    [
      'MultiStepLR',
      { schedule: { kind: 'multistep', baseLr: 0.01, milestones: [0, 10, 10, 25], gamma: 0.3 } },
      60,
    ],
    ['ExponentialLR', { schedule: { kind: 'exponential', baseLr: 0.01, gamma: 0.97 } }, 120],
    [
      'CosineAnnealingLR (wraps past T_max)',
      { optimizer: { kind: 'AdamW' }, schedule: { kind: 'cosine', baseLr: 0.01, tMax: 20, etaMin: 1e-4 } },
      90,
    ],
    ['inverse sqrt', { schedule: { kind: 'invsqrt', baseLr: 0.02 } }, 60],
    [
      'LinearLR warm-up',
      { schedule: { kind: 'linear-warmup', baseLr: 0.01, startFactor: 0.1, endFactor: 1, totalIters: 15 } },
      40,
    ],
    [
      'constant Adagrad',
      { optimizer: { kind: 'Adagrad' }, schedule: { kind: 'constant', baseLr: 0.05 } },
      20,
    ],
  ];

  itTorch(
    `--print-schedule matches plannedSchedule (relative tolerance ${SCHEDULE_RTOL})`,
    () => {
      let worst = 0;
      const outputs = runMany(
        scheduleCases.map(([, cfg, totalSteps]) => [
          writeScript(pytorchScript(input(withDefaults(cfg), { totalSteps }))),
          ['--print-schedule'],
        ]),
      );
      for (const [k, [name, cfg, totalSteps]] of scheduleCases.entries()) {
        const config = withDefaults(cfg);
        const torch = JSON.parse(outputs[k]!) as {
          lr: number[];
          momentum: (number | null)[];
        };
        const planned = plannedSchedule(resolveSchedule(config.schedule, totalSteps), totalSteps);
        const fixed = configMomentum(config.optimizer);
        expect(torch.lr.length, name).toBe(totalSteps);
        expect(torch.momentum.length, name).toBe(totalSteps);
        const close = (a: number, b: number, what: string) => {
          const rel = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
          worst = Math.max(worst, rel);
          expect(rel, `${name} ${what}: torch ${a} lab ${b}`).toBeLessThanOrEqual(SCHEDULE_RTOL);
        };
        for (let t = 0; t < totalSteps; t++) {
          close(torch.lr[t]!, planned.lr[t]!, `lr[${t}]`);
          // The trainer's rule (lrAt): the scheduled momentum, else the optimizer's own (NaN = none).
          const labM = planned.momentum !== null ? planned.momentum[t]! : fixed;
          const m = torch.momentum[t];
          if (Number.isNaN(labM)) expect(m, `${name} momentum[${t}]`).toBeNull();
          else close(m!, labM, `momentum[${t}]`);
        }
      }
      console.log(`[pytorchRecipe] schedules: largest relative difference torch vs lab = ${worst}`);
    },
    120_000,
  );

  itTorch('--print-split equals splitIndices exactly', () => {
    const seeds: (number | string)[] = [123, 'répartition 🎲 "x"'];
    const cases: { seed: number | string; valRatio: number; testRatio: number; n: number }[] = [];
    for (const seed of seeds) {
      for (const [valRatio, testRatio] of [
        [0.1, 0.1],
        [0.15, 0.05],
      ] as const) {
        for (const n of [10, 101, 2000]) cases.push({ seed, valRatio, testRatio, n });
      }
    }
    const outputs = runMany(
      cases.map(({ seed, valRatio, testRatio, n }) => [
        writeScript(pytorchScript(input(withDefaults(), { split: { seed, valRatio, testRatio } }))),
        ['--print-split', String(n)],
      ]),
    );
    cases.forEach(({ seed, valRatio, testRatio, n }, k) => {
      const py = JSON.parse(outputs[k]!) as Record<string, number[]>;
      const lab = splitIndices(n, { seed, valRatio, testRatio });
      const what = `seed ${seed} ratios ${valRatio}/${testRatio} n=${n}`;
      expect(py['train'], what).toEqual(Array.from(lab.train));
      expect(py['val'], what).toEqual(Array.from(lab.val));
      expect(py['test'], what).toEqual(Array.from(lab.test));
    });
  });

  itTorch('--print-outliers equals filterOutliers exactly', () => {
    // 400 values with planted outliers and non-finite ones; 12,000 values far from 0 with a heavy
    // tail (numpy's 8192-element summation blocks and large offsets).
    const [a] = normalArray(createRng('outliers'), 400, -1.5, 0.3);
    a[3] = 9;
    a[50] = -1.5 - 6 * 0.3;
    a[120] = -1.5 + 4.6 * 0.3;
    a[121] = -1.5 + 4.2 * 0.3;
    a[200] = Number.NaN;
    a[201] = Number.POSITIVE_INFINITY;
    const [b] = normalArray(createRng('outliers-2'), 12_000, 1e6, 2);
    for (let i = 0; i < b.length; i += 97) b[i] = b[i]! + 40 * ((i % 3) - 1) * ((i % 7) + 1);
    const methods = [
      { method: 'sigma', k: 4 },
      { method: 'sigma', k: 3 },
      { method: 'iterative-sigma', k: 3 },
      { method: 'mad', k: 3.5 },
    ] as const;
    const scripts = methods.map((outliers) => writeScript(pytorchScript(input(withDefaults({ outliers })))));
    const jobs: [string, string[]][] = [];
    [a, b].forEach((x, v) => {
      const file = path.join(tmp, `targets${v}.json`);
      const text = x.map((y) => (Number.isNaN(y) ? 'NaN' : Number.isFinite(y) ? String(y) : 'Infinity'));
      writeFileSync(file, `[${text.join(', ')}]`);
      for (const script of scripts) jobs.push([script, ['--print-outliers', file]]);
    });
    const outputs = runMany(jobs);
    [a, b].forEach((x, v) => {
      methods.forEach((outliers, m) => {
        const py = JSON.parse(outputs[v * methods.length + m]!) as { kept: number[] };
        const lab = filterOutliers(outliers, x);
        expect(lab.removed.length).toBeGreaterThan(2);
        expect(py.kept, `vector ${v} ${JSON.stringify(outliers)}`).toEqual(Array.from(lab.kept));
      });
    });
  });

  itPython('--print-recipe round-trips the config and the names', () => {
    const name = '"""; import os #\n\\ é 🎲 \ud800';
    const config = withDefaults({
      seed: 'seed ✓',
      plateau: { patience: 2 },
      schedule: { kind: 'multistep', baseLr: 0.1 + 0.2, milestones: [3, 3] },
    });
    const file = writeScript(
      pytorchScript(input(config, { runName: name, datasetName: name, target: name })),
    );
    const out = JSON.parse(runScript(file, ['--print-recipe'])) as Record<string, unknown>;
    expect(out['recipe']).toEqual(config);
    expect(out['run_name']).toBe(name);
    expect(out['dataset_name']).toBe(name);
    expect(out['target']).toBe(name);
    expect(out['seed']).toBe('seed ✓');
  });

  itTorch(
    'trains end to end on a stub cgcnn package (rollback, plateau, top-k, restoreBest, lab split)',
    () => {
      const root = path.join(tmp, 'data');
      const pkg = path.join(tmp, 'stub', 'cgcnn');
      mkdirSync(root, { recursive: true });
      mkdirSync(pkg, { recursive: true });
      writeFileSync(path.join(pkg, '__init__.py'), '');
      writeFileSync(path.join(pkg, 'data.py'), STUB_DATA);
      writeFileSync(path.join(pkg, 'model.py'), STUB_MODEL);
      writeFileSync(path.join(root, 'atom_init.json'), '{}');
      const [xs] = normalArray(createRng('stub'), 60);
      const ids = xs.map((_, i) => `c${1000 + i}`);
      const split = splitIndices(ids.length, { seed: 123, valRatio: 0.1, testRatio: 0.1 });
      const outlier = split.train[0]!; // a planted outlier target
      const poisoned = split.train[1]!; // NaN features: its batch has a NaN loss every epoch
      const lines = xs.map((x, i) => `${ids[i]},${i === outlier ? 40 : 2 * x + 1}`);
      xs.forEach((x, i) =>
        writeFileSync(path.join(root, `${ids[i]}.cif`), i === poisoned ? 'nan\n' : `${x}\n`),
      );
      lines.splice(5, 0, 'orphan,1.0'); // no CIF: skipped, as the lab rejects it
      writeFileSync(path.join(root, 'id_prop.csv'), lines.join('\n') + '\n');
      const config = withDefaults({
        epochs: 4,
        batchSize: 8,
        evalBatchSize: 16,
        model: { atomFeaLen: 8, nConv: 1, hFeaLen: 8 },
        plateau: { patience: 0 },
        outliers: { method: 'sigma', k: 3 },
        topK: 2,
        earlyStopping: { patience: 3, restoreBest: true },
        logEvery: 3,
      });
      const spe = stepsPerEpoch(split.train.length - 1, config.batchSize);
      const file = writeScript(
        pytorchScript(
          input(config, { nTrain: split.train.length, stepsPerEpoch: spe, totalSteps: spe * config.epochs }),
        ),
      );
      const out = path.join(tmp, 'run');
      const stdout = runScript(file, [root, '--out', out, '--device', 'cpu'], {
        PYTHONPATH: path.join(tmp, 'stub'),
      });
      expect(stdout).toMatch(/skipped 1 rows/);
      expect(stdout).toMatch(/1 removed as outliers/);
      expect(stdout).not.toMatch(/warning/);
      expect(stdout).toMatch(/non-finite loss -> rollback \(lr scale 0\.5\)/);
      const used = JSON.parse(readFileSync(path.join(out, 'split.json'), 'utf8')) as Record<string, string[]>;
      expect(used['train']).toEqual(Array.from(split.train, (i) => ids[i]));
      expect(used['val']).toEqual(Array.from(split.val, (i) => ids[i]));
      expect(used['test']).toEqual(Array.from(split.test, (i) => ids[i]));
      const history = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8')) as {
        end: string;
        epochs: { val: { mae: number }; lr_scale: number }[];
        top_k: unknown[];
      };
      expect(['completed', 'early-stopped']).toContain(history.end);
      expect(history.epochs.length).toBeGreaterThan(0);
      // BatchNorm kept its statistics through the NaN steps: evaluation stays finite.
      for (const e of history.epochs) expect(Number.isFinite(e.val.mae)).toBe(true);
      expect(history.epochs.at(-1)!.lr_scale).toBe(0.5 ** history.epochs.length);
      const ckpts = readdirSync(out).filter((f) => /^epoch\d+\.pth$/.test(f));
      expect(ckpts.length).toBe(history.top_k.length);
      expect(ckpts.length).toBeLessThanOrEqual(2);
      expect(readdirSync(out)).toContain('final.pth');

      // --split-file overrides the split (ids); here: val and test swapped.
      const custom = path.join(tmp, 'custom-split.json');
      writeFileSync(custom, JSON.stringify({ train: used['train'], val: used['test'], test: used['val'] }));
      const out2 = path.join(tmp, 'run2');
      runScript(file, [root, '--out', out2, '--device', 'cpu', '--split-file', custom], {
        PYTHONPATH: path.join(tmp, 'stub'),
      });
      const used2 = JSON.parse(readFileSync(path.join(out2, 'split.json'), 'utf8')) as Record<
        string,
        string[]
      >;
      expect(used2).toEqual({ train: used['train'], val: used['test'], test: used['val'] });
    },
    120_000,
  );
});

/** A stand-in for cgcnn.data with the same interface (CIFData rows, shuffle, collate_pool). */
const STUB_DATA = `import csv
import os
import random

import torch
from torch.utils.data import Dataset


class CIFData(Dataset):
    def __init__(self, root_dir, max_num_nbr=12, radius=8, dmin=0, step=0.2,
                 random_seed=123):
        self.root_dir = root_dir
        self.max_num_nbr = max_num_nbr
        with open(os.path.join(root_dir, "id_prop.csv")) as f:
            self.id_prop_data = [row for row in csv.reader(f)]
        random.seed(random_seed)
        random.shuffle(self.id_prop_data)

    def __len__(self):
        return len(self.id_prop_data)

    def __getitem__(self, idx):
        cif_id, target = self.id_prop_data[idx]
        with open(os.path.join(self.root_dir, cif_id + ".cif")) as f:
            x = float(f.read().split()[0])
        atom_fea = torch.full((2, 5), x)
        nbr_fea = torch.full((2, self.max_num_nbr, 3), x)
        nbr_fea_idx = torch.zeros((2, self.max_num_nbr), dtype=torch.long)
        return (atom_fea, nbr_fea, nbr_fea_idx), torch.Tensor([float(target)]), cif_id


def collate_pool(dataset_list):
    atoms, nbrs, idxs, crystal_atom_idx, targets, ids = [], [], [], [], [], []
    base = 0
    for (a, n, i), t, cid in dataset_list:
        k = a.shape[0]
        atoms.append(a)
        nbrs.append(n)
        idxs.append(i + base)
        crystal_atom_idx.append(torch.LongTensor(range(base, base + k)))
        targets.append(t)
        ids.append(cid)
        base += k
    return ((torch.cat(atoms), torch.cat(nbrs), torch.cat(idxs), crystal_atom_idx),
            torch.stack(targets), ids)
`;

/** A stand-in for cgcnn.model.CrystalGraphConvNet (same constructor and forward signature, a BatchNorm). */
const STUB_MODEL = `import torch
import torch.nn as nn


class CrystalGraphConvNet(nn.Module):
    def __init__(self, orig_atom_fea_len, nbr_fea_len, atom_fea_len=64, n_conv=3,
                 h_fea_len=128, n_h=1, classification=False):
        super().__init__()
        self.embedding = nn.Linear(orig_atom_fea_len, atom_fea_len)
        self.bn = nn.BatchNorm1d(atom_fea_len)
        self.fc = nn.Linear(atom_fea_len, h_fea_len)
        self.out = nn.Linear(h_fea_len, 1)

    def forward(self, atom_fea, nbr_fea, nbr_fea_idx, crystal_atom_idx):
        h = torch.relu(self.bn(self.embedding(atom_fea)))
        pooled = torch.stack([h[idx].mean(0) for idx in crystal_atom_idx])
        return self.out(torch.relu(self.fc(pooled)))
`;
