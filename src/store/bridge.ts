/**
 * The bridge from worker messages to the store: the one place that turns `FromWorker` messages into
 * state. Each slice ignores messages whose `runId` is not its current request (late answers to an
 * older request).
 */
import { assertNever } from '../core/assert.ts';
import { LabWorkerClient } from '../worker/client.ts';
import type {
  BackendPreference,
  Checkpoint,
  DatasetSource,
  FromWorker,
  LandscapeJob,
  TrainConfigInput,
} from '../worker/protocol.ts';
import { useLabStore } from './labStore.ts';
import { readUrl, writeUrl, type BuiltinChoice } from './urlState.ts';
import type { TrainConfig } from '../core/recipe.ts';
import { expectResume, openHistory, record as recordRun } from './history/recorder.ts';
import type { StepTable } from './history/types.ts';

let client: LabWorkerClient | null = null;
/** When the last per-epoch validation evaluation was asked for (performance.now()). */
let lastEpochEval = -Infinity;
/** The last files the user chose, so a different target can be picked without choosing them again. */
let lastFiles: { source: Extract<DatasetSource, { kind: 'files' }>; label: string } | null = null;

function worker(): LabWorkerClient {
  if (client === null) {
    client = new LabWorkerClient();
    client.subscribe(applyWorkerMessage);
  }
  return client;
}

export function applyWorkerMessage(msg: FromWorker): void {
  const store = useLabStore.getState();
  recordRun(msg);
  switch (msg.type) {
    case 'backend-ready':
      if (store.backend.phase === 'starting' && store.backend.runId === msg.runId) {
        store.setBackend({ phase: 'ready', runId: msg.runId, report: msg.report });
      }
      return;
    case 'dataset-progress':
      store.datasetProgress(msg.runId, msg.progress);
      return;
    case 'dataset-ready':
      store.datasetLoaded(msg.runId, msg.info);
      return;
    case 'dataset-error':
      store.datasetFailed(msg.runId, msg.message);
      return;
    case 'run-started':
      store.runStarted(msg.runId, msg.plan);
      return;
    case 'run-steps':
      store.runSteps(msg.runId, msg.records);
      return;
    case 'run-epoch':
      store.runEpoch(msg.runId, msg.record);
      // Keep the validation residuals (Huber vs MSE panel, parity plot) current as the run trains, at
      // most every 2 s (a fast run ends an epoch several times a second).
      if (store.training.runId === msg.runId && performance.now() - lastEpochEval > 2000) {
        lastEpochEval = performance.now();
        evaluateSplit('val');
      }
      return;
    case 'run-nan':
      store.runNan(msg.runId, msg.event);
      return;
    case 'run-status':
      store.runStatus(msg.runId, msg.status);
      return;
    case 'run-finished':
      store.runFinished(msg.runId, msg.result, msg.weights);
      // The parity plot, residual histogram and Huber/MSE panel need predictions: evaluate val and test.
      evaluateSplit('val');
      evaluateSplit('test');
      return;
    case 'lr-finder-progress':
      store.lrFinderProgress(msg.runId, msg);
      return;
    case 'lr-finder-result':
      store.lrFinderDone(msg.runId, msg.outcome);
      return;
    case 'evaluation':
      store.evaluated(msg.runId, msg.result);
      return;
    case 'checkpoint':
      store.checkpointSaved(msg);
      return;
    case 'run-checkpoint':
    case 'run-failed':
      return; // the run history's (recordRun above); the page hears of a failure from the 'error' after it
    case 'job-progress':
      store.jobUpdate(msg.jobId, {
        progress: { done: msg.done, total: msg.total, elapsedMs: msg.elapsedMs, estimateMs: msg.estimateMs },
      });
      return;
    case 'job-result':
      store.jobUpdate(msg.jobId, { status: 'done', result: msg.result });
      return;
    case 'job-cancelled':
      store.jobUpdate(msg.jobId, { status: 'cancelled' });
      return;
    case 'job-error':
      if (msg.jobId === 'track') store.setTrackError(msg.message);
      else store.jobUpdate(msg.jobId, { status: 'error', error: msg.message });
      return;
    case 'sharpness-epoch':
      store.addSharpnessPoint(msg.runId, msg.epoch, msg.result);
      return;
    case 'weights-kept':
      store.setKeptRuns(msg.runs);
      return;
    case 'error':
      // A job failed unexpectedly: fail whichever request it belongs to.
      if (store.backend.phase === 'starting' && store.backend.runId === msg.runId) {
        store.setBackend({ phase: 'failed', runId: msg.runId, message: msg.message });
      }
      store.datasetFailed(msg.runId, msg.message);
      store.runFailed(msg.runId, msg.message);
      store.lrFinderFailed(msg.runId, msg.message);
      return;
    default:
      assertNever(msg, 'message from the lab worker');
  }
}

