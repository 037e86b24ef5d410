/**
 * What a person does with stored runs: rename, tag, delete, compare (load series), resume, import, and
 * export (bundle, CSV, TF.js model, PyTorch recipe). Exports return a file (name + Blob) for the page
 * to download; failures are reported through the history's `error` (and returned as null).
 */
import { LAB_VERSION } from '../../core/version.ts';
import { pytorchScript } from '../../core/pytorchRecipe.ts';
import { tfjsArtifacts } from '../../core/tfjsModel.ts';
import { loadBuiltin, resumeCheckpoint } from '../bridge.ts';
import { useLabStore } from '../labStore.ts';
import { BUNDLE_FORMAT, bundleToJson, parseBundle, type RunBundle } from './bundle.ts';
import { epochsCsv, stepsCsv } from './csv.ts';
import { historyError, type RunStore } from './db.ts';
import { flushed, heldLocks, historyDb, lockName, patchLive, refreshUsage } from './recorder.ts';
import { stepsBefore, type RunMeta, type StoredCheckpoint } from './types.ts';

/** The lab's split ratios (src/data/dataset.ts DEFAULT_SPLIT; records made before ratios were kept used them). */
const DEFAULT_SPLIT_RATIOS = { valRatio: 0.1, testRatio: 0.1 } as const;

export interface ExportFile {
  name: string;
  blob: Blob;
}

function store(): RunStore {
  const db = historyDb();
  if (db === null) throw new Error('The run history is not available in this browser.');
  return db;
}

function meta(id: string): RunMeta {
  const r = useLabStore.getState().history.runs.find((x) => x.id === id);
  if (r === undefined) throw new Error('That run is no longer in the history.');
  return r;
}

/** Runs `fn`; a failure becomes the history's error for people (`what` names the action). */
async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    useLabStore.getState().historyError(historyError(what, e).message);
    return null;
  }
}

/** Refuses to act on a run that another tab or window of the lab is training (it holds the run's lock). */
async function notTrainingElsewhere(id: string): Promise<void> {
  if ((await heldLocks()).has(lockName(id)))
    throw new Error('it is training in another tab or window of the lab');
}

/** A file name made of the run's name (letters, digits, - and _ kept). */
export function fileStem(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}_-]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return s === '' ? 'run' : s;
}

export function renameRun(id: string, name: string): Promise<unknown> {
  const clean = name.trim().slice(0, 200);
  if (clean === '') return Promise.resolve(null);
  return attempt('rename the run', async () => {
    const next = await store().update(id, { name: clean, updatedAt: Date.now() });
    patchLive(id, { name: clean });
    if (next) useLabStore.getState().historyPut(next);
  });
}

/** Parses "a, b c" into distinct tags (comma or whitespace separated, at most 20 of ≤ 40 characters). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[,，、\s]+/)) {
    const tag = t.trim().slice(0, 40);
    if (tag !== '' && !out.includes(tag)) out.push(tag);
  }
  return out.slice(0, 20);
}

export function setRunTags(id: string, tags: string[]): Promise<unknown> {
  return attempt('change the tags', async () => {
    const next = await store().update(id, { tags, updatedAt: Date.now() });
    patchLive(id, { tags });
    if (next) useLabStore.getState().historyPut(next);
  });
}

export function deleteRun(id: string): Promise<unknown> {
  if (useLabStore.getState().history.runs.find((r) => r.id === id)?.status === 'running') {
    useLabStore.getState().historyError('Stop the run before deleting it.');
    return Promise.resolve(null);
  }
  return attempt('delete the run', async () => {
    await notTrainingElsewhere(id);
    await store().delete(id);
    useLabStore.getState().historyRemove(id);
    void refreshUsage();
  });
}

/** Deletes a run's checkpoints (most of its storage) and keeps its curves and metrics. */
export function deleteRunWeights(id: string): Promise<unknown> {
  return attempt('delete the run’s weights', async () => {
    await store().deleteWeights(id);
    const next = await store().getRun(id);
    if (next) useLabStore.getState().historyPut(next);
    void refreshUsage();
  });
}

