/**
 * Records runs into the history as they train: the bridge hands it every worker message (`record`).
 *
 * A run's record is created when the worker announces it ('run-started') and written at once, so it is
 * listed even before its first epoch ends. Steps are buffered; at each epoch's checkpoint
 * ('run-checkpoint', which the worker sends right after 'run-epoch') the epoch record, the steps since
 * the last write and the checkpoint (the resume point 'last', plus a 'top:<epoch>' slot when the epoch
 * entered the top-k; slots that fell out of the top-k are dropped) go to IndexedDB in one transaction.
 * When the run ends, the rest of its steps, its result and its final checkpoint are written the same way.
 * So a reload or a crash loses at most the epoch in progress, and the stored run is always consistent
 * with its resume point.
 *
 * Writes of one run are chained (in order); a failed write (e.g. the quota) is reported through
 * `historyError` and does not stop the run or later writes.
 */
import type { FromWorker, RunPlan } from '../../worker/protocol.ts';
import { lrLabel } from '../../core/recipe.ts';
import { useLabStore } from '../labStore.ts';
import { HistoryError, RunStore, historyError } from './db.ts';
import {
  STEP_COLUMNS,
  stepColumns,
  stepsBefore,
  type CheckpointSlot,
  type RunMeta,
  type StepChunk,
  type StepColumn,
  type StoredCheckpoint,
  type StoredDataset,
} from './types.ts';

/** A run being recorded (keyed by the worker's runId, which differs from the record's id after a resume). */
interface Live {
  meta: RunMeta;
  /** Step batches since the last write. */
  buffer: Record<StepColumn, Float32Array>[];
  bufferFirst: number | null;
  /** The run's final checkpoint, written with its end. */
  final: StoredCheckpoint | null;
  /** Bookkeeping of the time spent running. */
  runningSince: number | null;
  /** The write chain. */
  chain: Promise<void>;
  /** Releases this page's Web Lock on the record (held while the run is live). */
  unlock: () => void;
}

/** The Web Lock a page holds on a record while its run trains (other tabs then leave it alone). */
export const lockName = (id: string) => `optimization-lab/run/${id}`;

/** Holds the lock `name` until the returned function is called (no-op where Web Locks do not exist). */
function holdLock(name: string): () => void {
  const locks = globalThis.navigator?.locks;
  if (locks === undefined) return () => undefined;
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  void locks.request(name, () => held).catch(() => undefined);
  return release;
}

/** Names of the Web Locks held by any page of this origin (empty where Web Locks do not exist). */
export async function heldLocks(): Promise<Set<string>> {
  try {
    const q = await globalThis.navigator?.locks?.query();
    return new Set((q?.held ?? []).map((l) => l.name ?? ''));
  } catch {
    return new Set();
  }
}

let db: RunStore | null = null;
let opening: Promise<RunStore | null> | null = null;
const live = new Map<string, Live>();
/** Worker messages that arrived while the database was still opening (replayed once it is open). */
const waiting: FromWorker[] = [];
const MAX_WAITING = 10_000;
/** The last queued write of each record (kept after the run ends, for {@link flushed}). */
const tails = new Map<string, Promise<void>>();
/** Worker runIds that resume a stored run: runId → the record's id and its resume point's step. */
const resumes = new Map<string, { id: string; globalStep: number }>();

/** Opens the history (once), marks runs cut off by a reload as interrupted, and fills the store. */
export function openHistory(name?: string): Promise<RunStore | null> {
  opening ??= (async () => {
    const st = useLabStore.getState();
    try {
      const store = await RunStore.open(name, (message) => useLabStore.getState().historyError(message));
      const runs = await store.listRuns();
      const held = await heldLocks();
      const fixed: RunMeta[] = [];
      for (const r of runs) {
        // A run another tab is training holds its lock: it is live there, not interrupted.
        if ((r.status === 'running' || r.status === 'paused') && !held.has(lockName(r.id))) {
          // Cut off by a reload, a closed tab or a crash: its last epoch's checkpoint is where it resumes.
          fixed.push((await store.update(r.id, { status: 'interrupted' })) ?? r);
        } else fixed.push(r);
      }
      db = store;
      useLabStore.getState().historyLoaded(fixed);
      // Messages that came while the database was opening (a run started at once) are recorded now.
      const early = waiting.splice(0);
      for (const m of early) record(m);
      void refreshUsage();
      return store;
    } catch (e) {
      waiting.length = 0;
      st.historyUnavailable(e instanceof Error ? e.message : String(e));
      return null;
    }
  })();
  return opening;
}

/** The open history database, or null (not open yet, or unavailable). */
export function historyDb(): RunStore | null {
  return db;
}