/** Starts the worker (once) and asks it to initialise TF.js on the preferred backend. */
export function startLab(preference: BackendPreference = 'auto', wasmThreads?: number): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().setBackend({ phase: 'starting', runId, preference });
  worker().send({
    type: 'init',
    runId,
    backend: preference,
    ...(wasmThreads !== undefined ? { wasmThreads } : {}),
  });
}

/** Asks the worker to load a dataset; the one loaded so far stays until this one succeeds. */
export function loadDataset(source: DatasetSource, label: string): void {
  if (source.kind === 'files') lastFiles = { source, label };
  const runId = crypto.randomUUID();
  useLabStore.getState().datasetRequested(runId, label);
  worker().send({ type: 'load-dataset', runId, source });
}

/** Reloads the last chosen files with another target column (the files stay in the page as Blobs). */
export function chooseTarget(target: string): void {
  if (lastFiles === null) return;
  loadDataset({ ...lastFiles.source, target }, `${lastFiles.label} → ${target}`);
}

/**
 * Reads the set-up from the address (recipe, backend, dataset, language, theme), starts the worker on
 * that backend and loads that dataset; from then on the address follows the store (replaceState), so a
 * copied link reproduces the set-up.
 */
export function startFromUrl(): void {
  const u = readUrl(window.location.search);
  const st = useLabStore.getState();
  st.setRecipe(u.recipe);
  st.setBackendPreference(u.backend);
  if (u.lang !== null) st.setLang(u.lang);
  if (u.theme !== null) st.setTheme(u.theme);
  st.setUrlProblems(u.problems);
  st.setView(u.view);
  if (u.lesson !== null) st.setLesson(u.lesson);
  st.setPresenting(u.presenting && u.view === 'lessons');
  if (u.pg !== null) st.loadPg(u.pg);
  void openHistory();
  startLab(u.backend, u.wasmThreads ?? undefined);
  if (u.data.kind === 'url') loadFromUrl(u.data.url);
  else if (u.data.kind === 'builtin') loadBuiltin(u.data);
  syncUrl();
}

let urlSyncInstalled = false;

function syncUrl(): void {
  if (urlSyncInstalled) return;
  urlSyncInstalled = true;
  const write = () => {
    const s = useLabStore.getState();
    const search = writeUrl(window.location.search, {
      recipe: s.recipe,
      backend: s.backendPreference,
      data: s.datasetChoice,
      lang: s.lang,
      theme: s.theme,
      view: s.view,
      lesson: s.lesson,
      presenting: s.presenting,
      pg: s.pg,
    });
    if (search !== window.location.search) {
      window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
    }
  };
  write();
  useLabStore.subscribe((s, prev) => {
    if (
      s.recipe !== prev.recipe ||
      s.backendPreference !== prev.backendPreference ||
      s.datasetChoice !== prev.datasetChoice ||
      s.lang !== prev.lang ||
      s.theme !== prev.theme ||
      s.view !== prev.view ||
      s.lesson !== prev.lesson ||
      s.presenting !== prev.presenting ||
      (s.view === 'playground' && s.pg !== prev.pg)
    )
      write();
  });
}

/** Switches the compute backend (the loaded dataset stays; a run must not be in progress). */
export function chooseBackend(preference: BackendPreference): void {
  useLabStore.getState().setBackendPreference(preference);
  startLab(preference);
}

/** The built-in teaching set with these settings. */
export function loadBuiltin(choice: BuiltinChoice): void {
  useLabStore.getState().setDatasetChoice(choice);
  loadDataset(
    {
      kind: 'builtin',
      settings: { size: choice.size, labelNoise: choice.noise, outlierFraction: choice.outliers },
    },
    'builtin',
  );
}

/** Files the user dropped or picked (not reproducible from a link: the address keeps no dataset then). */
export function loadFiles(files: Extract<DatasetSource, { kind: 'files' }>['files'], label: string): void {
  useLabStore.getState().setDatasetChoice({ kind: 'files', label });
  loadDataset({ kind: 'files', files }, label);
}

/**
 * Fetches a dataset file from a link (the server must allow cross-origin reads: CORS) and loads it
 * like a dropped file, named after the link's last path segment.
 */
