/**
 * Test page (served by the dev server at /e2e/parity/index.html, never part of the app build): runs the
 * PyTorch parity fixture through the engine on the backend named in `?backend=` (webgpu by default) and
 * exposes the numbers to the e2e spec, which compares them with the fixture.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { runParityForward, runParitySteps, type ParityCase } from '../../src/engine/testing/parity.ts';

declare global {
  interface Window {
    runParity: (c: ParityCase) => Promise<unknown>;
  }
}

const backend = new URLSearchParams(location.search).get('backend') ?? 'webgpu';
const status = document.getElementById('status') as HTMLElement;

window.runParity = async (c: ParityCase) => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  await tf.ready();
  const forward = await runParityForward(c);
  const sgd = await runParitySteps(c, 'SGD');
  return {
    backend: tf.getBackend(),
    forward: {
      outputs: Array.from(forward.outputs),
      huber: forward.huber,
      names: forward.names,
      grads: forward.grads.map((g) => Array.from(g)),
    },
    sgd: {
      steps: sgd.records.map((r) => ({ huber: r.huber, mse: r.mse, preNorm: r.preNorm, coef: r.coef })),
      evalAfter: Array.from(sgd.evalAfter),
    },
  };
};
status.textContent = `ready (${backend})`;