/** For tests: forget the open database and live runs. */
export function resetRecorder(): void {
  db?.close();
  db = null;
  opening = null;
  for (const l of live.values()) l.unlock();
  live.clear();
  waiting.length = 0;
  tails.clear();
  resumes.clear();
}

/** Reads how much storage the page uses (when the browser says). */
export async function refreshUsage(): Promise<void> {
  try {
    const est = await globalThis.navigator?.storage?.estimate?.();
    if (est?.usage !== undefined && est.quota !== undefined) {
      useLabStore.getState().historyUsage({ used: est.usage, quota: est.quota });
    }
  } catch {
    // Not offered: the page simply does not show usage.
  }
}

/** The next worker run `runId` resumes the stored run `id` from its checkpoint at `globalStep`. */
export function expectResume(runId: string, id: string, globalStep: number): void {
  resumes.set(runId, { id, globalStep });
}

/** A person renamed or tagged the record `id`: a live run writes the new name/tags from now on. */
export function patchLive(id: string, patch: { name?: string; tags?: string[] }): void {
  for (const l of live.values()) {
    if (l.meta.id !== id) continue;
    if (patch.name !== undefined) l.meta.name = patch.name;
    if (patch.tags !== undefined) l.meta.tags = [...patch.tags];
  }
}

/** A default name: "Run 3 · Adam max_lr 0.003 · batch 64". */
function defaultRunName(n: number, plan: RunPlan): string {
  const c = plan.config;
  return `Run ${n} · ${c.optimizer.kind} ${lrLabel(c.schedule)} · batch ${c.batchSize}`;
}

function datasetOf(plan: RunPlan): StoredDataset {
  const st = useLabStore.getState();
  const info = st.dataset.loaded;
  return {
    fingerprint: plan.datasetFingerprint,
    name: info?.name ?? 'dataset',
    target: info?.target ?? '',
    choice: st.datasetChoice,
    size: info ? info.split.train + info.split.val + info.split.test : 0,
    split: info?.split ?? { train: 0, val: 0, test: 0, seed: 0 },
    normalizer: plan.normalizer,
  };
}

const snapshot = (m: RunMeta): RunMeta => ({
  ...m,
  tags: [...m.tags],
  epochs: [...m.epochs],
  nanEvents: [...m.nanEvents],
  topK: [...m.topK],
});

/** Queues a write of run `l`; the store's record is updated once it is written. */
function enqueue(l: Live, write: (store: RunStore, meta: RunMeta) => Promise<RunMeta>): void {
  const meta = snapshot(l.meta);
  l.chain = l.chain.then(async () => {
    const store = db;
    if (store === null) return;
    try {
      const written = await write(store, meta);
      l.meta.name = written.name;
      l.meta.tags = [...written.tags];
      useLabStore.getState().historyPut(written);
    } catch (e) {
      const err = e instanceof HistoryError ? e : historyError(`save run “${meta.name}”`, e);
      useLabStore.getState().historyError(err.message);
    }
  });
  tails.set(meta.id, l.chain);
}

/** The buffered steps as one chunk (and empties the buffer). */
function takeChunk(l: Live): StepChunk | null {
  if (l.bufferFirst === null || l.buffer.length === 0) return null;
  const n = l.buffer.reduce((s, b) => s + b.loss.length, 0);
  const chunk = { runId: l.meta.id, firstStep: l.bufferFirst } as StepChunk;
  for (const col of STEP_COLUMNS) {
    const a = new Float32Array(n);
    let o = 0;
    for (const b of l.buffer) {
      a.set(b[col], o);
      o += b[col].length;
    }
    chunk[col] = a;
  }
  if (l.meta.stepsStored === 0) l.meta.stepsFrom = l.bufferFirst;
  l.buffer = [];
  l.bufferFirst = null;
  l.meta.stepsStored += n;
  return chunk;
}

function tick(l: Live, running: boolean): void {
  const now = performance.now();
  if (l.runningSince !== null) l.meta.activeMs += now - l.runningSince;
  l.runningSince = running ? now : null;
}

