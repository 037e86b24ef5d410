/**
 * The lab's trainer on the command line: same data layer and engine as the browser worker, in Node.
 *
 *   npm run train -- --data <file|folder|builtin> [--target column] [--config recipe.json]
 *                    [--backend wasm|cpu] [--epochs N] [--seed N] [--out dir]
 *
 * Prints one JSON line per epoch and a last line {"summary": {...}}; saves the best checkpoint (by val
 * MAE) and the resolved config in --out (default ./runs/<timestamp>). Exits non-zero with a message on
 * bad input.
 */
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareDataset, type DatasetRequest } from '../src/data/pipeline.ts';
import { initBackend } from '../src/engine/backend.ts';
import { serializeCheckpoint } from '../src/engine/checkpoint.ts';
import { configToJson, withDefaults, type TrainConfigInput } from '../src/core/recipe.ts';
import { Trainer, type EpochRecord } from '../src/engine/trainer.ts';

class UsageError extends Error {}

const USAGE =
  'usage: npm run train -- --data <file|folder|builtin> [--target column] [--config recipe.json] ' +
  '[--backend wasm|cpu] [--epochs N] [--seed N] [--out dir]';

function readInput(path: string): DatasetRequest {
  if (path === 'builtin') return { kind: 'builtin', settings: {} };
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new UsageError(`--data ${path}: no such file or folder.`);
  }
  if (st.isFile())
    return { kind: 'files', files: [{ path: basename(abs), bytes: new Uint8Array(readFileSync(abs)) }] };
  const files: { path: string; bytes: Uint8Array }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else
        files.push({ path: join(basename(abs), relative(abs, p)), bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(abs);
  if (files.length === 0) throw new UsageError(`--data ${path}: the folder is empty.`);
  return { kind: 'files', files };
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got '${v}'.`);
  return n;
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      target: { type: 'string' },
      config: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (values.data === undefined) throw new UsageError(`--data is required.\n${USAGE}`);
  if (values.backend !== 'wasm' && values.backend !== 'cpu') {
    throw new UsageError(`--backend must be wasm or cpu in Node (got '${values.backend}').`);
  }

  let input: TrainConfigInput = {};
  if (values.config !== undefined) {
    try {
      input = JSON.parse(readFileSync(resolve(values.config), 'utf8')) as TrainConfigInput;
    } catch (err) {
      throw new UsageError(`--config ${values.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const epochs = positiveInt('epochs', values.epochs);
  if (epochs !== undefined) input = { ...input, epochs };
  if (values.seed !== undefined)
    input = { ...input, seed: Number.isFinite(Number(values.seed)) ? Number(values.seed) : values.seed };
  let config;
  try {
    config = withDefaults(input);
  } catch (err) {
    throw new UsageError(`invalid config: ${err instanceof Error ? err.message : String(err)}`);
  }

  const backend = await initBackend(values.backend);
  const request = readInput(values.data);
  if (request.kind === 'files' && values.target !== undefined) request.target = values.target;
  const prepared = await prepareDataset(request);
  if (!prepared.ok) throw new UsageError(prepared.error.message);
  const ds = prepared.dataset;

  const out = resolve(values.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-')));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'config.json'), configToJson(config));

  const trainer = new Trainer(ds, config, {
    onEpoch: (r: EpochRecord) =>
      console.log(
        JSON.stringify({
          epoch: r.epoch,
          step: r.globalStep,
          train_loss: round(r.trainLoss),
          val_loss: round(r.val.loss),
          val_mae: round(r.val.mae),
          test_mae: round(r.test.mae),
          lr: round(r.lr),
          nan_steps: r.nanSteps,
          ms: Math.round(r.epochMs),
        }),
      ),
    onNanEvent: (e) => console.error(JSON.stringify({ nan_event: e })),
  });
  const result = await trainer.run();
  const best =
    trainer.history.find((h) => h.epoch === result.bestEpoch) ?? trainer.history[trainer.history.length - 1];
  const top = trainer.topCheckpoints[0];
  if (top?.checkpoint) writeFileSync(join(out, 'best.checkpoint.json'), serializeCheckpoint(top.checkpoint));
  const metrics = (m: { mae: number; rmse: number; pearson: number; spearman: number } | undefined) =>
    m && { mae: round(m.mae), rmse: round(m.rmse), pearson: round(m.pearson), spearman: round(m.spearman) };
  console.log(
    JSON.stringify({
      summary: {
        dataset: ds.name,
        fingerprint: ds.fingerprint,
        backend: backend.name,
        target: ds.target,
        loaded: ds.ids.length,
        rejected: ds.rejected.length,
        outliers_removed: trainer.outlierReport?.removed.length ?? 0,
        target_mean: round(ds.summary.target.mean),
        target_std: round(ds.summary.target.std),
        val_mae_over_target_std: best ? round(best.val.mae / ds.summary.target.std) : null,
        end: result.end,
        epochs: result.epochs,
        best_epoch: result.bestEpoch,
        val: metrics(best?.val),
        test: metrics(best?.test),
        checkpoint: top !== undefined ? join(out, 'best.checkpoint.json') : null,
      },
    }),
  );
  trainer.dispose();
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? `train: ${err.message}` : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
