import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDefaults } from '../../core/recipe.ts';
import type { Checkpoint, EpochRecord, FromWorker, RunPlan, StepRecords } from '../../worker/protocol.ts';
import { useLabStore } from '../labStore.ts';
import { renameRun, setRunTags } from './actions.ts';
import { RunStore, isQuotaError } from './db.ts';
import { expectResume, flushed, lockName, openHistory, record, resetRecorder } from './recorder.ts';

/**
 * The recorder against a real IndexedDB implementation (fake-indexeddb, in memory): a run's worker
 * messages in, the stored records out.
 */

let dbName = '';
let dbCount = 0;

const config = withDefaults({ epochs: 4, batchSize: 8 });
const plan = (history: EpochRecord[] = []): RunPlan => ({
  config,
  stepsPerEpoch: 5,
  totalSteps: 20,
  plannedLr: new Float32Array(20),
  plannedMomentum: null,
  outliers: null,
  normalizer: { mean: 1, std: 2 },
  datasetFingerprint: 'fp-1',
  history,
});

function steps(first: number, n: number, epoch: number): StepRecords {
  const f = (k: number) => Float32Array.from({ length: n }, (_, i) => (first + i) * 10 + k);
  return {
    firstStep: first,
    epoch,
    lr: f(1),
    momentum: f(2),
    loss: f(3),
    gradNormPre: f(4),
    gradNormPost: f(5),
    clipped: f(6),
    ok: f(7),
    stepMs: f(8),
  };
}

const metrics = (mae: number) => ({
  n: 4,
  loss: mae,
  mae,
  rmse: mae * 1.5,
  r2: 0.9,
  pearson: 0.95,
  spearman: Number.NaN,
});

function epochRecord(epoch: number, mae: number): EpochRecord {
  return {
    epoch,
    globalStep: epoch * 5,
    trainLoss: 1 / epoch,
    nanSteps: 0,
    val: metrics(mae),
    test: metrics(mae * 1.1),
    lr: 0.001,
    lrScale: 1,
    plateauFactor: 1,
    improved: true,
    bestValMae: mae,
    bestEpoch: epoch,
    epochMs: 10,
  };
}

/** A stand-in checkpoint: the recorder stores it as it is (the worker checks real ones). */
const ck = (epoch: number, globalStep: number): Checkpoint =>
  ({
    format: 'optimization-lab/checkpoint@1',
    epoch,
    globalStep,
    weights: { data: [new Float32Array([epoch])] },
  }) as unknown as Checkpoint;

function epochMessages(
  runId: string,
  epoch: number,
  mae: number,
  topK: { epoch: number; valMae: number }[],
): FromWorker[] {
  return [
    { type: 'run-steps', runId, records: steps((epoch - 1) * 5, 3, epoch - 1) },
    { type: 'run-steps', runId, records: steps((epoch - 1) * 5 + 3, 2, epoch - 1) },
    { type: 'run-epoch', runId, record: epochRecord(epoch, mae) },
    {
      type: 'run-checkpoint',
      runId,
      checkpoint: ck(epoch, epoch * 5),
      final: false,
      valMae: mae,
      inTopK: topK.some((t) => t.epoch === epoch),
      topK,
    },
  ];
}

beforeEach(async () => {
  resetRecorder();
  dbName = `test-history-${++dbCount}`;
  useLabStore.setState((s) => ({
    history: { ...s.history, phase: 'loading', runs: [], error: null, selected: [], series: {} },
  }));
  await openHistory(dbName);
});

afterEach(() => resetRecorder());