/** Loads the step series of runs (those not loaded yet or changed since) for the comparison charts. */
export function loadSeries(ids: readonly string[]): Promise<unknown> {
  return attempt('read the runs’ curves', async () => {
    const st = useLabStore.getState();
    for (const id of ids) {
      const run = st.history.runs.find((r) => r.id === id);
      if (run === undefined || st.history.series[id]?.updatedAt === run.updatedAt) continue;
      const steps = await store().readSteps(run);
      // Calls can overlap (a live run writes every epoch): never replace newer curves with older ones.
      const cached = useLabStore.getState().history.series[id];
      if (cached === undefined || cached.updatedAt < run.updatedAt) {
        useLabStore.getState().historySeries(id, run.updatedAt, steps);
      }
    }
  });
}

/** The run bundle of `id` (JSON; with its checkpoints when `withWeights`). */
export function exportBundle(id: string, withWeights: boolean): Promise<ExportFile | null> {
  return attempt('export the run', async () => {
    // Everything queued is written first, then record, series and checkpoints are read from the store.
    await flushed();
    const run = (await store().getRun(id)) ?? meta(id);
    const steps = await store().readSteps(run);
    const checkpoints = withWeights
      ? (await store().listCheckpoints(id)).map(({ runId: _r, ...c }) => c)
      : [];
    const bundle: RunBundle = {
      format: BUNDLE_FORMAT,
      exportedAt: new Date().toISOString(),
      app: { name: 'optimization-lab', version: LAB_VERSION },
      run: withWeights ? run : { ...run, resumePoint: null, topK: [] },
      steps,
      checkpoints,
    };
    return {
      name: `${fileStem(run.name)}.run.json`,
      blob: new Blob([bundleToJson(bundle)], { type: 'application/json' }),
    };
  });
}

/**
 * Imports a run bundle (the text of a file named `fileName`). A run already in the history (same id) is
 * imported as a copy with a new id, so nothing stored is overwritten. Returns the imported record.
 */
export function importBundle(text: string, fileName: string): Promise<RunMeta | null> {
  return attempt(`import ${fileName}`, async () => {
    const parsed = parseBundle(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const b = parsed.bundle;
    const exists = (await store().getRun(b.run.id)) !== undefined;
    const id = exists ? crypto.randomUUID() : b.run.id;
    const run: RunMeta = {
      ...b.run,
      id,
      name: exists ? `${b.run.name} (copy)` : b.run.name,
      // A run that was training when it was exported cannot be live here.
      status: b.run.status === 'running' || b.run.status === 'paused' ? 'interrupted' : b.run.status,
    };
    const checkpoints: StoredCheckpoint[] = b.checkpoints.map((c) => ({ ...c, runId: id }));
    await store().putWhole(run, b.steps, checkpoints);
    const now = useLabStore.getState();
    now.historyPut(run);
    now.historyNotice({
      kind: exists ? 'imported-copy' : checkpoints.length > 0 ? 'imported' : 'imported-no-weights',
      name: run.name,
      original: b.run.name,
      epochs: run.epochs.length,
      checkpoints: checkpoints.length,
    });
    void refreshUsage();
    return run;
  });
}

export function exportEpochsCsv(id: string): Promise<ExportFile | null> {
  return attempt('export the metrics', () => {
    const run = meta(id);
    return Promise.resolve({
      name: `${fileStem(run.name)}.epochs.csv`,
      blob: new Blob([epochsCsv(run)], { type: 'text/csv' }),
    });
  });
}

export function exportStepsCsv(id: string): Promise<ExportFile | null> {
  return attempt('export the per-step metrics', async () => {
    const run = meta(id);
    const steps = await store().readSteps(run);
    return {
      name: `${fileStem(run.name)}.steps.csv`,
      blob: new Blob([stepsCsv(steps, run.stepsFrom)], { type: 'text/csv' }),
    };
  });
}

/**
 * A run's model in TF.js's own save format, `<stem>.json` (model.json) and `<stem>.weights.bin` (as
 * tf.io's browserDownloads writes them): its final weights ('last' checkpoint) or its best epoch's (the
 * top-1 checkpoint by validation MAE, the weights the comparison table's metrics belong to).
 */
export function exportModel(id: string, which: 'final' | 'best'): Promise<ExportFile[] | null> {
  return attempt('export the model', async () => {
    const run = meta(id);
    const best = run.topK[0];
    const ck = await store().getCheckpoint(id, which === 'best' && best ? `top:${best.epoch}` : 'last');
    if (ck === undefined) {
      throw new Error(
        'this run has no stored weights (it ended before its first epoch, or its weights were deleted or not imported)',
      );
    }
    const stem = `${fileStem(run.name)}.${which === 'best' && best ? `best-epoch${best.epoch}` : 'final'}`;
    const { modelJson, weightData } = tfjsArtifacts(ck.checkpoint.weights, {
      config: run.config,
      normalizer: run.dataset.normalizer,
      runName: run.name,
      datasetFingerprint: run.dataset.fingerprint,
      labVersion: LAB_VERSION,
      fileStem: stem,
    });
    return [
      { name: `${stem}.json`, blob: new Blob([modelJson], { type: 'application/json' }) },
      {
        name: `${stem}.weights.bin`,
        blob: new Blob([weightData], { type: 'application/octet-stream' }),
      },
    ];
  });
}

/** The run's recipe as a PyTorch training script (txie-93/cgcnn). */
export function exportPytorch(id: string): Promise<ExportFile | null> {
  return attempt('export the recipe', () => {
    const run = meta(id);
    const split = run.dataset.split;
    const script = pytorchScript({
      config: run.config,
      runName: run.name,
      datasetName: run.dataset.name,
      target: run.dataset.target,
      nTrain: split.train,
      stepsPerEpoch: run.stepsPerEpoch,
      totalSteps: run.totalSteps,
      // The ratios the lab split with (counts cannot give them back: ⌊(k/n)·n⌋ is not always k).
      split: {
        seed: split.seed,
        valRatio: split.valRatio ?? DEFAULT_SPLIT_RATIOS.valRatio,
        testRatio: split.testRatio ?? DEFAULT_SPLIT_RATIOS.testRatio,
      },
      labVersion: LAB_VERSION,
    });
    return Promise.resolve({
      name: `${fileStem(run.name)}.train_recipe.py`,
      blob: new Blob([script], { type: 'text/x-python' }),
    });
  });
}

/** Waits until the loaded dataset has `fingerprint` (true) or a load fails or another lands (false). */
function datasetReady(fingerprint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const unsub = useLabStore.subscribe((s) => {
      if (s.dataset.pending !== null) return;
      unsub();
      resolve(s.dataset.loaded?.fingerprint === fingerprint);
    });
  });
}

