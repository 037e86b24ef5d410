import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';

describe('initBackend in Node (no WebGPU, no WebGL)', () => {
  it('falls back to wasm, says why each GPU backend was skipped, and passes the self-test', async () => {
    const report = await initBackend('auto');
    expect(report.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.wasm?.simd).toBe(true);
    expect(report.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['wasm', true],
    ]);
    expect(report.attempts[0]?.reason).toMatch(/navigator\.gpu is undefined/);
    expect(report.attempts[1]?.reason).toMatch(/OffscreenCanvas/);
    expect(report.selfTest.got).toEqual([-1.5, 3.5, -1.5, 12.5]);
    expect(report.adapter).toBeNull();
    expect(report.tfVersion).toBe(tf.version.tfjs);
  });

  it('tries an explicit preference first', async () => {
    const report = await initBackend('cpu');
    expect(report.attempts).toHaveLength(1);
    expect(report.name).toBe('cpu');
  });
});

describe('initBackend serialises overlapping calls', () => {
  it('runs concurrent requests one after another, each seeing a consistent engine', async () => {
    const order: string[] = [];
    const a = initBackend('auto').then((r) => order.push(`auto:${r.name}`));
    const b = initBackend('cpu').then((r) => order.push(`cpu:${r.name}`));
    const c = initBackend('auto').then((r) => order.push(`auto2:${r.name}`));
    await Promise.all([a, b, c]);
    expect(order).toEqual(['auto:wasm', 'cpu:cpu', 'auto2:wasm']);
  });
});