describe('recorder', () => {
  it('stores a run epoch by epoch: records, steps, resume point and top-k slots', async () => {
    record({ type: 'run-started', runId: 'r1', plan: plan() });
    for (const m of epochMessages('r1', 1, 0.5, [{ epoch: 1, valMae: 0.5 }])) record(m);
    for (const m of epochMessages('r1', 2, 0.3, [
      { epoch: 2, valMae: 0.3 },
      { epoch: 1, valMae: 0.5 },
    ]))
      record(m);
    // Epoch 3 is worse and pushes nothing; top-k is 2 here, so a better epoch 4 evicts epoch 1.
    for (const m of epochMessages('r1', 3, 0.6, [
      { epoch: 2, valMae: 0.3 },
      { epoch: 1, valMae: 0.5 },
    ]))
      record(m);
    await flushed();
    const store = await RunStore.open(dbName);
    const meta = await store.getRun('r1');
    expect(meta?.status).toBe('running');
    expect(meta?.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(Number.isNaN(meta?.epochs[0]?.val.spearman)).toBe(true);
    expect(meta?.stepsStored).toBe(15);
    expect(meta?.resumePoint).toEqual({ epoch: 3, globalStep: 15 });
    const s = await store.readSteps(meta!);
    expect(Array.from(s.loss)).toEqual(Array.from({ length: 15 }, (_, i) => i * 10 + 3));
    expect(Array.from(s.ok)).toEqual(Array.from({ length: 15 }, (_, i) => i * 10 + 7));
    const slots = (await store.listCheckpoints('r1')).map((c) => c.slot).sort();
    expect(slots).toEqual(['last', 'top:1', 'top:2']);
    expect((await store.getCheckpoint('r1', 'last'))?.epoch).toBe(3);
    // The page's list has the stored record.
    expect(useLabStore.getState().history.runs.map((r) => r.id)).toEqual(['r1']);

    for (const m of epochMessages('r1', 4, 0.2, [
      { epoch: 4, valMae: 0.2 },
      { epoch: 2, valMae: 0.3 },
    ]))
      record(m);
    record({ type: 'run-steps', runId: 'r1', records: steps(20, 0, 4) });
    record({
      type: 'run-checkpoint',
      runId: 'r1',
      checkpoint: ck(4, 20),
      final: true,
      valMae: null,
      inTopK: false,
      topK: [
        { epoch: 4, valMae: 0.2 },
        { epoch: 2, valMae: 0.3 },
      ],
    });
    record({
      type: 'run-finished',
      runId: 'r1',
      result: {
        end: 'completed',
        epochs: 4,
        globalStep: 20,
        bestValMae: 0.2,
        bestEpoch: 4,
        restoredBest: false,
      },
      weights: { count: 1, nonFinite: 0, maxAbs: 1 },
    });
    await flushed();
    const done = await store.getRun('r1');
    expect(done?.status).toBe('done');
    expect(done?.result?.end).toBe('completed');
    expect(done?.stepsStored).toBe(20);
    expect((await store.listCheckpoints('r1')).map((c) => c.slot).sort()).toEqual(['last', 'top:2', 'top:4']);
    store.close();
  });

  it('a run cut off mid-epoch is interrupted after a reopen, with the epochs before the cut', async () => {
    record({ type: 'run-started', runId: 'r2', plan: plan() });
    for (const m of epochMessages('r2', 1, 0.5, [{ epoch: 1, valMae: 0.5 }])) record(m);
    // Steps of epoch 2 arrive, then the page goes away before the epoch ends.
    record({ type: 'run-steps', runId: 'r2', records: steps(5, 3, 1) });
    await flushed();
    resetRecorder();
    await openHistory(dbName);
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r2');
    expect(run?.status).toBe('interrupted');
    expect(run?.epochs).toHaveLength(1);
    expect(run?.stepsStored).toBe(5);
    expect(run?.resumePoint).toEqual({ epoch: 1, globalStep: 5 });
  });

  it('a resumed run continues its own record from the resume point', async () => {
    record({ type: 'run-started', runId: 'r3', plan: plan() });
    for (const m of epochMessages('r3', 1, 0.5, [])) record(m);
    for (const m of epochMessages('r3', 2, 0.4, [])) record(m);
    record({
      type: 'run-checkpoint',
      runId: 'r3',
      checkpoint: ck(2, 12),
      final: true,
      valMae: null,
      inTopK: false,
      topK: [],
    });
    record({ type: 'run-steps', runId: 'r3', records: steps(10, 2, 2) });
    record({
      type: 'run-finished',
      runId: 'r3',
      result: {
        end: 'stopped',
        epochs: 2,
        globalStep: 12,
        bestValMae: 0.4,
        bestEpoch: 2,
        restoredBest: false,
      },
      weights: { count: 1, nonFinite: 0, maxAbs: 1 },
    });
    await flushed();
    let meta = useLabStore.getState().history.runs.find((r) => r.id === 'r3');
    expect(meta?.status).toBe('stopped');
    expect(meta?.stepsStored).toBe(12);
    expect(meta?.resumePoint).toEqual({ epoch: 2, globalStep: 12 });

    // Resume from the epoch-2 checkpoint at step 10: the two steps after it are replayed, not kept twice.
    expectResume('w2', 'r3', 10);
    record({ type: 'run-started', runId: 'w2', plan: plan([epochRecord(1, 0.5), epochRecord(2, 0.4)]) });
    record({ type: 'run-steps', runId: 'w2', records: steps(10, 5, 2) });
    record({ type: 'run-epoch', runId: 'w2', record: epochRecord(3, 0.35) });
    record({
      type: 'run-checkpoint',
      runId: 'w2',
      checkpoint: ck(3, 15),
      final: false,
      valMae: 0.35,
      inTopK: false,
      topK: [],
    });
    await flushed();
    meta = useLabStore.getState().history.runs.find((r) => r.id === 'r3');
    expect(useLabStore.getState().history.runs.map((r) => r.id)).toEqual(['r3']);
    expect(meta?.status).toBe('running');
    expect(meta?.stepsStored).toBe(15);
    expect(meta?.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const store = await RunStore.open(dbName);
    const s = await store.readSteps({ id: 'r3', stepsFrom: 0, stepsStored: 15 });
    expect(Array.from(s.loss)).toEqual(Array.from({ length: 15 }, (_, i) => i * 10 + 3));
    store.close();
  });

  it('reports a full storage quota and keeps recording later epochs', async () => {
    record({ type: 'run-started', runId: 'r4', plan: plan() });
    await flushed();
    const proto = IDBObjectStore.prototype;
    const put = Object.getOwnPropertyDescriptor(proto, 'put')!;
    proto.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    try {
      for (const m of epochMessages('r4', 1, 0.5, [])) record(m);
      await flushed();
    } finally {
      Object.defineProperty(proto, 'put', put);
    }
    const err = useLabStore.getState().history.error;
    expect(err).toMatch(/epoch 1 of run .*storage for this page is full \(quota exceeded\)/);
    expect(err).toMatch(/Export runs you want to keep and delete them/);
    for (const m of epochMessages('r4', 2, 0.4, [])) record(m);
    await flushed();
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r4');
    expect(run?.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    // The steps of the epoch that could not be written are a gap (NaN), not shifted later steps.
    const store = await RunStore.open(dbName);
    const s = await store.readSteps(run!);
    expect(s.loss.length).toBe(10);
    expect(Array.from(s.loss.subarray(0, 5)).every(Number.isNaN)).toBe(true);
    expect(Array.from(s.loss.subarray(5))).toEqual([53, 63, 73, 83, 93]);
    store.close();
  });

  it('a run another tab is training (it holds the run’s Web Lock) is not marked interrupted', async () => {
    const held = new Set<string>();
    const fakeLocks = {
      request: (name: string, fn: () => Promise<void>) => {
        held.add(name);
        return fn().then(() => void held.delete(name));
      },
      query: () => Promise.resolve({ held: [...held].map((name) => ({ name })) }),
    };
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { locks: fakeLocks }, configurable: true });
    try {
      record({ type: 'run-started', runId: 'r5', plan: plan() });
      await flushed();
      expect(held.has(lockName('r5'))).toBe(true);
      // A second page opens the history while r5 trains here: r5 stays 'running'.
      const other = await RunStore.open(dbName);
      expect((await other.getRun('r5'))?.status).toBe('running');
      resetRecorder(); // this page goes away: its lock is released
      await new Promise((r) => setTimeout(r, 0));
      expect(held.has(lockName('r5'))).toBe(false);
      held.add(lockName('r5')); // ...but pretend the other tab is still training it
      await openHistory(dbName);
      expect(useLabStore.getState().history.runs.find((r) => r.id === 'r5')?.status).toBe('running');
      held.clear();
      resetRecorder();
      await openHistory(dbName);
      expect(useLabStore.getState().history.runs.find((r) => r.id === 'r5')?.status).toBe('interrupted');
      other.close();
    } finally {
      if (nav) Object.defineProperty(globalThis, 'navigator', nav);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('a rename or new tags during a live run are kept by its later writes', async () => {
    record({ type: 'run-started', runId: 'r6', plan: plan() });
    for (const m of epochMessages('r6', 1, 0.5, [])) record(m);
    await flushed();
    await renameRun('r6', 'my sweep point');
    await setRunTags('r6', ['sweep']);
    for (const m of epochMessages('r6', 2, 0.4, [])) record(m);
    await flushed();
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r6');
    expect(run?.name).toBe('my sweep point');
    expect(run?.tags).toEqual(['sweep']);
    expect(run?.epochs).toHaveLength(2);
    // Also when the rename comes from another tab (straight into the database): the stored name wins.
    const other = await RunStore.open(dbName);
    await other.update('r6', { name: 'renamed elsewhere' });
    other.close();
    for (const m of epochMessages('r6', 3, 0.3, [])) record(m);
    await flushed();
    expect(useLabStore.getState().history.runs.find((r) => r.id === 'r6')?.name).toBe('renamed elsewhere');
  });

  it('an error about a request (not the run) leaves the run recording; run-failed ends it as failed', async () => {
    record({ type: 'run-started', runId: 'r7', plan: plan() });
    record({ type: 'error', runId: 'r7', message: 'stepOnce works while the trainer is paused' });
    for (const m of epochMessages('r7', 1, 0.5, [])) record(m);
    await flushed();
    expect(useLabStore.getState().history.runs.find((r) => r.id === 'r7')?.epochs).toHaveLength(1);
    record({ type: 'run-failed', runId: 'r7', message: 'WebGPU device lost' });
    await flushed();
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r7');
    expect(run?.status).toBe('failed');
    expect(run?.error).toBe('WebGPU device lost');
  });

  it('a NaN-stopped run is stopped (with the reason), not done', async () => {
    record({ type: 'run-started', runId: 'r8', plan: plan() });
    record({
      type: 'run-finished',
      runId: 'r8',
      result: {
        end: 'nan-stop',
        epochs: 0,
        globalStep: 3,
        bestValMae: Infinity,
        bestEpoch: 0,
        restoredBest: false,
      },
      weights: { count: 1, nonFinite: 0, maxAbs: 1 },
    });
    await flushed();
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r8');
    expect(run?.status).toBe('stopped');
    expect(run?.error).toMatch(/non-finite/);
  });

  it('messages that arrive while the database opens are recorded once it is open', async () => {
    resetRecorder();
    const opened = openHistory(dbName);
    record({ type: 'run-started', runId: 'r9', plan: plan() });
    for (const m of epochMessages('r9', 1, 0.5, [])) record(m);
    await opened;
    await flushed();
    const run = useLabStore.getState().history.runs.find((r) => r.id === 'r9');
    expect(run?.epochs).toHaveLength(1);
    expect(run?.stepsStored).toBe(5);
  });

  it('recognises quota errors, also wrapped', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new Error('a', { cause: new DOMException('x', 'QuotaExceededError') }))).toBe(true);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
  });
});
