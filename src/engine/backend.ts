/**
 * Choosing and initialising the TF.js backend. Runs in the worker (browser) and in Node (CLI, tests).
 *
 * Order for `auto`: webgpu → webgl → wasm → cpu. Each candidate must initialise *and* compute a small
 * known answer correctly before it is accepted; every attempt is reported with its reason, so the page
 * can say why the lab is not on the GPU. wasm is the fast CPU path (SIMD, and threads when the page is
 * cross-origin isolated); the model avoids the kernels wasm lacks (see src/model/cgcnn.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type {
  AdapterInfo,
  BackendAttempt,
  BackendName,
  BackendPreference,
  BackendReport,
} from './backendTypes.ts';

export const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Minimal structural view of `navigator.gpu` (avoids a dependency on @webgpu/types at this boundary). */
interface GpuLike {
  requestAdapter(): Promise<{ info?: Partial<AdapterInfo> } | null>;
}

function gpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

/** Why a backend cannot even be tried here, or null if it can. */
function unavailableReason(name: BackendName): string | null {
  if (name === 'webgpu' && gpu() === undefined) {
    return 'WebGPU is not available here (navigator.gpu is undefined): it needs a recent Chromium-based browser, a page served over https or from localhost, and on Linux the flag --enable-unsafe-webgpu.';
  }
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'WebGL needs OffscreenCanvas in a worker, which this environment lacks.';
  }
  return null;
}

async function readAdapterInfo(): Promise<AdapterInfo | null> {
  const adapter = await gpu()?.requestAdapter();
  if (adapter === null || adapter === undefined) return null;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    ...(info.isFallbackAdapter !== undefined ? { isFallbackAdapter: info.isFallbackAdapter } : {}),
  };
}

/** x·Wᵀ + b on a 2×3 input: exercises matMul and broadcasting add, and reads the result back. */
const SELF_TEST = {
  op: 'matMul([[1,2,3],[4,5,6]], [[1,0,-1],[2,1,0]]ᵀ) + [0.5,-0.5]',
  expected: [-1.5, 3.5, -1.5, 12.5],
};

/** Reads back asynchronously: `dataSync` is not a real GPU readback on the WebGPU backend (it gave zeros). */
async function selfTest(): Promise<number[]> {
  const out = tf.tidy(() =>
    tf
      .matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([1, 0, -1, 2, 1, 0], [2, 3]), false, true)
      .add(tf.tensor1d([0.5, -0.5])),
  );
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}

/** The tail of the queue of backend initialisations (see `initBackend`). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Initialises the first backend (preferred one first, then the `auto` order) that starts and passes the
 * self-test. Throws with every attempt's reason when none does.
 *
 * Calls are serialised: TF.js's engine is global, and two overlapping `setBackend` calls corrupt it (one
 * sets `backendName` while the other is still initialising, so kernels of one backend run on the other's
 * tensors). React StrictMode's double effects in dev sent two `init`s at once and hit exactly this.
 */
/**
 * Initialises `preference` (or the first of {@link AUTO_ORDER} that works). `wasmThreads` caps the wasm
 * backend's thread pool, 0 = the single-threaded build (it only takes effect before wasm first starts;
 * default: one per core), e.g. to leave a core to the page on a small machine.
 */
export function initBackend(
  preference: BackendPreference,
  opts: { wasmThreads?: number } = {},
): Promise<BackendReport> {
  if (opts.wasmThreads === 0) {
    // No thread pool: the single-threaded SIMD build (the worker then uses exactly one core).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } else if (opts.wasmThreads !== undefined && Number.isInteger(opts.wasmThreads) && opts.wasmThreads >= 1) {
    setThreadsCount(opts.wasmThreads);
  }
  const run = queue.then(() => initBackendNow(preference));
  queue = run.catch(() => undefined);
  return run;
}

async function initBackendNow(preference: BackendPreference): Promise<BackendReport> {
  const order: BackendName[] =
    preference === 'auto' ? [...AUTO_ORDER] : [preference, ...AUTO_ORDER.filter((b) => b !== preference)];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const t0 = performance.now();
    const skip = unavailableReason(name);
    if (skip !== null) {
      attempts.push({ backend: name, ok: false, reason: skip, ms: 0 });
      continue;
    }
    try {
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') returned false (the backend failed to initialise).`);
      await tf.ready();
      const got = await selfTest();
      const bad =
        got.length !== SELF_TEST.expected.length ||
        got.some((v, i) => Math.abs(v - SELF_TEST.expected[i]!) > 1e-5);
      if (bad)
        throw new Error(`self-test gave [${got.join(', ')}], expected [${SELF_TEST.expected.join(', ')}]`);
      attempts.push({ backend: name, ok: true, ms: performance.now() - t0 });
      return {
        name,
        adapter: name === 'webgpu' ? await readAdapterInfo() : null,
        wasm:
          name === 'wasm'
            ? {
                simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
                threads: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true,
                threadCount: getThreadsCount(),
              }
            : null,
        attempts,
        tfVersion: tf.version.tfjs,
        crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
        selfTest: { op: SELF_TEST.op, expected: [...SELF_TEST.expected], got },
      };
    } catch (err) {
      attempts.push({
        backend: name,
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
        ms: performance.now() - t0,
      });
    }
  }
  throw new Error(
    `No TF.js backend could start. ${attempts.map((a) => `${a.backend}: ${a.reason ?? 'failed'}`).join(' | ')}`,
  );
}
