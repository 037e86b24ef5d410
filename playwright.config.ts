import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium.ts';
import { DEV_PORT, PORT } from './e2e/ports.ts';

/** Chromium for e2e, or a plain explanation (no stack trace) and exit when there is none. */
function chromiumOrExit(): string {
  try {
    return findChromium();
  } catch (err) {
    console.error(`\n${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // SwiftShader WebGPU is slow: keep e2e serial on 2 cores and give each test room.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  retries: process.env['CI'] === 'true' ? 1 : 0,
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 720 },
    launchOptions: { executablePath: chromiumOrExit(), args: CHROMIUM_ARGS },
    trace: 'off',
  },
  webServer: [
    {
      // The production build, served with the same COOP/COEP headers as `npm start`.
      command: `npm run build && npx vite preview --port ${PORT} --strictPort`,
      url: `http://localhost:${PORT}`,
      reuseExistingServer: process.env['CI'] !== 'true',
      timeout: 240_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The dev server, as `npm start` serves it (React StrictMode, on-the-fly dependency optimisation).
      command: `npx vite --port ${DEV_PORT} --strictPort`,
      url: `http://localhost:${DEV_PORT}`,
      reuseExistingServer: process.env['CI'] !== 'true',
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