/**
 * Continues an interrupted or stopped run from its last checkpoint, under the same record: loads its
 * dataset first when it is the built-in set (files must be loaded by the person). Switches to the
 * training view.
 */
export function resumeRun(id: string): Promise<unknown> {
  return attempt('resume the run', async () => {
    const run = meta(id);
    const ck = await store().getCheckpoint(id, 'last');
    if (ck === undefined) throw new Error('this run has no checkpoint to resume from');
    if (ck.globalStep >= run.totalSteps) throw new Error('this run already trained all its steps');
    const busy = () => {
      const status = useLabStore.getState().training.status;
      if (status === 'running' || status === 'paused' || status === 'starting') {
        throw new Error('another run is training: stop it first');
      }
    };
    busy();
    const st = useLabStore.getState();
    await notTrainingElsewhere(id);
    if (st.dataset.loaded?.fingerprint !== run.dataset.fingerprint) {
      const choice = run.dataset.choice;
      if (choice.kind !== 'builtin') {
        throw new Error(
          `it was trained on “${run.dataset.name}” (${run.dataset.size} crystals), which is not loaded: load it in the Train view, then resume`,
        );
      }
      loadBuiltin(choice);
      if (!(await datasetReady(run.dataset.fingerprint))) {
        throw new Error('the built-in set did not load as it was for this run (its settings changed)');
      }
    }
    const steps = await store().readSteps(run);
    busy(); // a run may have been started while the dataset loaded
    const keep = stepsBefore(run, ck.globalStep);
    const cut = Object.fromEntries(
      Object.entries(steps).map(([k, v]) => [k, v.subarray(0, keep)]),
    ) as typeof steps;
    useLabStore.getState().setView('train');
    resumeCheckpoint(ck.checkpoint, { id, steps: cut, stepsFrom: run.stepsFrom });
  });
}
