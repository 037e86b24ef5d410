import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Cross-origin isolation (COOP + COEP) makes `SharedArrayBuffer` available, which TF.js's threaded-SIMD
 * wasm backend needs. Both the dev server (`npm start`) and the preview server (used by e2e) send them.
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  worker: {
    format: 'es',
    // TF.js's threaded wasm starts its pthread workers from the *source text* of an Emscripten factory
    // (Function.prototype.toString): mangled names break it ("e is not defined" in every pthread).
    // Neither mangle nor compress the worker bundle (compressing inlines the factory's `_scriptDir`).
    rolldownOptions: { output: { minify: { mangle: false, compress: false } } },
  },
  // TF.js is imported only by the worker, which Vite's dependency scan finds late: without this the dev
  // server re-optimizes mid-load and the worker can mix chunks of two optimizer runs (WebGPU then fails
  // to register). Pre-bundling both up front gives one tfjs-core from the first page load on.
  optimizeDeps: {
    entries: ['index.html', 'src/worker/*.worker.ts'],
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'react',
      'react-dom/client',
      'react/jsx-dev-runtime',
      'zustand',
    ],
  },
  build: {
    target: 'es2022',
    // LAB_NO_MINIFY=1 keeps names readable in CPU profiles of the page (used to find its long tasks).
    minify: process.env['LAB_NO_MINIFY'] === '1' ? false : undefined,
    // TF.js alone is ~1.5 MB minified; it is loaded by the worker, not the page.
    chunkSizeWarningLimit: 4000,
  },
});
