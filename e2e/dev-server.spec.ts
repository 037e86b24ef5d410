import { expect, test } from '@playwright/test';
import { DEV_PORT } from './ports.ts';
import { LabPage } from './pages/LabPage.ts';

/**
 * `npm start` serves the dev server, where React StrictMode mounts effects twice and the worker gets two
 * overlapping `init` requests. Unserialised, they raced inside TF.js's global engine and the lab fell
 * back to WebGL on about one load in three. Several fresh loads must all land on WebGPU.
 */
test('the dev server (npm start) lands on WebGPU on every load', async ({ page }) => {
  const lab = new LabPage(page);
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    await page.goto(`http://localhost:${DEV_PORT}/`);
    seen.push(await lab.waitForBackend());
  }
  await lab.screenshot('dev-server-backend');
  expect(seen).toEqual(['webgpu', 'webgpu', 'webgpu', 'webgpu']);
  await expect(lab.backendPanel.getByRole('listitem')).toHaveCount(1);

  // The threaded wasm build also starts from the dev server (its pthread workers need unmangled code).
  await page.goto(`http://localhost:${DEV_PORT}/?backend=wasm`);
  expect(await lab.waitForBackend()).toBe('wasm');
  await expect(lab.backendPanel.getByTestId('backend-wasm')).toContainText(/threads on \(pool of \d+\)/);
});