function started(runId: string, plan: RunPlan): void {
  const st = useLabStore.getState();
  const resume = resumes.get(runId);
  resumes.delete(runId);
  const now = Date.now();
  const old = resume ? st.history.runs.find((r) => r.id === resume.id) : undefined;
  let meta: RunMeta;
  if (resume && old) {
    meta = {
      ...old,
      status: 'running',
      error: null,
      result: null,
      epochs: [...plan.history],
      nanEvents: old.nanEvents.filter((e) => e.step < resume.globalStep),
      stepsStored: stepsBefore(old, resume.globalStep),
      updatedAt: now,
    };
  } else {
    meta = {
      id: runId,
      name: defaultRunName(st.history.runs.length + 1, plan),
      tags: [],
      createdAt: now,
      updatedAt: now,
      status: 'running',
      error: null,
      config: plan.config,
      dataset: datasetOf(plan),
      backend: st.backend.phase === 'ready' ? st.backend.report.name : null,
      stepsPerEpoch: plan.stepsPerEpoch,
      totalSteps: plan.totalSteps,
      outliers: plan.outliers,
      epochs: [...plan.history],
      nanEvents: [],
      result: null,
      stepsFrom: 0,
      stepsStored: 0,
      activeMs: 0,
      resumePoint: null,
      topK: [],
    };
  }
  const l: Live = {
    meta,
    buffer: [],
    bufferFirst: null,
    final: null,
    runningSince: performance.now(),
    chain: Promise.resolve(),
    unlock: holdLock(lockName(meta.id)),
  };
  live.set(runId, l);
  useLabStore.getState().historyPut(snapshot(meta));
  enqueue(l, async (store, m) => {
    if (resume) await store.truncateSteps(m.id, resume.globalStep);
    return store.commit(m, {}, `record run “${m.name}”`);
  });
}

function checkpointed(l: Live, msg: Extract<FromWorker, { type: 'run-checkpoint' }>): void {
  const ck = msg.checkpoint;
  const stored = (slot: CheckpointSlot): StoredCheckpoint => ({
    runId: l.meta.id,
    slot,
    epoch: ck.epoch,
    globalStep: ck.globalStep,
    valMae: msg.valMae,
    checkpoint: ck,
  });
  if (msg.final) {
    l.final = stored('last');
    l.meta.topK = msg.topK;
    return;
  }
  const before = new Set(l.meta.topK.map((t) => t.epoch));
  const after = new Set(msg.topK.map((t) => t.epoch));
  const drop = [...before].filter((e) => !after.has(e)).map((e): CheckpointSlot => `top:${e}`);
  const put = [stored('last')];
  if (msg.inTopK) put.push(stored(`top:${ck.epoch}`));
  tick(l, l.runningSince !== null);
  const chunk = takeChunk(l);
  l.meta.topK = msg.topK;
  l.meta.resumePoint = { epoch: ck.epoch, globalStep: ck.globalStep };
  l.meta.updatedAt = Date.now();
  const epoch = ck.epoch;
  enqueue(l, (store, m) => store.commit(m, { chunk, put, drop }, `save epoch ${epoch} of run “${m.name}”`));
}

function ended(runId: string, l: Live, status: RunMeta['status'], error: string | null): void {
  tick(l, false);
  const chunk = takeChunk(l);
  l.meta.status = status;
  l.meta.error = error;
  l.meta.updatedAt = Date.now();
  const put = l.final ? [l.final] : [];
  if (l.final) l.meta.resumePoint = { epoch: l.final.epoch, globalStep: l.final.globalStep };
  live.delete(runId);
  enqueue(l, async (store, m) => {
    const written = await store.commit(m, { chunk, put }, `save the end of run “${m.name}”`);
    void refreshUsage();
    return written;
  });
  void l.chain.then(l.unlock);
}

/** Records what a worker message says about a run (other messages are ignored). */
export function record(msg: FromWorker): void {
  if (db === null) {
    if (opening !== null && msg.type.startsWith('run-') && waiting.length < MAX_WAITING) waiting.push(msg);
    return;
  }
  if (msg.type === 'run-started') {
    started(msg.runId, msg.plan);
    return;
  }
  const l = live.get(msg.runId);
  if (l === undefined) return;
  if (msg.type === 'run-steps') {
    const r = msg.records;
    l.bufferFirst ??= r.firstStep;
    l.buffer.push(stepColumns(r));
  } else if (msg.type === 'run-epoch') {
    l.meta.epochs.push(msg.record);
  } else if (msg.type === 'run-nan') {
    l.meta.nanEvents.push(msg.event);
  } else if (msg.type === 'run-status') {
    tick(l, msg.status === 'running');
    if (msg.status === 'paused' || msg.status === 'running') l.meta.status = msg.status;
  } else if (msg.type === 'run-checkpoint') {
    checkpointed(l, msg);
  } else if (msg.type === 'run-finished') {
    l.meta.result = msg.result;
    const end = msg.result.end;
    ended(
      msg.runId,
      l,
      end === 'stopped' || end === 'nan-stop' ? 'stopped' : 'done',
      end === 'nan-stop' ? 'Stopped on a non-finite loss or gradient (NaN policy “stop”).' : null,
    );
  } else if (msg.type === 'run-failed') {
    // Only the run's own failure ends its record: an 'error' answering a request about the run (a
    // control, an evaluation) leaves it training.
    ended(msg.runId, l, 'failed', msg.message);
  }
  // Other messages say nothing about what a run record holds.
}

/** Waits until every queued write of every live run is done (tests, export of a live run). */
export async function flushed(): Promise<void> {
  await Promise.all([...tails.values()]);
}
