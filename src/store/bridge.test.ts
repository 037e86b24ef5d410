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
