/**
 * Types of the backend report: plain data, no TF.js, so the page can import them (type-only, through
 * `worker/protocol.ts`) without bundling TF.js.
 */

/** TF.js backends the lab knows, fastest first for a machine with a real GPU. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** What the browser says about the GPU adapter WebGPU would use (GPUAdapterInfo); empty strings allowed. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software fallback adapter (e.g. SwiftShader); undefined when the browser does not say. */
  isFallbackAdapter?: boolean;
}

/** One backend the worker tried while choosing, with why it was rejected. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Human-readable reason when `ok` is false. */
  reason?: string;
  /** Time spent initialising and checking it (ms). */
  ms: number;
}

/** The worker's answer to `init`: which backend it runs on, and why. */
export interface BackendReport {
  name: BackendName;
  /** Set when `name` is 'webgpu'. */
  adapter: AdapterInfo | null;
  attempts: BackendAttempt[];
  tfVersion: string;
  /** Whether the worker is cross-origin isolated (needed for the threaded-SIMD wasm backend). */
  crossOriginIsolated: boolean;
  /** Set when `name` is 'wasm': which build runs (SIMD, threads) and with how many threads. */
  wasm: { simd: boolean; threads: boolean; threadCount: number } | null;
  /** A tiny kernel run on the chosen backend, checked against the known answer. */
  selfTest: { op: string; expected: number[]; got: number[] };
}
