import { beforeEach, describe, expect, it } from 'vitest';
import type { BackendReport } from '../worker/protocol.ts';
import { applyWorkerMessage } from './bridge.ts';
import { useLabStore } from './labStore.ts';

const report: BackendReport = {
  name: 'webgpu',
  adapter: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' },
  attempts: [{ backend: 'webgpu', ok: true, ms: 12 }],
  tfVersion: '4.22.0',
  crossOriginIsolated: true,
  wasm: null,
  selfTest: { op: 'x', expected: [1], got: [1] },
};

describe('bridge: worker messages → store', () => {
  beforeEach(() => useLabStore.getState().setBackend({ phase: 'starting', runId: 'r2', preference: 'auto' }));

  it('applies a backend report for the current runId', () => {
    applyWorkerMessage({ type: 'backend-ready', runId: 'r2', report });
    expect(useLabStore.getState().backend).toEqual({ phase: 'ready', runId: 'r2', report });
  });

  it('drops a late message from an older request', () => {
    applyWorkerMessage({ type: 'backend-ready', runId: 'r1', report });
    expect(useLabStore.getState().backend.phase).toBe('starting');
  });

  it('turns an error into a failed state with its message', () => {
    applyWorkerMessage({ type: 'error', runId: 'r2', message: 'No TF.js backend could start.' });
    expect(useLabStore.getState().backend).toEqual({
      phase: 'failed',
      runId: 'r2',
      message: 'No TF.js backend could start.',
    });
  });
});

describe('bridge: training messages → store', () => {
  beforeEach(() => useLabStore.getState().runRequested('run-1'));

  it('appends step batches, keeps epochs and evaluations of the current run, drops other runs', () => {
    const f = (xs: number[]) => Float32Array.from(xs);
    const records = {
      firstStep: 0,
      epoch: 0,
      lr: f([0.1, 0.2]),
      momentum: f([0.95, 0.94]),
      loss: f([1, 0.5]),
      gradNormPre: f([2, 0.4]),
      gradNormPost: f([0.5, 0.4]),
      clipped: f([1, 0]),
      ok: f([1, 1]),
      stepMs: f([3, 3]),
    };
    applyWorkerMessage({ type: 'run-steps', runId: 'run-1', records });
    applyWorkerMessage({ type: 'run-steps', runId: 'old-run', records });
    applyWorkerMessage({ type: 'run-steps', runId: 'run-1', records: { ...records, firstStep: 2 } });
    const t = useLabStore.getState().training;
    expect(t.series.step).toEqual([0, 1, 2, 3]);
    expect(t.series.loss).toEqual([1, 0.5, 1, 0.5]);
    expect(t.series.clipped).toEqual([1, 0, 1, 0]);

    const evaluation = {
      split: 'val' as const,
      n: 1,
      loss: 0,
      mae: 0.1,
      rmse: 0.1,
      r2: 1,
      pearson: 1,
      spearman: 1,
      ids: ['a'],
      rows: Int32Array.from([0]),
      targets: Float64Array.from([1]),
      predictions: Float64Array.from([1.1]),
    };
    applyWorkerMessage({ type: 'evaluation', runId: 'old-run', result: evaluation });
    expect(useLabStore.getState().evaluations).toEqual({});
    applyWorkerMessage({ type: 'evaluation', runId: 'run-1', result: evaluation });
    expect(useLabStore.getState().evaluations.val?.mae).toBe(0.1);
  });
});

describe('bridge: landscape job messages → store', () => {
  beforeEach(() => useLabStore.getState().runRequested('run-7'));

  it('a failed per-epoch sharpness job is reported as such and the run keeps its status', () => {
    applyWorkerMessage({ type: 'run-status', runId: 'run-7', status: 'running' });
    applyWorkerMessage({
      type: 'job-error',
      runId: 'run-7',
      jobId: 'track',
      message: 'Sharpness tracking after epoch 3 failed: out of memory',
    });
    const s = useLabStore.getState();
    expect(s.training.status).toBe('running');
    expect(s.training.error).toBeNull();
    expect(s.trackError).toContain('epoch 3');
  });

  it('progress, result and error land on the job with that id; an unknown id is dropped', () => {
    const st = useLabStore.getState();
    const job = { kind: 'probe', rows: 8 } as const;
    st.jobStarted('probe', {
      jobId: 'j1',
      runId: 'run-7',
      job,
      status: 'running',
      progress: null,
      result: null,
      error: null,
    });
    applyWorkerMessage({
      type: 'job-progress',
      runId: 'run-7',
      jobId: 'j1',
      done: 1,
      total: 2,
      elapsedMs: 5,
      estimateMs: 10,
    });
    expect(useLabStore.getState().jobs.probe?.progress).toEqual({
      done: 1,
      total: 2,
      elapsedMs: 5,
      estimateMs: 10,
    });
    applyWorkerMessage({ type: 'job-error', runId: 'run-7', jobId: 'nope', message: 'x' });
    expect(useLabStore.getState().jobs.probe?.status).toBe('running');
    applyWorkerMessage({ type: 'job-error', runId: 'run-7', jobId: 'j1', message: 'Train a model first.' });
    expect(useLabStore.getState().jobs.probe).toMatchObject({
      status: 'error',
      error: 'Train a model first.',
    });
  });
});