export function loadFromUrl(url: string): void {
  const runId = crypto.randomUUID();
  const st = useLabStore.getState();
  st.setDatasetChoice({ kind: 'url', url });
  st.datasetRequested(runId, url);
  let name = 'download';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? name);
  } catch {
    st.datasetFailed(runId, `"${url}" is not a web address. Paste a full link starting with https://.`);
    return;
  }
  fetch(url, { mode: 'cors' })
    .then(async (res) => {
      if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`.trim());
      const blob = await res.blob();
      if (useLabStore.getState().dataset.pending?.runId !== runId) return;
      lastFiles = { source: { kind: 'files', files: [{ path: name, file: blob }] }, label: name };
      useLabStore.getState().datasetRequested(runId, name);
      worker().send({
        type: 'load-dataset',
        runId,
        source: { kind: 'files', files: [{ path: name, file: blob }] },
      });
    })
    .catch((e: unknown) => {
      const why = e instanceof Error ? e.message : String(e);
      useLabStore
        .getState()
        .datasetFailed(
          runId,
          `Could not download ${url}: ${why}. The server must allow cross-origin reads (CORS); otherwise download the file and drop it here.`,
        );
    });
}

/** Starts training the loaded dataset with the recipe being edited (refused while it is invalid). */
export function startEditedRecipe(): void {
  const s = useLabStore.getState();
  if (s.recipeError === null) startTraining(s.recipe);
}

/** Starts training the loaded dataset with `config` (the lab's defaults for what it leaves out). */
export function startTraining(config: TrainConfigInput | TrainConfig): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().runRequested(runId);
  worker().send({ type: 'start', runId, config });
}

/** Pause, resume, one step, or stop the current run. */
export function controlTraining(action: 'pause' | 'resume' | 'step-once' | 'stop'): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'control', runId, action });
}

/** The LR range test for `config` on the loaded dataset. */
export function findLearningRate(config: TrainConfigInput | TrainConfig, numIt = 100): void {
  const runId = crypto.randomUUID();
  useLabStore.getState().lrFinderRequested(runId);
  worker().send({ type: 'lr-finder', runId, config, numIt });
}

/** Asks the worker for the current run's checkpoint (it arrives in the store as `checkpoint`). */
export function saveCheckpoint(): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'save-checkpoint', runId });
}

/** Continues a saved run (checkpoint JSON text) on the loaded dataset, as a new run in the page. */
export function resumeCheckpoint(
  saved: string | Checkpoint,
  stored?: { id: string; steps: StepTable; stepsFrom: number },
): void {
  const runId = crypto.randomUUID();
  const st = useLabStore.getState();
  st.runRequested(runId);
  if (stored !== undefined && typeof saved !== 'string') {
    // A stored run continues under its own record; its curves so far come from the history.
    expectResume(runId, stored.id, saved.globalStep);
    st.runSeriesPrefill(runId, stored.stepsFrom, stored.steps);
  }
  worker().send({ type: 'resume-checkpoint', runId, checkpoint: saved });
}

/** Evaluates the current run's model on a split; the result arrives in the store as `evaluation`. */
export function evaluateSplit(split: 'train' | 'val' | 'test'): void {
  const runId = useLabStore.getState().training.runId;
  if (runId !== null) worker().send({ type: 'evaluate', runId, split });
}

/**
 * Measures the current run's model (loss surface, sharpness, interpolation, timing probe); a new job of
 * the same kind replaces the old one (which is cancelled). Returns the job id, or null without a run.
 */
export function startLandscapeJob(job: LandscapeJob): string | null {
  const st = useLabStore.getState();
  const runId = st.training.runId;
  if (runId === null) return null;
  const old = st.jobs[job.kind];
  if (old !== undefined && old.status === 'running') cancelLandscapeJob(old.jobId);
  const jobId = crypto.randomUUID();
  st.jobStarted(job.kind, {
    jobId,
    runId,
    job,
    status: 'running',
    progress: null,
    result: null,
    error: null,
  });
  worker().send({ type: 'landscape', runId, jobId, job });
  return jobId;
}

export function cancelLandscapeJob(jobId: string): void {
  const st = useLabStore.getState();
  const j = Object.values(st.jobs).find((x) => x?.jobId === jobId);
  if (j === undefined) return;
  worker().send({ type: 'cancel-job', runId: j.runId, jobId });
}

/** Turns per-epoch sharpness tracking on (with these settings) or off, for the current and later runs. */
export function trackSharpness(settings: { iterations: number; rows: number } | null): void {
  const st = useLabStore.getState();
  st.setTrackSharpness(settings !== null);
  worker().send({ type: 'track-sharpness', runId: st.training.runId ?? '', settings });
}
